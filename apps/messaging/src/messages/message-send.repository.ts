import { Injectable } from '@nestjs/common';
import { type Message, Prisma, PrismaService } from '@jchat/db';
import type { NewMessageRow, NotStored, SendAssumption } from './messages.repository';

/** One message to store, with what the sender's (possibly cached) permission assumed. */
export interface PendingSend {
  conversationId: string;
  row: NewMessageRow;
  /** null for system messages, which need no membership. */
  assumed: SendAssumption | null;
}

export type SendResult =
  | { kind: 'stored'; message: Message }
  /** An earlier message with the same clientKey (stored before, or earlier in the same batch). */
  | { kind: 'duplicate'; message: Message }
  | { kind: 'refused'; reason: NotStored };

interface LockedConversation {
  id: string;
  is_archived: boolean;
  conversation_type: string;
  last_message_seq: bigint;
  last_sent_at: Date;
  now: Date;
}

interface SenderRow {
  conversation_id: string;
  user_id: string;
  role: string | null;
  is_active: boolean;
}

/** Where each accepted message goes: its seq and times, decided under the conversation's lock. */
interface Placed {
  index: number;
  seq: bigint;
  sentAt: Date;
  receivedAt: Date;
}

/**
 * Stores sends in batches: one transaction for many messages (of any conversations), with a
 * fixed number of statements whatever the batch holds. It locks the conversations (in id order,
 * the order every writer of `conversations` uses), then reads, in a new statement whose snapshot
 * sees every send committed before the locks were granted, each conversation's counters and each
 * sender's membership and earlier clientKeys; each message gets the next seq, a sentAt clamped
 * between the previous message's and now (so it never contradicts the server's order), and the
 * checks a single send has: the sender an active member, the conversation not archived, and the
 * role and type the cached permission was computed from unchanged. Counters and the senders' read
 * positions move once per conversation and sender.
 */
@Injectable()
export class MessageSendRepository {
  constructor(private readonly prisma: PrismaService) {}

  insertBatch(sends: readonly PendingSend[]): Promise<SendResult[]> {
    if (sends.length === 0) return Promise.resolve([]);
    return this.prisma.$transaction(async (tx) => {
      const conversationIds = [...new Set(sends.map((s) => s.conversationId))].sort();
      await tx.$queryRaw`
        SELECT id FROM conversations WHERE id = ANY(${conversationIds}::uuid[]) ORDER BY id FOR UPDATE`;
      const conversations = await this.lockedConversations(tx, conversationIds);
      const senders = await this.senders(tx, sends);
      const earlier = await this.earlierByClientKey(tx, sends);

      const results: (SendResult | null)[] = sends.map(() => null);
      const placed: Placed[] = [];
      const batchKeys = new Map<string, number>();
      for (const [index, send] of sends.entries()) {
        const conversation = conversations.get(send.conversationId);
        if (!conversation) {
          results[index] = { kind: 'refused', reason: 'no-conversation' };
          continue;
        }
        const refusal = send.row.isSystemMessage
          ? null
          : refusalOf(
              conversation,
              senders.get(`${send.conversationId}/${send.row.senderId}`),
              send,
            );
        if (refusal) {
          results[index] = { kind: 'refused', reason: refusal };
          continue;
        }
        const key =
          send.row.clientKey === null ? null : `${send.conversationId}/${send.row.clientKey}`;
        if (key !== null) {
          const stored = earlier.get(key);
          if (stored) {
            results[index] = { kind: 'duplicate', message: stored };
            continue;
          }
          if (batchKeys.has(key)) continue; // resolved below, once the first one is stored
          batchKeys.set(key, index);
        }
        conversation.last_message_seq += 1n;
        const proposed = send.row.proposedSentAt ?? conversation.now;
        const sentAt = new Date(
          Math.max(
            conversation.last_sent_at.getTime(),
            Math.min(proposed.getTime(), conversation.now.getTime()),
          ),
        );
        conversation.last_sent_at = sentAt;
        placed.push({
          index,
          seq: conversation.last_message_seq,
          sentAt,
          receivedAt: conversation.now,
        });
      }
      if (placed.length === 0) return results as SendResult[];

      const inserted = await tx.message.createManyAndReturn({
        data: placed.map(({ index, seq, sentAt, receivedAt }) => {
          const { conversationId, row } = sends[index] as PendingSend;
          return {
            id: row.id,
            conversationId,
            senderId: row.senderId,
            body: row.body,
            bodyType: row.bodyType,
            sentAt,
            receivedAt,
            replyToMessageId: row.replyToMessageId,
            attachments: row.attachments,
            metadata: row.metadata,
            seq,
            clientMessageId: row.clientKey,
            isSystemMessage: row.isSystemMessage,
          };
        }),
      });
      const byId = new Map(inserted.map((message) => [message.id, message]));
      for (const { index } of placed) {
        const message = byId.get((sends[index] as PendingSend).row.id);
        if (!message) throw new Error('a batched insert did not return every message');
        results[index] = { kind: 'stored', message };
      }
      for (const [index, send] of sends.entries()) {
        if (results[index] !== null) continue;
        const first = batchKeys.get(`${send.conversationId}/${send.row.clientKey}`);
        const stored = first === undefined ? undefined : results[first];
        if (stored?.kind !== 'stored') throw new Error('a batched duplicate lost its original');
        results[index] = { kind: 'duplicate', message: stored.message };
      }

      const stored = placed.map(({ index }) => {
        const result = results[index];
        if (result?.kind !== 'stored') throw new Error('unreachable: placed but not stored');
        return result.message;
      });
      await this.moveCounters(tx, stored);
      await this.moveSenderReadPositions(tx, stored);
      return results as SendResult[];
    });
  }

  private async lockedConversations(
    tx: Prisma.TransactionClient,
    ids: readonly string[],
  ): Promise<Map<string, LockedConversation>> {
    const rows = await tx.$queryRaw<LockedConversation[]>`
      SELECT c.id::text AS id, c.is_archived, c.conversation_type::text AS conversation_type,
             c.last_message_seq,
             GREATEST(
               COALESCE((SELECT m.sent_at FROM messages m WHERE m.conversation_id = c.id
                          ORDER BY m.seq DESC LIMIT 1), 'epoch'::timestamptz),
               COALESCE(c.last_message_at, 'epoch'::timestamptz)) AS last_sent_at,
             now() AS now
        FROM conversations c
       WHERE c.id = ANY(${ids}::uuid[]) AND c.deleted_at IS NULL`;
    return new Map(rows.map((row) => [row.id, row]));
  }

  private async senders(
    tx: Prisma.TransactionClient,
    sends: readonly PendingSend[],
  ): Promise<Map<string, SenderRow>> {
    const pairs = uniquePairs(sends.map((s) => [s.conversationId, s.row.senderId]));
    const rows = await tx.$queryRaw<SenderRow[]>`
      SELECT p.conversation_id::text AS conversation_id, p.user_id::text AS user_id,
             p.role::text AS role, p.is_active
        FROM participants p
        JOIN unnest(${pairs.map((p) => p[0])}::uuid[], ${pairs.map((p) => p[1])}::uuid[]) AS w(conversation_id, user_id)
          ON p.conversation_id = w.conversation_id AND p.user_id = w.user_id`;
    return new Map(rows.map((row) => [`${row.conversation_id}/${row.user_id}`, row]));
  }

  private async earlierByClientKey(
    tx: Prisma.TransactionClient,
    sends: readonly PendingSend[],
  ): Promise<Map<string, Message>> {
    const keyed = sends.filter((s) => s.row.clientKey !== null);
    if (keyed.length === 0) return new Map();
    const rows = await tx.message.findMany({
      where: {
        OR: uniquePairs(keyed.map((s) => [s.conversationId, s.row.clientKey as string])).map(
          ([conversationId, clientMessageId]) => ({ conversationId, clientMessageId }),
        ),
      },
    });
    return new Map(rows.map((m) => [`${m.conversationId}/${m.clientMessageId}`, m]));
  }

  /** lastMessage*, the seq counter and messageCount of each conversation, once per batch. */
  private async moveCounters(
    tx: Prisma.TransactionClient,
    stored: readonly Message[],
  ): Promise<void> {
    const latest = new Map<string, { message: Message; count: number }>();
    for (const message of stored) {
      const seen = latest.get(message.conversationId);
      latest.set(message.conversationId, {
        message: seen && seen.message.seq > message.seq ? seen.message : message,
        count: (seen?.count ?? 0) + 1,
      });
    }
    const rows = [...latest.values()];
    await tx.$executeRaw`
      UPDATE conversations c
         SET last_message_seq = v.seq, last_message_id = v.id, last_message_at = v.sent_at,
             message_count = c.message_count + v.n
        FROM unnest(${rows.map((r) => r.message.conversationId)}::uuid[], ${rows.map((r) => r.message.seq)}::bigint[],
                    ${rows.map((r) => r.message.id)}::uuid[], ${rows.map((r) => r.message.sentAt.toISOString())}::timestamptz[],
                    ${rows.map((r) => r.count)}::int[]) AS v(conversation_id, seq, id, sent_at, n)
       WHERE c.id = v.conversation_id`;
  }

  /** The sender has read what they wrote (the trigger on participants derives the seqs). */
  private async moveSenderReadPositions(
    tx: Prisma.TransactionClient,
    stored: readonly Message[],
  ): Promise<void> {
    const latest = new Map<string, Message>();
    for (const message of stored) {
      const key = `${message.conversationId}/${message.senderId}`;
      const seen = latest.get(key);
      if (!seen || seen.seq < message.seq) latest.set(key, message);
    }
    const rows = [...latest.values()].sort(
      (a, b) =>
        a.conversationId.localeCompare(b.conversationId) || a.senderId.localeCompare(b.senderId),
    );
    await tx.$executeRaw`
      UPDATE participants p
         SET last_read_message_id = v.id, last_read_at = v.at, last_active_at = v.at
        FROM unnest(${rows.map((m) => m.conversationId)}::uuid[], ${rows.map((m) => m.senderId)}::uuid[],
                    ${rows.map((m) => m.id)}::uuid[], ${rows.map((m) => m.seq)}::bigint[],
                    ${rows.map((m) => m.receivedAt.toISOString())}::timestamptz[]) AS v(conversation_id, user_id, id, seq, at)
       WHERE p.conversation_id = v.conversation_id AND p.user_id = v.user_id
         AND p.is_active AND p.last_read_seq < v.seq`;
  }
}

function refusalOf(
  conversation: LockedConversation,
  sender: SenderRow | undefined,
  send: PendingSend,
): NotStored | null {
  if (sender?.is_active !== true) return 'not-a-member';
  if (conversation.is_archived) return 'archived';
  const assumed = send.assumed;
  if (
    assumed !== null &&
    (assumed.role !== sender.role || assumed.conversationType !== conversation.conversation_type)
  ) {
    return 'access-moved';
  }
  return null;
}

function uniquePairs(pairs: readonly (readonly [string, string])[]): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const [a, b] of pairs) seen.set(`${a}/${b}`, [a, b]);
  return [...seen.values()];
}
