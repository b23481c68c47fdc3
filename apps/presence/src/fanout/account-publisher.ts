import { Injectable } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { type AccountPush, accountPushSubject, EventBus } from '@jchat/contracts';

const codec = JSONCodec<AccountPush>();

/**
 * Publishes one push to many accounts' subjects (core NATS, not persisted). The
 * payload is encoded once; the client library batches the publishes into few writes.
 */
@Injectable()
export class AccountPublisher {
  constructor(private readonly events: EventBus) {}

  publish(accountIds: Iterable<string>, push: AccountPush): number {
    const data = codec.encode(push);
    let count = 0;
    for (const accountId of accountIds) {
      this.events.connection.publish(accountPushSubject(accountId), data);
      count += 1;
    }
    return count;
  }
}
