import { Injectable } from '@nestjs/common';
import { type ConversationRole, Prisma, PrismaService, type Role, afterCursor } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';

export interface GrantKey {
  conversationId: string;
  userId: string;
  roleId: string;
}

/** The JMAP id of the grant (or tombstone) row aliased `table` (see grant-ids.ts). */
function idOf(table: 'g' | 't'): Prisma.Sql {
  return Prisma.raw(
    `${table}.conversation_id::text || '_' || ${table}.user_id::text || '_' || ${table}.role_id::text`,
  );
}

/**
 * The only place that writes `conversation_roles`. A viewer sees the grants of the conversations
 * they are an active member of (reads conversations' `participants`).
 */
@Injectable()
export class ConversationRolesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Grants the viewer may see, all of them or those with the given keys. */
  visibleTo(viewerId: string, keys: readonly GrantKey[] | null): Promise<ConversationRole[]> {
    if (keys !== null && keys.length === 0) return Promise.resolve([]);
    return this.prisma.conversationRole.findMany({
      where: {
        conversation: { participants: { some: { userId: viewerId, isActive: true } } },
        ...(keys === null ? {} : { OR: keys.map((key) => ({ ...key })) }),
      },
      orderBy: [{ grantedAt: 'asc' }],
    });
  }

  find(key: GrantKey): Promise<ConversationRole | null> {
    return this.prisma.conversationRole.findUnique({
      where: { userId_conversationId_roleId: key },
    });
  }

  role(roleId: string): Promise<Role | null> {
    return this.prisma.role.findUnique({ where: { id: roleId } });
  }

  async isActiveMember(conversationId: string, userId: string): Promise<boolean> {
    const count = await this.prisma.participant.count({
      where: { conversationId, userId, isActive: true },
    });
    return count > 0;
  }

  /** Grants; null when it was already granted. */
  async create(key: GrantKey, grantedBy: string): Promise<ConversationRole | null> {
    try {
      return await this.prisma.conversationRole.create({ data: { ...key, grantedBy } });
    } catch (error: unknown) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  async delete(key: GrantKey): Promise<void> {
    await this.prisma.conversationRole.deleteMany({ where: key });
  }

  /**
   * Removes the grants of users who are no longer active members (a grant only counts for
   * members, and must not come back to life on a rejoin). Returns how many went.
   */
  async dropGrantsOfFormerMembers(
    conversationId: string,
    userIds: readonly string[],
  ): Promise<number> {
    const onlyUsers =
      userIds.length > 0 ? Prisma.sql`AND g.user_id = ANY(${[...userIds]}::uuid[])` : Prisma.empty;
    return this.prisma.$executeRaw`
      DELETE FROM conversation_roles g
       WHERE g.conversation_id = ${conversationId}::uuid ${onlyUsers}
         AND NOT EXISTS (SELECT 1 FROM participants p
                          WHERE p.conversation_id = g.conversation_id AND p.user_id = g.user_id AND p.is_active)`;
  }

  /**
   * Grants changed after the cursor as the viewer sees them: grants made or revoked in their
   * conversations, and every grant of a conversation they joined (created) or left (destroyed)
   * since.
   */
  changedSince(viewerId: string, cursor: SyncCursor, limit: number): Promise<ChangedObject[]> {
    const since = cursor.modseq;
    return this.prisma.$queryRaw<ChangedObject[]>`
      WITH mine AS (
        SELECT conversation_id, is_active, membership_modseq FROM participants
         WHERE user_id = ${viewerId}::uuid AND (is_active OR membership_modseq >= ${since})
      )
      SELECT id, modseq, kind FROM (
        SELECT DISTINCT ON (id) id, modseq, kind FROM (
          SELECT ${idOf('g')} AS id, g.modseq, 'created' AS kind
            FROM mine m JOIN conversation_roles g ON g.conversation_id = m.conversation_id AND g.modseq >= ${since}
           WHERE m.is_active AND m.membership_modseq < ${since}
          UNION ALL
          SELECT ${idOf('g')}, GREATEST(g.modseq, m.membership_modseq),
                 CASE WHEN m.is_active THEN 'created' ELSE 'destroyed' END
            FROM mine m JOIN conversation_roles g ON g.conversation_id = m.conversation_id
           WHERE m.membership_modseq >= ${since}
          UNION ALL
          SELECT ${idOf('t')}, t.modseq, 'destroyed'
            FROM mine m JOIN rbac_tombstones t ON t.conversation_id = m.conversation_id AND t.modseq >= ${since}
           WHERE t.object_type = 'ConversationRole'
        ) changed
        ORDER BY id, modseq DESC
      ) latest
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }
}
