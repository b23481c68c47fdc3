import { Module } from '@nestjs/common';
import { AccessInvalidationConsumer } from './access-invalidation.consumer';
import { ConversationAccessService } from './conversation-access.service';

@Module({
  providers: [ConversationAccessService, AccessInvalidationConsumer],
  exports: [ConversationAccessService],
})
export class AccessModule {}
