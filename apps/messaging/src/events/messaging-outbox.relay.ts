import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { StateChangedEvent } from '@jchat/contracts';
import { OutboxStore, OutboxRelay } from '@jchat/db';
import { MESSAGING_OUTBOX, StateEvents } from './state-events';

/** Publishes the stateChanged events a crash or NATS outage left in messaging's outbox. */
@Injectable()
export class MessagingOutboxRelay implements OnModuleInit, OnModuleDestroy {
  readonly relay: OutboxRelay;

  constructor(outbox: OutboxStore, events: StateEvents) {
    this.relay = new OutboxRelay(outbox, MESSAGING_OUTBOX, (row) =>
      events.republish(row.id, row.payload as StateChangedEvent),
    );
  }

  onModuleInit(): void {
    this.relay.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.relay.stop();
  }
}
