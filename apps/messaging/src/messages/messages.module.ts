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
import { MessageEditService } from './message-edit.service';
import { MessageEditsRepository } from './message-edits.repository';
import { MessageSearchRepository } from './message-search.repository';
import { MessageSendService } from './message-send.service';
import { MessageSyncRepository } from './message-sync.repository';
import { MessageSyncService } from './message-sync.service';
import { MessageViewsService } from './message-views.service';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { ReceiptsRepository } from './receipts.repository';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [AccessModule, BlobsModule, EventsModule],
  controllers: [MessagesHandler],
  providers: [
    // reading
    MessagesRepository,
    MessagesService,
    MessageViewsService,
    // sending (group commit)
    MessageSendRepository,
    MessageSendQueue,
    MessageSendService,
    // editing, reactions, deletes
    MessageEditsRepository,
    MessageEditService,
    // receipts
    ReceiptsRepository,
    ReceiptsService,
    DeliveredPositions,
    // sync
    MessageSyncRepository,
    MessageSyncService,
    // query and search
    MessageSearchRepository,
    MessageQueryService,
    MessagesJmap,
  ],
  exports: [MessagesService, MessageSearchRepository, DeliveredPositions],
})
export class MessagesModule {}
