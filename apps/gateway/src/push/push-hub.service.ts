import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Subscription } from 'nats';
import { EventBus } from '@jchat/bus';
import type { AccountPush, PushDelivery } from '@jchat/contracts';
import { PresenceReporter } from './presence-reporter.service';
import { PushLagReporter } from './push-lag-reporter.service';

export type PushListener = (push: AccountPush) => void;

/**
 * This gateway's push listeners by account. The gateway subscribes once to the push deliveries
 * (EventBus.subscribeToDeliveries) and hands each push to the listeners of the accounts it
 * names; an account with no connection here is skipped. A listener attached after the
 * subscription is in place gets every push published from then on, with nothing to wait for.
 */
@Injectable()
export class PushHub implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('push-hub');
  private readonly accounts = new Map<string, Set<PushListener>>();
  private subscription: Promise<Subscription> | null = null;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    private readonly presence: PresenceReporter,
    private readonly lag: PushLagReporter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.subscribed();
  }

  /**
   * Registers a connection's listener; resolves when pushes published from now on will
   * reach it. Returns the function that unregisters it.
   */
  async attach(accountId: string, listener: PushListener): Promise<() => void> {
    await this.subscribed();
    let listeners = this.accounts.get(accountId);
    if (!listeners) {
      listeners = new Set();
      this.accounts.set(accountId, listeners);
      void this.presence.opened(accountId);
    }
    listeners.add(listener);
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      this.detach(accountId, listener);
    };
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  async onModuleDestroy(): Promise<void> {
    const subscription = await this.subscription?.catch(() => null);
    subscription?.unsubscribe();
    this.accounts.clear();
  }

  private subscribed(): Promise<Subscription> {
    if (!this.subscription) {
      this.subscription = this.bus.subscribeToDeliveries((delivery) => this.deliver(delivery));
      // A failed start (NATS away) is tried again by the next attach.
      this.subscription.catch(() => (this.subscription = null));
    }
    return this.subscription;
  }

  private deliver({ accountIds, push, sentAt }: PushDelivery): void {
    this.lag.arrived(sentAt);
    for (const accountId of accountIds) {
      const listeners = this.accounts.get(accountId);
      if (!listeners) continue;
      for (const listener of listeners) {
        try {
          listener(push);
        } catch (error: unknown) {
          // One connection's failure must not keep the push from the others.
          this.logger.error({ accountId, error: String(error) }, 'a push listener failed');
        }
      }
    }
  }

  private detach(accountId: string, listener: PushListener): void {
    const listeners = this.accounts.get(accountId);
    if (!listeners) return;
    listeners.delete(listener);
    if (listeners.size > 0) return;
    this.accounts.delete(accountId);
    void this.presence.closed(accountId);
  }
}
