import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, type Role, type UserRole, afterCursor } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';

/** The only place that reads or writes `user_roles` (system-wide grants). */
@Injectable()
export class UserRolesRepository {
  constructor(private readonly prisma: PrismaService) {}

  findAll(): Promise<UserRole[]> {
    return this.prisma.userRole.findMany({
      orderBy: [{ grantedAt: 'asc' }, { userId: 'asc' }, { roleId: 'asc' }],
    });
  }

  find(userId: string, roleId: string): Promise<UserRole | null> {
    return this.prisma.userRole.findUnique({ where: { userId_roleId: { userId, roleId } } });
  }

  findMany(keys: readonly { userId: string; roleId: string }[]): Promise<UserRole[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.prisma.userRole.findMany({ where: { OR: keys.map((key) => ({ ...key })) } });
  }

  role(roleId: string): Promise<Role | null> {
    return this.prisma.role.findUnique({ where: { id: roleId } });
  }

  /** Reads auth's users table: may the user be granted anything? */
  async userExists(userId: string): Promise<boolean> {
    return (await this.prisma.user.count({ where: { id: userId } })) > 0;
  }

  /** Grants the role; null when it was already granted. */
  async create(userId: string, roleId: string, grantedBy: string): Promise<UserRole | null> {
    try {
      return await this.prisma.userRole.create({ data: { userId, roleId, grantedBy } });
    } catch (error: unknown) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  async delete(userId: string, roleId: string): Promise<void> {
    await this.prisma.userRole.deleteMany({ where: { userId, roleId } });
  }

  /** Grants made or revoked after the cursor (every account sees every system grant). */
  changedSince(cursor: SyncCursor, limit: number): Promise<ChangedObject[]> {
    return this.prisma.$queryRaw<ChangedObject[]>`
      SELECT id, modseq, kind FROM (
        SELECT DISTINCT ON (id) id, modseq, kind FROM (
          SELECT user_id::text || '_' || role_id::text AS id, modseq, 'created' AS kind
            FROM user_roles WHERE modseq >= ${cursor.modseq}
          UNION ALL
          SELECT user_id::text || '_' || role_id::text, modseq, 'destroyed'
            FROM rbac_tombstones WHERE object_type = 'UserRole' AND modseq >= ${cursor.modseq}
        ) changed
        ORDER BY id, modseq DESC
      ) latest
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }
}
