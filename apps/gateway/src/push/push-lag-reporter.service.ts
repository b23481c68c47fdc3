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
let lastWorstLagMs = 0;

scrapedGauge(
  {
    name: 'jchat_push_lag_seconds',
    help: 'Age on arrival of the freshest push delivery in the last report interval: the backlog that stood through it (gateway)',
    labelNames: [] as const,
  },
  () => [[{}, lastReportedLagMs / 1000]],
);

scrapedGauge(
  {
    name: 'jchat_push_lag_worst_seconds',
    help: 'Age on arrival of the oldest push delivery in the last report interval (gateway)',
    labelNames: [] as const,
  },
  () => [[{}, lastWorstLagMs / 1000]],
);

/**
 * Measures how far behind this gateway's push deliveries are (their age when the gateway gets
 * to them, which counts every queue on the way: the publisher's, NATS', this event loop's) and
 * reports it every PUSH_LAG_REPORT_MS on pushLagSubject. The messaging service refuses new
 * messages while a gateway is too far behind (MESSAGE_SEND_MAX_PUSH_LAG_MS): offered more than
 * the push path can carry, sends are paced to it instead of piling up unseen.
 *
 * The lag reported is the age of the freshest delivery of the interval: a backlog that stood
 * through all of it, as a queue's minimum delay over an interval tells a standing queue from a
 * burst (CoDel). The oldest would count bursts: a batch of 128 messages is thousands of frames
 * written in one go, the deliveries queued behind it arrive late though the gateway keeps up,
 * and in W1 with twice the senders pacing on the oldest refused 1,049 and 1,208 sends in two of
 * three runs, on the freshest none, at the same throughput.
 */
@Injectable()
export class PushLagReporter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('push-lag');
  private worstLagMs = 0;
  private freshestLagMs = Number.POSITIVE_INFINITY;
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
    const lag = Math.max(0, now - sentAt);
    if (lag > this.worstLagMs) this.worstLagMs = lag;
    if (lag < this.freshestLagMs) this.freshestLagMs = lag;
  }

  /** Sends the lag of the freshest delivery since the last report (0 if none came), and starts over. */
  report(): void {
    lastReportedLagMs = Number.isFinite(this.freshestLagMs) ? this.freshestLagMs : 0;
    lastWorstLagMs = this.worstLagMs;
    this.worstLagMs = 0;
    this.freshestLagMs = Number.POSITIVE_INFINITY;
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
