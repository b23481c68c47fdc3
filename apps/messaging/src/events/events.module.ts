import { Module } from '@nestjs/common';
import { ConversationMembers } from '@jchat/bus';
import { MessagingOutboxRelay } from './messaging-outbox.relay';
import { StateEvents } from './state-events';

@Module({
  providers: [ConversationMembers, StateEvents, MessagingOutboxRelay],
  exports: [StateEvents],
})
export class EventsModule {}
