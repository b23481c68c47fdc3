import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@jchat/db';

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

/** Message/query and full-text search: counts, sorted and ranked ids, positions, headlines. */
@Injectable()
export class MessageSearchRepository {
  constructor(private readonly prisma: PrismaService) {}

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
