import { Injectable } from '@nestjs/common';
import { type AccountPush } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';

/**
 * Publishes one push to many accounts (core NATS, not persisted): one delivery message for all
 * of them, which every gateway hands to the connections it holds (see EventBus.deliver).
 */
@Injectable()
export class AccountPublisher {
  constructor(private readonly events: EventBus) {}

  publish(accountIds: Iterable<string>, push: AccountPush): number {
    return this.events.deliver(accountIds, push);
  }
}
