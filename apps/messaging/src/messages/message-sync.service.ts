import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { JmapMethodError, type SyncCursor } from '@jchat/jmap';
import type { MessageScope } from './message-search.repository';
import { type ChangedMessages, MessageSyncRepository } from './message-sync.repository';

/** Message/changes and /queryChanges: the rows past a cursor, or cannotCalculateChanges. */
@Injectable()
export class MessageSyncService {
  constructor(private readonly sync: MessageSyncRepository) {}

  /**
   * Messages changed for the user past the cursor (see MessageSyncRepository.changedSince), or
   * cannotCalculateChanges when a join or leave since then changed which messages they see, or
   * the receipt changes since then were pruned.
   */
  async changedSince(userId: string, cursor: SyncCursor, limit: number): Promise<ChangedMessages> {
    checkCursorId(cursor);
    const changed = await this.sync.changedSince(
      { userId, extraConversationIds: [] },
      cursor,
      limit,
      { receipts: true },
    );
    checkMembership(changed);
    if (cursor.modseq < changed.receiptsPrunedBelow) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'this state is older than the receipts kept: fetch the messages again',
      );
    }
    return changed;
  }

  /** Messages of a query's scope whose stored row changed past the cursor (for /queryChanges). */
  async changedInScope(
    scope: MessageScope,
    cursor: SyncCursor,
    limit: number,
  ): Promise<ChangedMessages> {
    checkCursorId(cursor);
    const changed = await this.sync.changedSince(scope, cursor, limit, { receipts: false });
    checkMembership(changed);
    return changed;
  }
}

function checkCursorId(cursor: SyncCursor): void {
  if (cursor.afterId !== null && !isUuid(cursor.afterId)) {
    throw new JmapMethodError('cannotCalculateChanges', 'not a state of this server');
  }
}

function checkMembership(changed: ChangedMessages): void {
  if (changed.membershipMoved) {
    throw new JmapMethodError(
      'cannotCalculateChanges',
      'you joined or left a conversation since this state: fetch its messages with Message/query',
    );
  }
}
