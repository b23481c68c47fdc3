import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, type Role, afterCursor } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';

export interface RoleHolders {
  /** Users holding the role system-wide. */
  userIds: string[];
  /** Conversation grants of the role. */
  grants: { conversationId: string; userId: string }[];
}

/** The only place that reads or writes `roles`. */
@Injectable()
export class RolesRepository {
  constructor(private readonly prisma: PrismaService) {}

  findAll(): Promise<Role[]> {
    return this.prisma.role.findMany({ orderBy: [{ name: 'asc' }] });
  }

  findByIds(ids: readonly string[]): Promise<Role[]> {
    return this.prisma.role.findMany({ where: { id: { in: [...ids] } } });
  }

  findById(id: string): Promise<Role | null> {
    return this.prisma.role.findUnique({ where: { id } });
  }

  /** Creates the role; null when the name is taken. */
  async create(data: {
    name: string;
    description: string | null;
    permissions: string[];
  }): Promise<Role | null> {
    try {
      return await this.prisma.role.create({ data });
    } catch (error: unknown) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  /** Updates the role; null when the new name is taken. */
  async update(
    id: string,
    data: { name?: string; description?: string | null; permissions?: string[] },
  ): Promise<Role | null> {
    try {
      return await this.prisma.role.update({ where: { id }, data });
    } catch (error: unknown) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  /** Deletes the role and (by cascade) its grants; tombstones are written by triggers. */
  async delete(id: string): Promise<void> {
    await this.prisma.role.delete({ where: { id } });
  }

  async holders(roleId: string): Promise<RoleHolders> {
    const [userRoles, grants] = await Promise.all([
      this.prisma.userRole.findMany({ where: { roleId }, select: { userId: true } }),
      this.prisma.conversationRole.findMany({
        where: { roleId },
        select: { conversationId: true, userId: true },
      }),
    ]);
    return { userIds: userRoles.map((row) => row.userId), grants };
  }

  /** Roles created, updated or deleted after the cursor (every account sees every role). */
  changedSince(cursor: SyncCursor, limit: number): Promise<ChangedObject[]> {
    // The creation was not reported yet: it lies past the cursor.
    const created = afterCursor(Prisma.sql`created_modseq`, Prisma.sql`id::text`, cursor);
    return this.prisma.$queryRaw<ChangedObject[]>`
      SELECT id, modseq, kind FROM (
        -- A created role is placed at its creation: a page cursor past it means the client has it.
        -- Once a cursor is past the creation (a page cut there), a later update comes as updated
        -- at the update, so it never falls behind that cursor.
        SELECT id::text AS id,
               CASE WHEN created_modseq >= ${cursor.modseq} AND ${created} THEN created_modseq ELSE modseq END AS modseq,
               CASE WHEN created_modseq >= ${cursor.modseq} AND ${created} THEN 'created' ELSE 'updated' END AS kind
          FROM roles WHERE modseq >= ${cursor.modseq}
        UNION ALL
        SELECT role_id::text, modseq, 'destroyed'
          FROM rbac_tombstones WHERE object_type = 'Role' AND modseq >= ${cursor.modseq}
      ) changed
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }
}
