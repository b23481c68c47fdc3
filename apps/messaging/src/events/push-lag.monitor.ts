import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'nats';
import { EventBus } from '@jchat/bus';
import type { PushLagReport } from '@jchat/contracts';

/** A report holds this long at most, whatever it says: a bad one cannot stop sends for long. */
const MAX_VALID_FOR_MS = 10_000;

interface GatewayLag {
  /** The lag the gateway's last two reports agree on: the lesser. */
  sustainedMs: number;
  latestMs: number;
  expiresAt: number;
}

/**
 * How far behind the gateways' push deliveries are: the worst lag among the gateways whose
 * reports (pushLagSubject) still hold, where a gateway's lag is the lesser of its last two
 * reports, so that one late batch (a pause of its event loop) does not count, a backlog that
 * lasts does. A gateway that stops reporting (gone, or stuck) stops counting once its report
 * expires, so it cannot keep every send refused.
 */
@Injectable()
export class PushLagMonitor implements OnModuleInit, OnModuleDestroy {
  private readonly gateways = new Map<string, GatewayLag>();
  private subscription: Subscription | null = null;

  constructor(@Inject(EventBus) private readonly events: EventBus) {}

  onModuleInit(): void {
    this.subscription = this.events.watchPushLag((report) => this.record(report));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  record(report: PushLagReport, now = Date.now()): void {
    const previous = this.gateways.get(report.gatewayId);
    const previousMs = previous && previous.expiresAt > now ? previous.latestMs : 0;
    this.gateways.set(report.gatewayId, {
      sustainedMs: Math.min(previousMs, report.lagMs),
      latestMs: report.lagMs,
      expiresAt: now + Math.min(report.validForMs, MAX_VALID_FOR_MS),
    });
  }

  /** The worst sustained push lag of any gateway now (0 when none reports one). */
  lagMs(now = Date.now()): number {
    let worst = 0;
    for (const [gatewayId, lag] of this.gateways) {
      if (lag.expiresAt <= now) this.gateways.delete(gatewayId);
      else if (lag.sustainedMs > worst) worst = lag.sustainedMs;
    }
    return worst;
  }
}
