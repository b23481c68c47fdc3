import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { BlobsModule } from '../blobs/blobs.module';
import { EventsModule } from '../events/events.module';
import { DeliveredPositions } from './delivered-positions';
import { MessageQueryService } from './message-query.service';
import { MessageSendQueue } from './message-send.queue';
import { MessageSendRepository } from './message-send.repository';
import { MessagesHandler } from './messages.handler';
import { MessagesJmap } from './messages.jmap';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Module({
  imports: [AccessModule, BlobsModule, EventsModule],
  controllers: [MessagesHandler],
  providers: [
    MessagesRepository,
    MessageSendRepository,
    MessageSendQueue,
    MessagesService,
    DeliveredPositions,
    MessageQueryService,
    MessagesJmap,
  ],
  exports: [MessagesRepository, MessagesService, DeliveredPositions],
})
export class MessagesModule {}
