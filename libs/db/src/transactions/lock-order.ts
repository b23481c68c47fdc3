import type { Prisma } from '../generated/client';

/**
 * The first lock of every transaction that writes a conversation's rows (the conversation, its
 * messages, participants, receipt log): its `conversations` row, held until the transaction
 * ends. Writers of one conversation take turns on it, so the locks they take after it (messages,
 * then participants, then the receipt and change logs: docs/ENGINEERING.md "Locks") never form
 * a cycle. FOR NO KEY UPDATE, as the send path (jchat_send_messages) takes it: foreign-key checks
 * from other tables (KEY SHARE) do not wait for it. Null when there is no such conversation.
 */
export async function lockConversation(
  tx: Prisma.TransactionClient,
  conversationId: string,
): Promise<{ deletedAt: Date | null } | null> {
  const rows = await tx.$queryRaw<{ deleted_at: Date | null }[]>`
    SELECT deleted_at FROM conversations WHERE id = ${conversationId}::uuid FOR NO KEY UPDATE`;
  const [row] = rows;
  return row ? { deletedAt: row.deleted_at } : null;
}
