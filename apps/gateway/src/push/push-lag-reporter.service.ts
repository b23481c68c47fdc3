import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EventBus } from '@jchat/bus';
import { scrapedGauge } from '@jchat/common';
import { PresenceReporter } from './presence-reporter.service';
import { PUSH_CONFIG, type PushConfig } from './push-config';

/** A report holds for this many report intervals: a gateway that stops reporting stops counting. */
const VALID_FOR_INTERVALS = 4;

let lastReportedLagMs = 0;

scrapedGauge(
  {
    name: 'jchat_push_lag_seconds',
    help: 'Age on arrival of the oldest push delivery in the last report interval (gateway)',
    labelNames: [] as const,
  },
  () => [[{}, lastReportedLagMs / 1000]],
);

/**
 * Measures how far behind this gateway's push deliveries are (their age when the gateway gets
 * to them, which counts every queue on the way: the publisher's, NATS', this event loop's) and
 * reports it every PUSH_LAG_REPORT_MS on pushLagSubject. The messaging service refuses new
 * messages while a gateway is too far behind (MESSAGE_SEND_MAX_PUSH_LAG_MS): offered more than
 * the push path can carry, sends are paced to it instead of piling up unseen.
 */
@Injectable()
export class PushLagReporter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('push-lag');
  private worstLagMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    /** Whose gatewayId (this gateway's one identity) the reports carry. */
    private readonly presence: PresenceReporter,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.report(), this.config.PUSH_LAG_REPORT_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A push delivery published at `sentAt` (ms since the epoch) is being handed out now. */
  arrived(sentAt: number | undefined, now = Date.now()): void {
    if (typeof sentAt !== 'number') return;
    // A publisher whose clock is ahead gives a negative age: it counts as none.
    const lag = now - sentAt;
    if (lag > this.worstLagMs) this.worstLagMs = lag;
  }

  /** Sends the worst lag seen since the last report, and starts over. */
  report(): void {
    lastReportedLagMs = this.worstLagMs;
    this.worstLagMs = 0;
    try {
      this.bus.reportPushLag({
        gatewayId: this.presence.gatewayId,
        lagMs: lastReportedLagMs,
        validForMs: VALID_FOR_INTERVALS * this.config.PUSH_LAG_REPORT_MS,
      });
    } catch (error: unknown) {
      this.logger.warn({ error: String(error) }, 'could not report the push lag');
    }
  }
}
