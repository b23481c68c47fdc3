import { Injectable } from '@nestjs/common';
import {
  afterCursor,
  type Conversation,
  lockConversation,
  type Participant,
  Prisma,
  PrismaService,
} from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';
import type { ConversationFilter, ConversationSort } from './conversation-filter';
import type { JsonObject, NewConversation } from './conversation-input';

/** A conversation with its active members' user ids and the viewer's own participant row. */
export interface ConversationRecord {
  conversation: Conversation;
  memberIds: string[];
  mine: Participant | null;
}

export interface NewMember {
  userId: string;
  displayName: string;
  role: 'owner' | 'member';
  isMuted: boolean;
}

export interface ConversationChanges {
  title?: string | null;
  description?: string | null;
  privacyLevel?: string;
  isArchived?: boolean;
  settings?: JsonObject;
  metadata?: JsonObject;
}

/**
 * The CTE `positioned (id, kind, modseq)` over `classified (id, kind, modseq)`, where `modseq` is
 * the row's latest change and `created` (an expression over classified) is where a created row
 * became visible. A created row is placed there while that is past the cursor, so a page cursor
 * past it means the client has it. Once the cursor is past it (a page was cut there), the row is
 * no longer new to the client: it comes as updated at its latest change, when that is past the
 * cursor, so a change after the creation is never left behind a cursor cut at the creation.
 */
export function positionedCreated(created: Prisma.Sql, cursor: SyncCursor): Prisma.Sql {
  const reported = Prisma.sql`NOT ${afterCursor(created, Prisma.sql`id`, cursor)}`;
  return Prisma.sql`positioned AS (
        SELECT id,
               CASE WHEN kind = 'created' AND ${reported} THEN 'updated' ELSE kind END AS kind,
               CASE WHEN kind = 'created' AND NOT ${reported} THEN ${created} ELSE modseq END AS modseq
          FROM classified
      )`;
}

/** Most query results a /query computes (its window is taken from these). */
export const QUERY_RESULT_CAP = 10_000;

const IS_MEMBER = Prisma.sql`COALESCE(m.is_active, false)`;

/** The only place that writes `conversations` (messaging keeps the last-message columns current). */
@Injectable()
export class ConversationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Conversations the viewer can see: with ids, those among them (members see theirs, everyone
   * sees the listed ones); without, every conversation the viewer is an active member of.
   */
  async findVisible(
    viewerId: string,
    ids: readonly string[] | null,
  ): Promise<ConversationRecord[]> {
    const memberOf = { participants: { some: { userId: viewerId, isActive: true } } };
    const where: Prisma.ConversationWhereInput =
      ids === null
        ? { deletedAt: null, ...memberOf }
        : {
            id: { in: [...ids] },
            deletedAt: null,
            OR: [{ privacyLevel: { not: 'private' } }, memberOf],
          };
    const conversations = await this.prisma.conversation.findMany({
      where,
      include: {
        participants: {
          where: { isActive: true },
          select: { userId: true },
          orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
        },
      },
    });
    const mine = await this.prisma.participant.findMany({
      where: { userId: viewerId, conversationId: { in: conversations.map((c) => c.id) } },
    });
    const mineByConversation = new Map(mine.map((row) => [row.conversationId, row]));
    return conversations.map(({ participants, ...conversation }) => ({
      conversation,
      memberIds: participants.map((p) => p.userId),
      mine: mineByConversation.get(conversation.id) ?? null,
    }));
  }

  findByDirectKey(key: string): Promise<Conversation | null> {
    return this.prisma.conversation.findUnique({ where: { directKey: key } });
  }

  /**
   * Creates the conversation with its first members in one transaction. For a direct one whose
   * pair already has a conversation, creates nothing and returns the existing id.
   */
  async create(
    input: NewConversation,
    createdBy: string,
    members: readonly NewMember[],
    directKey: string | null,
    id?: string,
  ): Promise<{ created: Conversation } | { existingId: string }> {
    try {
      const created = await this.prisma.transaction(async (tx) => {
        const conversation = await tx.conversation.create({
          data: {
            id,
            title: input.title,
            description: input.description,
            conversationType: input.conversationType,
            privacyLevel: input.privacyLevel,
            createdBy,
            directKey,
            settings: input.settings as Prisma.InputJsonObject,
            metadata: input.metadata as Prisma.InputJsonObject,
          },
        });
        await tx.participant.createMany({
          data: members.map((member) => ({ conversationId: conversation.id, ...member })),
        });
        return conversation;
      });
      return { created };
    } catch (error: unknown) {
      if (
        directKey !== null &&
        error instanceof Prisma.PrismaClientKnownRequestError &&
        error.code === 'P2002'
      ) {
        const existing = await this.findByDirectKey(directKey);
        if (existing) return { existingId: existing.id };
      }
      throw error;
    }
  }

  /** Applies the changes; returns the row as written (its modseq is this transaction's). */
  update(conversationId: string, changes: ConversationChanges): Promise<Conversation> {
    const { settings, metadata, ...plain } = changes;
    return this.prisma.conversation.update({
      where: { id: conversationId },
      data: {
        ...plain,
        ...(settings === undefined ? {} : { settings: settings as Prisma.InputJsonObject }),
        ...(metadata === undefined ? {} : { metadata: metadata as Prisma.InputJsonObject }),
        updatedAt: new Date(),
      },
    });
  }

  /**
   * Destroys the conversation: the row stays as a tombstone and every participant leaves in the
   * same transaction, so each former member's /changes reports it destroyed. Returns who they were.
   * Holds the conversation's row first, as every writer of its participants does.
   */
  async softDelete(conversationId: string): Promise<string[]> {
    return this.prisma.transaction(async (tx) => {
      await lockConversation(tx, conversationId);
      const now = new Date();
      const members = await tx.participant.findMany({
        where: { conversationId, isActive: true },
        select: { userId: true },
      });
      // directKey goes too: the pair of a destroyed direct conversation may start a new one.
      await tx.conversation.update({
        where: { id: conversationId },
        data: { deletedAt: now, updatedAt: now, directKey: null },
      });
      await tx.participant.updateMany({
        where: { conversationId, isActive: true },
        data: { isActive: false, leftAt: now },
      });
      return members.map((member) => member.userId);
    });
  }

  /**
   * Conversation/changes: the viewer's conversations changed after the cursor, ordered by
   * (modseq, id) where modseq is the later of the conversation's and the viewer's participant
   * row's. Created when the viewer joined since; destroyed when deleted, or when the viewer left
   * a private one; a listed one the viewer left is reported (updated) once, then no longer
   * followed. A created one is placed at the viewer's join, so a page cursor past it means the
   * client has it; once a cursor is past the join (a page cut there), a later change of it comes
   * as updated, placed at that change, so it is never left behind the cursor. Cost: the viewer's
   * participant rows, not the history.
   */
  changedSince(viewerId: string, cursor: SyncCursor, limit: number): Promise<ChangedObject[]> {
    const since = cursor.modseq;
    const positionCreated = positionedCreated(Prisma.sql`joined`, cursor);
    return this.prisma.$queryRaw<ChangedObject[]>`
      WITH classified AS (
        SELECT c.id::text AS id, GREATEST(c.modseq, m.modseq) AS modseq, m.membership_modseq AS joined,
               CASE WHEN c.deleted_at IS NOT NULL THEN 'destroyed'
                    WHEN NOT m.is_active AND c.privacy_level = 'private' THEN 'destroyed'
                    WHEN m.is_active AND m.membership_modseq >= ${since} THEN 'created'
                    ELSE 'updated' END AS kind
          FROM participants m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ${viewerId}::uuid
           AND (m.is_active OR m.membership_modseq >= ${since})
           AND GREATEST(c.modseq, m.modseq) >= ${since}
      ),
      ${positionCreated}
      SELECT id, modseq, kind FROM positioned
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }

  /**
   * Conversations changed after the cursor that may have entered, left or moved in any of the
   * viewer's query results: the viewer's own, and listed ones (or ones that just stopped being).
   */
  async changedForQueries(viewerId: string, cursor: SyncCursor): Promise<Set<string>> {
    const since = cursor.modseq;
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id FROM conversations c
       WHERE c.modseq >= ${since} AND (c.privacy_level <> 'private' OR c.privacy_modseq >= ${since})
      UNION
      SELECT c.id::text FROM participants m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.user_id = ${viewerId}::uuid AND GREATEST(c.modseq, m.modseq) >= ${since}`;
    return new Set(rows.map((row) => row.id));
  }

  /** Conversation/query: the ids of the visible conversations matching, sorted, at most QUERY_RESULT_CAP. */
  async query(
    viewerId: string,
    filter: ConversationFilter | null,
    onlyMine: boolean,
    sort: readonly ConversationSort[],
  ): Promise<string[]> {
    const conditions = [
      Prisma.sql`c.deleted_at IS NULL`,
      Prisma.sql`(${IS_MEMBER} OR c.privacy_level <> 'private')`,
      ...(filter ? [filterSql(filter)] : []),
      ...(onlyMine ? [IS_MEMBER] : []),
    ];
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT c.id::text AS id
        FROM conversations c
        LEFT JOIN participants m ON m.conversation_id = c.id AND m.user_id = ${viewerId}::uuid
       WHERE ${Prisma.join(conditions, ' AND ')}
       ORDER BY ${Prisma.join([...sort.map(orderSql), Prisma.sql`c.id`], ', ')}
       LIMIT ${QUERY_RESULT_CAP}`;
    return rows.map((row) => row.id);
  }
}

function filterSql(filter: ConversationFilter): Prisma.Sql {
  if ('operator' in filter) {
    const parts = filter.conditions.map(filterSql);
    if (parts.length === 0) return filter.operator === 'OR' ? Prisma.sql`false` : Prisma.sql`true`;
    switch (filter.operator) {
      case 'AND':
        return Prisma.sql`(${Prisma.join(parts, ' AND ')})`;
      case 'OR':
        return Prisma.sql`(${Prisma.join(parts, ' OR ')})`;
      case 'NOT':
        return Prisma.sql`NOT (${Prisma.join(parts, ' OR ')})`;
    }
  }
  const { condition } = filter;
  const parts: Prisma.Sql[] = [];
  if (condition.conversationType !== undefined)
    parts.push(Prisma.sql`c.conversation_type = ${condition.conversationType}`);
  if (condition.privacyLevel !== undefined)
    parts.push(Prisma.sql`c.privacy_level = ${condition.privacyLevel}`);
  if (condition.isArchived !== undefined)
    parts.push(Prisma.sql`c.is_archived = ${condition.isArchived}`);
  if (condition.isMember !== undefined)
    parts.push(Prisma.sql`${IS_MEMBER} = ${condition.isMember}`);
  if (condition.hasUnread !== undefined) {
    parts.push(
      Prisma.sql`(${IS_MEMBER} AND c.last_message_seq > m.last_read_seq) = ${condition.hasUnread}`,
    );
  }
  if (condition.text !== undefined) {
    const pattern = `%${condition.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    parts.push(Prisma.sql`(c.title ILIKE ${pattern} OR c.description ILIKE ${pattern})`);
  }
  return parts.length === 0 ? Prisma.sql`true` : Prisma.sql`(${Prisma.join(parts, ' AND ')})`;
}

/** Nulls count as the smallest value. */
function orderSql({ property, isAscending }: ConversationSort): Prisma.Sql {
  const column = {
    lastMessageAt: Prisma.sql`c.last_message_at`,
    createdAt: Prisma.sql`c.created_at`,
    title: Prisma.sql`lower(c.title)`,
  }[property];
  return isAscending
    ? Prisma.sql`${column} ASC NULLS FIRST`
    : Prisma.sql`${column} DESC NULLS LAST`;
}
