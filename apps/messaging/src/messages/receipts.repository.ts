import { Injectable } from '@nestjs/common';
import { lockConversation, type Message, Prisma, PrismaService } from '@jchat/db';
import { READ_BY_CAP, type ReceiptSummary } from './receipts';

/** A delivered position gathered in Redis, to write to PostgreSQL. */
export interface DeliveredPosition {
  userId: string;
  seq: bigint;
}

/** Messages behind a moved position that /changes reports (the latest ones): bounds each row's cost. */
export const RECEIPT_CHANGE_SPAN = 1000;

/**
 * Read and delivered positions and the receipt log: the receipt summaries aggregated over the
 * positions, the moves of read positions (Message/set markRead), the delivered flush and the log's
 * pruning (`message_receipt_changes`, `message_receipt_horizon`).
 */
@Injectable()
export class ReceiptsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The latest receipt change of each conversation (read moves and delivered batches both log
   * one): a receipt summary computed at the same version is still right. One index probe each.
   */
  async receiptVersions(conversationIds: readonly string[]): Promise<Map<string, bigint>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<{ conversation_id: string; version: bigint | null }[]>`
      SELECT c.id::text AS conversation_id,
             (SELECT max(r.modseq) FROM message_receipt_changes r WHERE r.conversation_id = c.id) AS version
        FROM unnest(${[...new Set(conversationIds)]}::uuid[]) AS c(id)`;
    return new Map(rows.map((row) => [row.conversation_id, row.version ?? 0n]));
  }

  /**
   * Each message's receipts, aggregated in SQL over its audience (active participants other than
   * the sender who had joined when it arrived): counts for deliveryStatus, and the first
   * READ_BY_CAP readers by id. No participant row is loaded into the service.
   */
  async receiptSummaries(
    messages: readonly Pick<Message, 'id' | 'conversationId' | 'seq' | 'senderId' | 'receivedAt'>[],
  ): Promise<Map<string, ReceiptSummary>> {
    if (messages.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<
      { id: string; audience: bigint; read: bigint; delivered: bigint; read_by: string[] | null }[]
    >`
      SELECT t.id, s.audience, s.read, s.delivered, r.read_by
        FROM unnest(${messages.map((m) => m.id)}::uuid[], ${messages.map((m) => m.conversationId)}::uuid[],
                    ${messages.map((m) => m.seq)}::bigint[], ${messages.map((m) => m.senderId)}::uuid[],
                    ${messages.map((m) => m.receivedAt.toISOString())}::timestamptz[])
             AS t(id, conversation_id, seq, sender_id, received_at)
        CROSS JOIN LATERAL (
          SELECT count(*) AS audience,
                 count(*) FILTER (WHERE p.last_read_seq >= t.seq) AS read,
                 count(*) FILTER (WHERE GREATEST(p.last_delivered_seq, p.last_read_seq) >= t.seq) AS delivered
            FROM participants p
           WHERE p.conversation_id = t.conversation_id AND p.is_active
             AND p.user_id <> t.sender_id AND p.joined_at <= t.received_at) s
        CROSS JOIN LATERAL (
          SELECT array_agg(x.user_id::text ORDER BY x.user_id) AS read_by FROM (
            SELECT p.user_id FROM participants p
             WHERE p.conversation_id = t.conversation_id AND p.is_active
               AND p.user_id <> t.sender_id AND p.joined_at <= t.received_at AND p.last_read_seq >= t.seq
             ORDER BY p.user_id LIMIT ${READ_BY_CAP}) x) r`;
    return new Map(
      rows.map((row) => [
        row.id,
        {
          audience: Number(row.audience),
          read: Number(row.read),
          delivered: Number(row.delivered),
          readBy: row.read_by ?? [],
        },
      ]),
    );
  }

  /**
   * Sets a member's read position (the trigger derives the seq and logs the receipt change),
   * holding the conversation's row first, as every writer of participants does. False when they
   * are not an active member or it was already there.
   */
  async setReadPosition(
    conversationId: string,
    userId: string,
    messageId: string,
  ): Promise<boolean> {
    return this.prisma.transaction(async (tx) => {
      if (!(await lockConversation(tx, conversationId))) return false;
      const count = await tx.$executeRaw`
        UPDATE participants SET last_read_message_id = ${messageId}::uuid, last_read_at = now()
         WHERE conversation_id = ${conversationId}::uuid AND user_id = ${userId}::uuid AND is_active
           AND last_read_message_id IS DISTINCT FROM ${messageId}::uuid`;
      return count > 0;
    });
  }

  /**
   * Writes delivered positions gathered for one conversation, in one round trip (the SQL function
   * jchat_flush_delivered, see its migration: the conversation, then the participants, then the
   * receipt log): moves forward those of active members that are behind, logs one receipt change
   * spanning every move, and returns the senders of the messages passed (at most the last
   * RECEIPT_CHANGE_SPAN), whose deliveryStatus may have changed; null when nothing moved.
   */
  async flushDelivered(
    conversationId: string,
    positions: readonly DeliveredPosition[],
  ): Promise<string[] | null> {
    if (positions.length === 0) return null;
    // Every second for each conversation with new receipts: off Prisma's query engine.
    const senders = await this.prisma.retrying(() =>
      this.prisma.hotQuery<{ sender: string }>(Prisma.sql`
        SELECT sender::text AS sender FROM jchat_flush_delivered(
          ${conversationId}::uuid, ${positions.map((p) => p.userId)}::uuid[],
          ${positions.map((p) => p.seq.toString())}::bigint[], ${RECEIPT_CHANGE_SPAN}::int)`),
    );
    return senders.length === 0 ? null : senders.map((row) => row.sender);
  }

  /** Deletes receipt changes logged before `cutoff` (in batches) and moves the pruned horizon. */
  async pruneReceiptChanges(cutoff: Date, batch = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.prisma.$queryRaw<{ n: bigint }[]>`
        WITH gone AS (
          DELETE FROM message_receipt_changes
           WHERE id IN (SELECT id FROM message_receipt_changes
                         WHERE created_at < ${cutoff.toISOString()}::timestamptz
                         ORDER BY created_at LIMIT ${batch})
          RETURNING modseq
        ), moved AS (
          UPDATE message_receipt_horizon
             SET pruned_below = GREATEST(pruned_below, (SELECT max(modseq) + 1 FROM gone))
           WHERE id = 1 AND EXISTS (SELECT 1 FROM gone)
        )
        SELECT count(*) AS n FROM gone`;
      const n = Number(rows[0]?.n ?? 0n);
      total += n;
      if (n < batch) return total;
    }
  }
}
