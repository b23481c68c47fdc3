import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { MessageScope } from './message-search.repository';
import { RECEIPT_CHANGE_SPAN } from './receipts.repository';

export interface ChangedMessageRow {
  id: string;
  modseq: bigint;
  createdModseq: bigint;
  /** modseq of the caller's join of the message's conversation. */
  joinedModseq: bigint;
  /** Every transaction whose change of the message (row or receipt) this row reports. */
  modseqs: bigint[];
}

/**
 * The rows changed past a cursor, and where they may be incomplete: each conversation's messages
 * and receipt moves are read up to the limit, and a receipts read can reach it with few distinct
 * messages (every member's move crosses the same ones). Past `cutAt`, the (modseq, id) of the
 * earliest last row of a read that reached its limit, rows may lack changes not read.
 */
export interface ChangedMessages {
  rows: ChangedMessageRow[];
  cutAt: { modseq: bigint; id: string } | null;
  /**
   * The user joined or left a conversation since the cursor in a way /changes cannot express row
   * by row: a join of a conversation with messages older than the cursor (they would appear
   * without having changed), or a leave of one with messages (they would silently disappear).
   */
  membershipMoved: boolean;
  /** Receipt changes below this modseq were pruned (0 when receipts were not asked for). */
  receiptsPrunedBelow: bigint;
}

/** (receipt move, message crossed) pairs read per conversation, per row a page may report. */
const RECEIPT_READ_FACTOR = 8;

/** What Message/changes and /queryChanges read: messages and receipt moves past a cursor. */
@Injectable()
export class MessageSyncRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Messages of the user's conversations (and `extraConversationIds`) changed past the cursor,
   * ordered by (modseq, id), at most `limit`. With receipts, also the messages whose readBy
   * moved (anyone's read position crossed them) or, for the user's own messages, whose
   * deliveryStatus moved, each reported at the modseq of that move. Every part is an index range
   * scan on (conversation_id, modseq): the cost follows the changes, not the history. The same
   * statement (one round trip, one snapshot) answers whether the cursor can be served at all:
   * `membershipMoved` and `receiptsPrunedBelow`, for the caller to check.
   */
  async changedSince(
    scope: MessageScope,
    cursor: SyncCursor,
    limit: number,
    options: { receipts: boolean },
  ): Promise<ChangedMessages> {
    const since = cursor.modseq;
    // Transactions the cursor records as reported already (see stateAfterAll).
    const seen = (cursor.seen ?? []).map(String);
    const past = (alias: string) =>
      cursor.afterId === null
        ? Prisma.sql`${Prisma.raw(alias)}.modseq >= ${since} AND ${Prisma.raw(alias)}.modseq <> ALL(${seen}::bigint[])`
        : Prisma.sql`(${Prisma.raw(alias)}.modseq, ${Prisma.raw(alias)}.id) > (${since}, ${cursor.afterId}::uuid)`;
    // Each move of a position reports the messages it passed, at most the latest
    // RECEIPT_CHANGE_SPAN of them, ordered and limited like the rows above; where a read reaches
    // its limit, `cutAt` says so (the page ends there rather than skip what was not read).
    const receiptPast =
      cursor.afterId === null
        ? Prisma.sql`r.modseq >= ${since} AND r.modseq <> ALL(${seen}::bigint[])`
        : Prisma.sql`(r.modseq, m.id) > (${since}, ${cursor.afterId}::uuid)`;
    // A message comes once per member whose read moved past it (a send moves its sender's over
    // every message since their last): read more pairs than rows, or a page would end after a
    // few distinct messages.
    const receiptLimit = limit * RECEIPT_READ_FACTOR;
    const receipts = options.receipts
      ? Prisma.sql`
          UNION ALL
          SELECT x.id, x.modseq, x.created_modseq, mine.joined_modseq, mine.conversation_id, 'r', x.read_rows
            FROM mine CROSS JOIN LATERAL (SELECT rr.*, count(*) OVER () AS read_rows FROM (
              SELECT m.id, r.modseq, m.created_modseq
                FROM message_receipt_changes r
                -- Driven by the (few) receipt rows: each probes its seq range by index. The
                -- ORDER BY keeps that index (conversation_id, seq) chosen when the statistics
                -- still see a small table: with another index on conversation_id the probe read
                -- the conversation's whole history once per receipt row.
                CROSS JOIN LATERAL (
                  SELECT mm.id, mm.created_modseq FROM messages mm
                   WHERE mm.conversation_id = r.conversation_id
                     AND mm.seq > GREATEST(r.from_seq, r.to_seq - ${RECEIPT_CHANGE_SPAN}) AND mm.seq <= r.to_seq
                     AND (r.kind = 'read' OR mm.sender_id = ${scope.userId}::uuid)
                   ORDER BY mm.seq) m
               WHERE r.conversation_id = mine.conversation_id AND r.modseq >= ${since} AND ${receiptPast}
               ORDER BY r.modseq, m.id LIMIT ${receiptLimit}) rr) x`
      : Prisma.empty;
    const prunedBelow = options.receipts
      ? Prisma.sql`(SELECT COALESCE(max(pruned_below), 0) FROM message_receipt_horizon WHERE id = 1)`
      : Prisma.sql`0::bigint`;
    // Straight on the pool (hotQuery): every client that syncs after a StateChange runs it.
    const rows = await this.prisma.hotQuery<{
      membership_moved: boolean;
      receipts_pruned_below: string;
      // The page's columns: null in the one row of a page with no changes.
      id: string | null;
      modseq: string;
      created_modseq: string;
      joined_modseq: string;
      modseqs: string[];
      cuts: { modseq: string; id: string }[] | null;
    }>(Prisma.sql`
      WITH mine AS (
        SELECT conversation_id, membership_modseq AS joined_modseq FROM participants
         WHERE user_id = ${scope.userId}::uuid AND is_active
        UNION
        SELECT unnest(${scope.extraConversationIds}::uuid[]), 0::bigint
      ), candidates AS (
        SELECT m.id, m.modseq, m.created_modseq, mine.joined_modseq,
               mine.conversation_id AS read_of, 'm' AS read_part, m.read_rows
          FROM mine CROSS JOIN LATERAL (SELECT mm.*, count(*) OVER () AS read_rows FROM (
            SELECT id, modseq, created_modseq FROM messages m
             WHERE m.conversation_id = mine.conversation_id AND ${past('m')}
             ORDER BY m.modseq, m.id LIMIT ${limit}) mm) m
        ${receipts}
      ), cut_reads AS (
        -- The last row of each read that reached its limit.
        SELECT DISTINCT ON (read_of, read_part) modseq, id FROM candidates
         WHERE read_rows >= CASE read_part WHEN 'm' THEN ${limit}::bigint ELSE ${receiptLimit}::bigint END
         ORDER BY read_of, read_part, modseq DESC, id DESC
      ), page AS (
        SELECT c.id, max(c.modseq) AS modseq, min(c.created_modseq) AS created_modseq, max(c.joined_modseq) AS joined_modseq,
               array_agg(DISTINCT c.modseq)::text[] AS modseqs,
               (SELECT json_agg(json_build_object('modseq', modseq::text, 'id', id)) FROM cut_reads) AS cuts
          FROM candidates c
         GROUP BY c.id
        HAVING ${cursor.afterId === null ? Prisma.sql`TRUE` : Prisma.sql`(max(c.modseq), c.id) > (${since}, ${cursor.afterId}::uuid)`}
         ORDER BY 2, 1
         LIMIT ${limit}
      )
      SELECT checks.membership_moved, checks.receipts_pruned_below::text, page.*
        FROM (SELECT EXISTS (
                       SELECT 1 FROM participants p
                        WHERE p.user_id = ${scope.userId}::uuid AND p.membership_modseq >= ${since}
                          AND EXISTS (SELECT 1 FROM messages m
                                       WHERE m.conversation_id = p.conversation_id
                                         AND (NOT p.is_active OR m.modseq < ${since}))) AS membership_moved,
                     ${prunedBelow} AS receipts_pruned_below) checks
        LEFT JOIN page ON TRUE
       ORDER BY page.modseq, page.id`);
    const [first] = rows;
    const changed = rows.flatMap((row) =>
      row.id === null
        ? []
        : [
            {
              id: row.id,
              modseq: BigInt(row.modseq),
              createdModseq: BigInt(row.created_modseq),
              joinedModseq: BigInt(row.joined_modseq),
              modseqs: row.modseqs.map(BigInt),
            },
          ],
    );
    return {
      rows: changed,
      cutAt: earliest(first?.cuts ?? []),
      membershipMoved: first?.membership_moved ?? false,
      receiptsPrunedBelow: BigInt(first?.receipts_pruned_below ?? 0),
    };
  }
}

function earliest(keys: readonly { modseq: string; id: string }[]): ChangedMessages['cutAt'] {
  let first: ChangedMessages['cutAt'] = null;
  for (const key of keys) {
    const modseq = BigInt(key.modseq);
    if (!first || modseq < first.modseq || (modseq === first.modseq && key.id < first.id)) {
      first = { modseq, id: key.id };
    }
  }
  return first;
}
