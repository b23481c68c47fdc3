import type { SyncHorizon } from '@jchat/jmap';
import { Injectable } from '@nestjs/common';
import { type Message, type MessageVersion, Prisma, PrismaService } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ReadPosition } from './receipts';

/** The stored columns a send writes. */
export interface NewMessageRow {
  id: string;
  senderId: string;
  body: string;
  bodyType: string;
  proposedSentAt: Date | null;
  replyToMessageId: string | null;
  attachments: Prisma.InputJsonValue;
  metadata: Prisma.InputJsonValue;
  /** Unique per conversation: "<senderId>:<clientMessageId>" or "system:<idempotencyKey>". */
  clientKey: string | null;
  isSystemMessage: boolean;
}

/** Why a message was not stored. */
export type NotStored = 'no-conversation' | 'not-a-member';

export interface ChangedMessageRow {
  id: string;
  modseq: bigint;
  createdModseq: bigint;
  /** modseq of the caller's join of the message's conversation. */
  joinedModseq: bigint;
}

/** Which messages a query covers: the caller's conversations plus readable public ones it names. */
export interface MessageScope {
  userId: string;
  extraConversationIds: string[];
}

export interface SortKey {
  id: string;
  sentAt: Date;
  seq: bigint;
}

export type SortDirection = 'ASC' | 'DESC';

/** Thrown inside a transaction to leave it without writing. */
export class NothingToWrite extends Error {}

/** The only place that reads or writes `messages` and `message_versions`. */
@Injectable()
export class MessagesRepository {
  constructor(private readonly prisma: PrismaService) {}

  syncHorizon(): Promise<SyncHorizon> {
    return this.prisma.syncHorizon();
  }

  /**
   * Messages by id that the user could possibly see: in a conversation they are an active
   * member of, or in a public one (rbac has the last word).
   */
  findForUser(userId: string, ids: string[]): Promise<Message[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.prisma.message.findMany({
      where: {
        id: { in: ids },
        conversation: {
          deletedAt: null,
          OR: [{ privacyLevel: 'public' }, { participants: { some: { userId, isActive: true } } }],
        },
      },
    });
  }

  findInConversation(conversationId: string, id: string): Promise<Message | null> {
    return this.prisma.message.findFirst({ where: { id, conversationId } });
  }

  findByClientKey(conversationId: string, clientKey: string): Promise<Message | null> {
    return this.prisma.message.findUnique({
      where: { conversationId_clientMessageId: { conversationId, clientMessageId: clientKey } },
    });
  }

  /**
   * Stores a message: takes the conversation's next seq (the row lock orders concurrent sends),
   * moves its counters, inserts, and moves the sender's read position to it, in one transaction.
   * sentAt is the client's proposal clamped between the previous message's and now, so it never
   * contradicts the server's order. A user's message needs its sender to be an active member at
   * that moment (whatever a cached permission said). A duplicate clientKey raises Prisma's P2002
   * (see isUniqueViolation).
   */
  async insert(conversationId: string, row: NewMessageRow): Promise<Message | NotStored> {
    return this.prisma.$transaction(async (tx) => {
      if (!row.isSystemMessage) {
        const member = await tx.$queryRaw<{ one: number }[]>`
          SELECT 1 AS one FROM participants
           WHERE conversation_id = ${conversationId}::uuid AND user_id = ${row.senderId}::uuid AND is_active`;
        if (member.length === 0) return 'not-a-member';
      }
      const counters = await tx.$queryRaw<{ seq: bigint; sent_at: Date; received_at: Date }[]>`
        UPDATE conversations
           SET last_message_seq = last_message_seq + 1,
               last_message_id = ${row.id}::uuid,
               last_message_at = GREATEST(COALESCE(last_message_at, '-infinity'::timestamptz),
                                          LEAST(${row.proposedSentAt?.toISOString() ?? null}::timestamptz, now())),
               message_count = message_count + 1
         WHERE id = ${conversationId}::uuid AND deleted_at IS NULL
        RETURNING last_message_seq AS seq, last_message_at AS sent_at, now() AS received_at`;
      const counter = counters[0];
      if (!counter) return 'no-conversation';
      const message = await tx.message.create({
        data: {
          id: row.id,
          conversationId,
          senderId: row.senderId,
          body: row.body,
          bodyType: row.bodyType,
          sentAt: counter.sent_at,
          receivedAt: counter.received_at,
          replyToMessageId: row.replyToMessageId,
          attachments: row.attachments,
          metadata: row.metadata,
          seq: counter.seq,
          clientMessageId: row.clientKey,
          isSystemMessage: row.isSystemMessage,
        },
      });
      // The sender has read what they wrote (the trigger on participants derives the seqs).
      await tx.$executeRaw`
        UPDATE participants
           SET last_read_message_id = ${row.id}::uuid, last_read_at = ${counter.received_at}::timestamptz,
               last_active_at = ${counter.received_at}::timestamptz
         WHERE conversation_id = ${conversationId}::uuid AND user_id = ${row.senderId}::uuid
           AND is_active AND last_read_seq < ${counter.seq}`;
      return message;
    });
  }

  /**
   * Runs `change` on the message locked for update, in one transaction with the conversation
   * touched (so its state moves too). `change` returns the columns to write, or throws
   * (SetErrorException, NothingToWrite) to write nothing. Null when the message is not there.
   */
  async update(
    conversationId: string,
    id: string,
    change: (current: Message, tx: Prisma.TransactionClient) => Promise<Prisma.MessageUpdateInput>,
    options: { touchConversation: boolean },
  ): Promise<Message | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM messages WHERE id = ${id}::uuid AND conversation_id = ${conversationId}::uuid FOR UPDATE`;
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

  versionsOf(messageIds: string[]): Promise<MessageVersion[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.prisma.messageVersion.findMany({
      where: { messageId: { in: messageIds } },
      orderBy: [{ messageId: 'asc' }, { version: 'asc' }],
    });
  }

  /** Read positions of the active participants of each conversation. */
  async readPositions(conversationIds: string[]): Promise<Map<string, ReadPosition[]>> {
    const rows = conversationIds.length
      ? await this.prisma.participant.findMany({
          where: { conversationId: { in: conversationIds }, isActive: true },
          select: {
            conversationId: true,
            userId: true,
            lastReadSeq: true,
            lastDeliveredSeq: true,
            joinedAt: true,
          },
        })
      : [];
    const byConversation = new Map<string, ReadPosition[]>(conversationIds.map((id) => [id, []]));
    for (const row of rows) byConversation.get(row.conversationId)?.push(row);
    return byConversation;
  }

  /**
   * Sets a member's read position (the trigger derives the seq and logs the receipt change).
   * False when they are not an active member or it was already there.
   */
  async setReadPosition(
    conversationId: string,
    userId: string,
    messageId: string,
  ): Promise<boolean> {
    const count = await this.prisma.$executeRaw`
      UPDATE participants SET last_read_message_id = ${messageId}::uuid, last_read_at = now()
       WHERE conversation_id = ${conversationId}::uuid AND user_id = ${userId}::uuid AND is_active
         AND last_read_message_id IS DISTINCT FROM ${messageId}::uuid`;
    return count > 0;
  }

  /**
   * Moves a member's delivered position forward to `seq`. Returns the senders (other than the
   * member) of the messages it passed, whose deliveryStatus may have changed (at most the last
   * 1000 messages are looked at); null if the position was there already.
   */
  async advanceDelivered(
    conversationId: string,
    userId: string,
    seq: bigint,
  ): Promise<string[] | null> {
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.$queryRaw<{ id: string; seq: bigint }[]>`
        SELECT id, last_delivered_seq AS seq FROM participants
         WHERE conversation_id = ${conversationId}::uuid AND user_id = ${userId}::uuid AND is_active
           AND last_delivered_seq < ${seq}
         FOR UPDATE`;
      const row = before[0];
      if (!row) return null;
      await tx.$executeRaw`UPDATE participants SET last_delivered_seq = ${seq} WHERE id = ${row.id}::uuid`;
      const senders = await tx.$queryRaw<{ sender_id: string }[]>`
        SELECT DISTINCT passed.sender_id FROM (
          SELECT sender_id FROM messages
           WHERE conversation_id = ${conversationId}::uuid AND seq > ${row.seq} AND seq <= ${seq}
           ORDER BY seq DESC LIMIT 1000) AS passed
         WHERE passed.sender_id <> ${userId}::uuid`;
      return senders.map((sender) => sender.sender_id);
    });
  }

  /**
   * Whether the user joined or left a conversation since `since` in a way /changes cannot express
   * row by row: a join of a conversation with messages older than the state (they would appear
   * without having changed), or a leave of one with messages (they would silently disappear).
   */
  async membershipMovedSince(userId: string, since: bigint): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM participants p
       WHERE p.user_id = ${userId}::uuid AND p.membership_modseq >= ${since}
         AND EXISTS (SELECT 1 FROM messages m
                      WHERE m.conversation_id = p.conversation_id AND (NOT p.is_active OR m.modseq < ${since}))
       LIMIT 1`;
    return rows.length > 0;
  }

  /**
   * Messages of the user's conversations (and `extraConversationIds`) changed past the cursor,
   * ordered by (modseq, id), at most `limit`. With receipts, also the messages whose readBy
   * moved (anyone's read position crossed them) or, for the user's own messages, whose
   * deliveryStatus moved, each reported at the modseq of that move. Every part is an index range
   * scan on (conversation_id, modseq): the cost follows the changes, not the history.
   */
  async changedSince(
    scope: MessageScope,
    cursor: SyncCursor,
    limit: number,
    options: { receipts: boolean },
  ): Promise<ChangedMessageRow[]> {
    const since = cursor.modseq;
    const past = (alias: string) =>
      cursor.afterId === null
        ? Prisma.sql`${Prisma.raw(alias)}.modseq >= ${since}`
        : Prisma.sql`(${Prisma.raw(alias)}.modseq, ${Prisma.raw(alias)}.id) > (${since}, ${cursor.afterId}::uuid)`;
    const receipts = options.receipts
      ? Prisma.sql`
          UNION ALL
          SELECT m.id, r.modseq, m.created_modseq, mine.joined_modseq
            FROM mine
            JOIN message_receipt_changes r ON r.conversation_id = mine.conversation_id AND r.modseq >= ${since}
            JOIN messages m ON m.conversation_id = r.conversation_id AND m.seq > r.from_seq AND m.seq <= r.to_seq
           WHERE r.kind = 'read' OR m.sender_id = ${scope.userId}::uuid`
      : Prisma.empty;
    const rows = await this.prisma.$queryRaw<
      { id: string; modseq: bigint; created_modseq: bigint; joined_modseq: bigint }[]
    >`
      WITH mine AS (
        SELECT conversation_id, membership_modseq AS joined_modseq FROM participants
         WHERE user_id = ${scope.userId}::uuid AND is_active
        UNION
        SELECT unnest(${scope.extraConversationIds}::uuid[]), 0::bigint
      ), candidates AS (
        SELECT m.id, m.modseq, m.created_modseq, mine.joined_modseq
          FROM mine CROSS JOIN LATERAL (
            SELECT id, modseq, created_modseq FROM messages m
             WHERE m.conversation_id = mine.conversation_id AND ${past('m')}
             ORDER BY m.modseq, m.id LIMIT ${limit}) m
        ${receipts}
      )
      SELECT c.id, max(c.modseq) AS modseq, min(c.created_modseq) AS created_modseq, max(c.joined_modseq) AS joined_modseq
        FROM candidates c
       GROUP BY c.id
      HAVING ${cursor.afterId === null ? Prisma.sql`TRUE` : Prisma.sql`(max(c.modseq), c.id) > (${since}, ${cursor.afterId}::uuid)`}
       ORDER BY 2, 1
       LIMIT ${limit}`;
    return rows.map((row) => ({
      id: row.id,
      modseq: row.modseq,
      createdModseq: row.created_modseq,
      joinedModseq: row.joined_modseq,
    }));
  }

  // ----- Message/query -----

  private scopeSql(scope: MessageScope): Prisma.Sql {
    return Prisma.sql`(m.conversation_id IN (SELECT p.conversation_id FROM participants p
                                              WHERE p.user_id = ${scope.userId}::uuid AND p.is_active)
                       OR m.conversation_id = ANY(${scope.extraConversationIds}::uuid[]))`;
  }

  async count(scope: MessageScope, where: Prisma.Sql): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM messages m WHERE ${this.scopeSql(scope)} AND ${where}`;
    return Number(rows[0]?.n ?? 0n);
  }

  /** Ids in (sentAt, seq, id) order, from `offset`, at most `limit`. */
  async sortedIds(
    scope: MessageScope,
    where: Prisma.Sql,
    direction: SortDirection,
    offset: number,
    limit: number,
  ): Promise<string[]> {
    if (limit === 0) return [];
    const dir = Prisma.raw(direction);
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT m.id FROM messages m
       WHERE ${this.scopeSql(scope)} AND ${where}
       ORDER BY m.sent_at ${dir}, m.seq ${dir}, m.id ${dir}
      OFFSET ${offset} LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  /** Sort keys of those of `ids` that are in the results. */
  async sortKeys(scope: MessageScope, where: Prisma.Sql, ids: string[]): Promise<SortKey[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.$queryRaw<{ id: string; sent_at: Date; seq: bigint }[]>`
      SELECT m.id, m.sent_at, m.seq FROM messages m
       WHERE m.id = ANY(${ids}::uuid[]) AND ${this.scopeSql(scope)} AND ${where}`;
    return rows.map((row) => ({ id: row.id, sentAt: row.sent_at, seq: row.seq }));
  }

  /** Those of `ids` for which `where` is not false (true or unknown). */
  async possiblyMatching(
    scope: MessageScope,
    where: Prisma.Sql,
    ids: string[],
  ): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT m.id FROM messages m
       WHERE m.id = ANY(${ids}::uuid[]) AND ${this.scopeSql(scope)} AND (${where}) IS NOT FALSE`;
    return new Set(rows.map((row) => row.id));
  }

  /** How many results come before `key` in the given order. */
  async countBefore(
    scope: MessageScope,
    where: Prisma.Sql,
    key: SortKey,
    direction: SortDirection,
  ): Promise<number> {
    const operator = Prisma.raw(direction === 'ASC' ? '<' : '>');
    const rows = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM messages m
       WHERE ${this.scopeSql(scope)} AND ${where}
         AND (m.sent_at, m.seq, m.id) ${operator} (${key.sentAt.toISOString()}::timestamptz, ${key.seq}, ${key.id}::uuid)`;
    return Number(rows[0]?.n ?? 0n);
  }

  /** The best `cap` matches of a full-text search, most relevant first (newest first on ties). */
  async rankedIds(
    scope: MessageScope,
    where: Prisma.Sql,
    text: string,
    cap: number,
  ): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT m.id FROM messages m
       WHERE ${this.scopeSql(scope)} AND ${where}
       ORDER BY ts_rank(m.search, websearch_to_tsquery('simple', ${text})) DESC, m.sent_at DESC, m.id DESC
       LIMIT ${cap}`;
    return rows.map((row) => row.id);
  }

  /** Highlighted fragments of each text for the search, marked with the given delimiters. */
  async headlines(
    texts: { id: string; text: string }[],
    query: string,
    marks: { start: string; stop: string },
  ): Promise<Map<string, string>> {
    if (texts.length === 0) return new Map();
    const options = `StartSel=${marks.start}, StopSel=${marks.stop}, MaxWords=35, MinWords=15`;
    const rows = await this.prisma.$queryRaw<{ id: string; headline: string }[]>`
      SELECT t.id, ts_headline('simple', t.text, websearch_to_tsquery('simple', ${query}), ${options}) AS headline
        FROM unnest(${texts.map((t) => t.id)}::text[], ${texts.map((t) => t.text)}::text[]) AS t(id, text)`;
    return new Map(rows.map((row) => [row.id, row.headline]));
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
