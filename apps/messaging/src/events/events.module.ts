import { Module } from '@nestjs/common';
import { MessagingOutboxRelay } from './messaging-outbox.relay';
import { StateEvents } from './state-events';

@Module({ providers: [StateEvents, MessagingOutboxRelay], exports: [StateEvents] })
export class EventsModule {}
