import type { SyncHorizon } from '@jchat/jmap';
import { Injectable } from '@nestjs/common';
import {
  lockConversation,
  type Message,
  type MessageVersion,
  Prisma,
  PrismaService,
} from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import { READ_BY_CAP, type ReceiptSummary } from './receipts';

/** Where a message sits: conversation, seq and sender. */
export type MessagePosition = Pick<Message, 'id' | 'conversationId' | 'seq' | 'senderId'>;

/** A delivered position gathered in Redis, to write to PostgreSQL. */
export interface DeliveredPosition {
  userId: string;
  seq: bigint;
}

/** Messages behind a moved position that /changes reports (the latest ones): bounds each row's cost. */
export const RECEIPT_CHANGE_SPAN = 1000;

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

  versionsOf(messageIds: string[]): Promise<MessageVersion[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.prisma.messageVersion.findMany({
      where: { messageId: { in: messageIds } },
      orderBy: [{ messageId: 'asc' }, { version: 'asc' }],
    });
  }

  /**
   * Each message's receipts, aggregated in SQL over its audience (active participants other than
   * the sender who had joined when it arrived): counts for deliveryStatus, and the first
   * READ_BY_CAP readers by id. No participant row is loaded into the service.
   */
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
    const senders = await this.prisma.retrying(
      () => this.prisma.$queryRaw<{ sender: string }[]>`
        SELECT sender::text AS sender FROM jchat_flush_delivered(
          ${conversationId}::uuid, ${positions.map((p) => p.userId)}::uuid[],
          ${positions.map((p) => p.seq)}::bigint[], ${RECEIPT_CHANGE_SPAN}::int)`,
    );
    return senders.length === 0 ? null : senders.map((row) => row.sender);
  }

  /** Receipt changes below this modseq were pruned: a /changes from before it cannot be answered. */
  async receiptsPrunedBelow(): Promise<bigint> {
    const rows = await this.prisma.$queryRaw<{ pruned_below: bigint }[]>`
      SELECT pruned_below FROM message_receipt_horizon WHERE id = 1`;
    return rows[0]?.pruned_below ?? 0n;
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
    // Each move of a position reports the messages it passed, at most the latest
    // RECEIPT_CHANGE_SPAN of them, ordered and limited like the rows above so pages never skip.
    const receiptPast =
      cursor.afterId === null
        ? Prisma.sql`r.modseq >= ${since}`
        : Prisma.sql`(r.modseq, m.id) > (${since}, ${cursor.afterId}::uuid)`;
    const receipts = options.receipts
      ? Prisma.sql`
          UNION ALL
          SELECT x.id, x.modseq, x.created_modseq, mine.joined_modseq
            FROM mine CROSS JOIN LATERAL (
              SELECT m.id, r.modseq, m.created_modseq
                FROM message_receipt_changes r
                -- Driven by the (few) receipt rows: each probes its seq range by index.
                CROSS JOIN LATERAL (
                  SELECT mm.id, mm.created_modseq FROM messages mm
                   WHERE mm.conversation_id = r.conversation_id
                     AND mm.seq > GREATEST(r.from_seq, r.to_seq - ${RECEIPT_CHANGE_SPAN}) AND mm.seq <= r.to_seq
                     AND (r.kind = 'read' OR mm.sender_id = ${scope.userId}::uuid)) m
               WHERE r.conversation_id = mine.conversation_id AND r.modseq >= ${since} AND ${receiptPast}
               ORDER BY r.modseq, m.id LIMIT ${limit}) x`
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

  /**
   * The index of each key among the results in the given order, in one statement: the results
   * up to `last` (the furthest of the keys) are numbered once, instead of one count per key.
   */
  async indexesOf(
    scope: MessageScope,
    where: Prisma.Sql,
    keys: readonly SortKey[],
    last: SortKey,
    direction: SortDirection,
  ): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const operator = Prisma.raw(direction === 'ASC' ? '<=' : '>=');
    const dir = Prisma.raw(direction);
    const rows = await this.prisma.$queryRaw<{ id: string; idx: bigint }[]>`
      SELECT x.id, x.idx FROM (
        SELECT m.id, row_number() OVER (ORDER BY m.sent_at ${dir}, m.seq ${dir}, m.id ${dir}) - 1 AS idx
          FROM messages m
         WHERE ${this.scopeSql(scope)} AND ${where}
           AND (m.sent_at, m.seq, m.id) ${operator} (${last.sentAt.toISOString()}::timestamptz, ${last.seq}, ${last.id}::uuid)
      ) x
       WHERE x.id = ANY(${keys.map((k) => k.id)}::uuid[])`;
    return new Map(rows.map((row) => [row.id, Number(row.idx)]));
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

  /**
   * Highlighted fragments of each text for the search, marked with the given delimiters. Every
   * delimiter in a result is a match's: those already in a text become U+FFFD first.
   */
  async headlines(
    texts: { id: string; text: string }[],
    query: string,
    marks: { start: string; stop: string },
  ): Promise<Map<string, string>> {
    if (texts.length === 0) return new Map();
    const options = `StartSel=${marks.start}, StopSel=${marks.stop}, MaxWords=35, MinWords=15`;
    const plain = texts.map((t) =>
      t.text.replaceAll(marks.start, '\uFFFD').replaceAll(marks.stop, '\uFFFD'),
    );
    const rows = await this.prisma.$queryRaw<{ id: string; headline: string }[]>`
      SELECT t.id, ts_headline('simple', t.text, websearch_to_tsquery('simple', ${query}), ${options}) AS headline
        FROM unnest(${texts.map((t) => t.id)}::text[], ${plain}::text[]) AS t(id, text)`;
    return new Map(rows.map((row) => [row.id, row.headline]));
  }
}

/** A unique constraint refused the write (P2002 from the query builder, SQLSTATE 23505 from raw SQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return error.code === 'P2002' || (error.code === 'P2010' && error.meta?.['code'] === '23505');
}
