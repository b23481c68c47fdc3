import { Module } from '@nestjs/common';
import { ConversationMembers } from '@jchat/bus';
import { MessagingOutboxRelay } from './messaging-outbox.relay';
import { PushLagMonitor } from './push-lag.monitor';
import { StateEvents } from './state-events';

@Module({
  providers: [ConversationMembers, StateEvents, MessagingOutboxRelay, PushLagMonitor],
  exports: [StateEvents, PushLagMonitor],
})
export class EventsModule {}
