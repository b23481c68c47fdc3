import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'nats';
import { type AccountPush, EventBus } from '@jchat/contracts';
import { PresenceReporter } from './presence-reporter.service';
import { PUSH_BUS } from './push-bus';

export type PushListener = (push: AccountPush) => void;

interface AccountEntry {
  subscription: Subscription;
  listeners: Set<PushListener>;
  /** Resolves once the NATS server knows of the subscription. */
  ready: Promise<void>;
}

/**
 * This gateway's per-account push subscriptions: an account's subject is subscribed
 * while at least one of its connections is open here, and each push goes to every
 * such connection. Nothing else reaches this gateway.
 */
@Injectable()
export class PushHub implements OnModuleDestroy {
  private readonly accounts = new Map<string, AccountEntry>();
  /** The flush that will cover the subscriptions made since the last one was sent. */
  private nextFlush: Promise<void> | null = null;

  constructor(
    @Inject(PUSH_BUS) private readonly bus: EventBus,
    private readonly presence: PresenceReporter,
  ) {}

  /**
   * Registers a connection's listener; resolves when pushes published from now on will
   * reach it. Returns the function that unregisters it.
   */
  async attach(accountId: string, listener: PushListener): Promise<() => void> {
    let entry = this.accounts.get(accountId);
    if (!entry) {
      const listeners = new Set<PushListener>();
      const subscription = this.bus.subscribeToAccount(accountId, (push) => {
        for (const deliver of listeners) deliver(push);
      });
      entry = { subscription, listeners, ready: this.subscribed() };
      this.accounts.set(accountId, entry);
      void this.presence.opened(accountId);
    }
    entry.listeners.add(listener);
    await entry.ready;
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.detach(accountId, listener);
    };
  }

  /**
   * Resolves once the NATS server has every subscription made so far. It handles a connection's
   * commands in order, so one PING sent after a burst of SUBs (a reconnect storm) answers for
   * all of them: the connections opened in one turn of the event loop share one round trip.
   */
  private subscribed(): Promise<void> {
    this.nextFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.nextFlush = null;
      return this.bus.connection.flush();
    });
    return this.nextFlush;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  async onModuleDestroy(): Promise<void> {
    for (const entry of this.accounts.values()) entry.subscription.unsubscribe();
    this.accounts.clear();
    await this.bus.close();
  }

  private detach(accountId: string, listener: PushListener): void {
    const entry = this.accounts.get(accountId);
    if (!entry) return;
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0) return;
    entry.subscription.unsubscribe();
    this.accounts.delete(accountId);
    void this.presence.closed(accountId);
  }
}
