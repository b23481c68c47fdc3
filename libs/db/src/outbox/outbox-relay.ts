import { Logger } from '@nestjs/common';
import { isStoreUnavailable } from '@jchat/common';
import type { OutboxStore, OutboxRow } from './outbox-store';

export interface OutboxRelayOptions {
  /** How often to look for rows left behind (default 2 s). */
  intervalMs?: number;
  /** Rows younger than this are still being published by their writer (default 10 s). */
  staleAfterMs?: number;
  /** Rows per round (default 200). */
  batch?: number;
}

/**
 * Publishes the outbox rows a service's writers left behind (a crash or a NATS outage between
 * their commit and their publish). Every replica runs one; row locks keep them apart.
 */
export class OutboxRelay {
  private readonly logger = new Logger('outbox-relay');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly service: string,
    private readonly publish: (row: OutboxRow) => Promise<void>,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.round()
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: publishes every stale row, a batch at a time. Returns how many. */
  async round(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const published = await this.outbox.relay(
          this.service,
          this.options.staleAfterMs ?? 10_000,
          this.options.batch ?? 200,
          async (rows) => {
            for (const row of rows) await this.publish(row);
          },
        );
        total += published;
        if (published === 0) break;
      }
      if (total > 0)
        this.logger.warn(
          { service: this.service, published: total },
          'published events left behind',
        );
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      if (isStoreUnavailable(error))
        this.logger.warn({ error: message }, 'outbox relay waits for its stores');
      else this.logger.error({ error: message }, 'outbox relay round failed');
    }
    return total;
  }
}
