import { Injectable } from '@nestjs/common';
import { lockConversation, type Message, type Prisma, PrismaService } from '@jchat/db';

/** Thrown inside a transaction to leave it without writing. */
export class NothingToWrite extends Error {}

/** The writes of edits, reactions and deletes to `messages` and `message_versions`. */
@Injectable()
export class MessageEditsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Runs `change` on the message locked for update, in one transaction with the conversation
   * touched (so its state moves too). `change` returns the columns to write, or throws
   * (SetErrorException, NothingToWrite) to write nothing. Null when the message is not there.
   * Locks in the order of every writer: the conversation's row, then the message.
   */
  async update(
    conversationId: string,
    id: string,
    change: (current: Message, tx: Prisma.TransactionClient) => Promise<Prisma.MessageUpdateInput>,
    options: { touchConversation: boolean },
  ): Promise<Message | null> {
    try {
      return await this.prisma.transaction(async (tx) => {
        if (!(await lockConversation(tx, conversationId))) return null;
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM messages WHERE id = ${id}::uuid AND conversation_id = ${conversationId}::uuid
             FOR NO KEY UPDATE`;
        if (locked.length === 0) return null;
        const current = await tx.message.findUniqueOrThrow({ where: { id } });
        const data = await change(current, tx);
        const updated = await tx.message.update({ where: { id }, data });
        if (options.touchConversation) {
          await tx.$executeRaw`UPDATE conversations SET last_message_id = last_message_id WHERE id = ${conversationId}::uuid`;
        }
        return updated;
      });
    } catch (error: unknown) {
      if (error instanceof NothingToWrite) return this.prisma.message.findUnique({ where: { id } });
      throw error;
    }
  }

  /** Keeps the current body as the next version of the edit history (inside `update`). */
  async archiveVersion(tx: Prisma.TransactionClient, current: Message): Promise<void> {
    const last = await tx.messageVersion.aggregate({
      where: { messageId: current.id },
      _max: { version: true },
    });
    await tx.messageVersion.create({
      data: {
        messageId: current.id,
        version: (last._max.version ?? 0) + 1,
        body: current.body,
        bodyType: current.bodyType,
        createdAt: current.editedAt ?? current.sentAt,
      },
    });
  }

  /**
   * A soft delete, inside `update`: drops the edit history and moves the conversation's counters
   * (messageCount counts messages not deleted; lastMessage* follow the latest one not deleted).
   */
  async forgetForDelete(tx: Prisma.TransactionClient, current: Message): Promise<void> {
    await tx.messageVersion.deleteMany({ where: { messageId: current.id } });
    await tx.$executeRaw`
      UPDATE conversations c
         SET message_count = GREATEST(c.message_count - 1, 0),
             last_message_id = CASE WHEN c.last_message_id = ${current.id}::uuid THEN latest.id ELSE c.last_message_id END,
             last_message_at = CASE WHEN c.last_message_id = ${current.id}::uuid THEN latest.sent_at ELSE c.last_message_at END
        FROM (SELECT NULL::uuid AS none) AS anchor
        LEFT JOIN LATERAL (
          SELECT m.id, m.sent_at FROM messages m
           WHERE m.conversation_id = ${current.conversationId}::uuid AND NOT m.is_deleted AND m.id <> ${current.id}::uuid
           ORDER BY m.seq DESC LIMIT 1) AS latest ON TRUE
       WHERE c.id = ${current.conversationId}::uuid`;
  }
}
