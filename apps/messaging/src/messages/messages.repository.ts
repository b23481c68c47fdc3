import type { SyncHorizon } from '@jchat/jmap';
import { Injectable } from '@nestjs/common';
import { type Message, type MessageVersion, Prisma, PrismaService } from '@jchat/db';
import { messageOf, type StoredMessageJson } from './stored-message';

/** Where a message sits: conversation, seq and sender. */
export type MessagePosition = Pick<Message, 'id' | 'conversationId' | 'seq' | 'senderId'>;

/**
 * Reads of `messages` and `message_versions` by id. The writes are in MessageSendRepository
 * (sends), MessageEditsRepository (edits, reactions, deletes); receipts, sync and search each
 * have their own repository.
 */
@Injectable()
export class MessagesRepository {
  constructor(private readonly prisma: PrismaService) {}

  syncHorizon(): Promise<SyncHorizon> {
    return this.prisma.syncHorizon();
  }

  recentSyncHorizon(maxAgeMs: number): SyncHorizon | undefined {
    return this.prisma.recentSyncHorizon(maxAgeMs);
  }

  /**
   * Messages by id that the user could possibly see: in a conversation they are an active
   * member of, or in a public one (rbac has the last word). Straight on the pool (hotQuery): every
   * client that fetches new messages after a StateChange runs it. Each id is looked up by the
   * primary key (OFFSET 0 keeps the lookup a subquery of its own): joined as a whole, a plan made
   * while the statistics saw few messages went through the conversation and read its history.
   */
  async findForUser(userId: string, ids: string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.hotQuery<{ message: StoredMessageJson }>(Prisma.sql`
      SELECT to_jsonb(m) - 'search' AS message
        FROM (SELECT DISTINCT unnest(${ids}::uuid[]) AS id) wanted
        CROSS JOIN LATERAL (SELECT * FROM messages mm WHERE mm.id = wanted.id OFFSET 0) m
        JOIN conversations c ON c.id = m.conversation_id
       WHERE c.deleted_at IS NULL
         AND (c.privacy_level = 'public'
              OR EXISTS (SELECT 1 FROM participants p
                          WHERE p.conversation_id = c.id AND p.user_id = ${userId}::uuid
                            AND p.is_active))`);
    return rows.map((row) => messageOf(row.message));
  }

  findInConversation(conversationId: string, id: string): Promise<Message | null> {
    return this.prisma.message.findFirst({ where: { id, conversationId } });
  }

  /** Where messages sit: conversation, seq and sender, by id. */
  async positionsOf(ids: readonly string[]): Promise<MessagePosition[]> {
    if (ids.length === 0) return [];
    return this.prisma.message.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, conversationId: true, seq: true, senderId: true },
    });
  }

  findByClientKey(conversationId: string, clientKey: string): Promise<Message | null> {
    return this.prisma.message.findUnique({
      where: { conversationId_clientMessageId: { conversationId, clientMessageId: clientKey } },
    });
  }

  versionsOf(messageIds: string[]): Promise<MessageVersion[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.prisma.messageVersion.findMany({
      where: { messageId: { in: messageIds } },
      orderBy: [{ messageId: 'asc' }, { version: 'asc' }],
    });
  }
}

/** A unique constraint refused the write (P2002 from the query builder, SQLSTATE 23505 from raw SQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return error.code === 'P2002' || (error.code === 'P2010' && error.meta?.['code'] === '23505');
}
