import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { JmapMethodError, type SyncCursor } from '@jchat/jmap';
import type { MessageScope } from './message-search.repository';
import { type ChangedMessages, MessageSyncRepository } from './message-sync.repository';
import { ReceiptsRepository } from './receipts.repository';

/** Message/changes and /queryChanges: the rows past a cursor, or cannotCalculateChanges. */
@Injectable()
export class MessageSyncService {
  constructor(
    private readonly sync: MessageSyncRepository,
    private readonly receipts: ReceiptsRepository,
  ) {}

  /**
   * Messages changed for the user past the cursor (see MessageSyncRepository.changedSince), or
   * cannotCalculateChanges when a join or leave since then changed which messages they see.
   */
  async changedSince(userId: string, cursor: SyncCursor, limit: number): Promise<ChangedMessages> {
    await this.checkCursor(userId, cursor);
    if (cursor.modseq < (await this.receipts.receiptsPrunedBelow())) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'this state is older than the receipts kept: fetch the messages again',
      );
    }
    return this.sync.changedSince({ userId, extraConversationIds: [] }, cursor, limit, {
      receipts: true,
    });
  }

  /** Messages of a query's scope whose stored row changed past the cursor (for /queryChanges). */
  async changedInScope(
    scope: MessageScope,
    cursor: SyncCursor,
    limit: number,
  ): Promise<ChangedMessages> {
    await this.checkCursor(scope.userId, cursor);
    return this.sync.changedSince(scope, cursor, limit, { receipts: false });
  }

  private async checkCursor(userId: string, cursor: SyncCursor): Promise<void> {
    if (cursor.afterId !== null && !isUuid(cursor.afterId)) {
      throw new JmapMethodError('cannotCalculateChanges', 'not a state of this server');
    }
    if (await this.sync.membershipMovedSince(userId, cursor.modseq)) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'you joined or left a conversation since this state: fetch its messages with Message/query',
      );
    }
  }
}
