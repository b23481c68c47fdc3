import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { PrismaService } from '@jchat/db';

export interface PresenceRow {
  userId: string;
  status: string;
  statusMessage: string | null;
  lastSeenAt: Date;
  updatedAt: Date;
}

/**
 * The `presence` table (owned by this service) and read-only joins over the
 * conversations service's `participants` table: "who shares a conversation with
 * whom" must be one SQL statement, not a NATS call per pair.
 */
@Injectable()
export class PresenceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async rows(userIds: readonly string[]): Promise<Map<string, PresenceRow>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.prisma.presence.findMany({ where: { userId: { in: [...userIds] } } });
    return new Map(rows.map((row) => [row.userId, row]));
  }

  /** Writes lastSeenAt for many users in one statement (callers throttle it to once a minute per user). */
  async writeLastSeen(entries: readonly { userId: string; at: Date }[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map((entry) => entry.userId);
    const times = entries.map((entry) => entry.at.toISOString());
    await this.prisma.$executeRaw`
      INSERT INTO presence (user_id, status, last_seen_at, updated_at)
      SELECT u.id, 'online', u.at, now()
      FROM unnest(${ids}::uuid[], ${times}::timestamptz[]) AS u(id, at)
      WHERE EXISTS (SELECT 1 FROM users WHERE users.id = u.id)
      ON CONFLICT (user_id) DO UPDATE
        SET last_seen_at = GREATEST(presence.last_seen_at, EXCLUDED.last_seen_at)`;
  }

  /** Keeps the user's own choice (status, message) so that it outlives the Redis record. */
  async saveChoice(
    userId: string,
    change: { status?: string; statusMessage?: string | null },
  ): Promise<void> {
    await this.prisma.presence.upsert({
      where: { userId },
      create: {
        userId,
        status: change.status ?? 'online',
        statusMessage: change.statusMessage ?? null,
      },
      update: {
        ...(change.status === undefined ? {} : { status: change.status }),
        ...(change.statusMessage === undefined ? {} : { statusMessage: change.statusMessage }),
        updatedAt: new Date(),
      },
    });
  }

  /** Those of `conversationIds` that `userId` is an active member of. */
  async memberOf(userId: string, conversationIds: readonly string[]): Promise<Set<string>> {
    const ids = conversationIds.filter((id) => isUuid(id));
    if (ids.length === 0) return new Set();
    const rows = await this.prisma.$queryRaw<{ conversation_id: string }[]>`
      SELECT conversation_id::text AS conversation_id
      FROM participants
      WHERE user_id = ${userId}::uuid AND is_active
        AND conversation_id = ANY(${ids}::uuid[])`;
    return new Set(rows.map((row) => row.conversation_id));
  }

  /** Those of `userIds` who share an active conversation with `callerId` (the caller included). */
  async visibleTo(callerId: string, userIds: readonly string[]): Promise<Set<string>> {
    const others = userIds.filter((id) => id !== callerId);
    const visible = new Set(userIds.includes(callerId) ? [callerId] : []);
    if (others.length === 0) return visible;
    const rows = await this.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT DISTINCT theirs.user_id::text AS user_id
      FROM participants mine
      JOIN participants theirs ON theirs.conversation_id = mine.conversation_id AND theirs.is_active
      WHERE mine.user_id = ${callerId}::uuid AND mine.is_active
        AND theirs.user_id = ANY(${others}::uuid[])`;
    for (const row of rows) visible.add(row.user_id);
    return visible;
  }

  /**
   * Of each user: the conversations they are an active member of (of any size), and their
   * contacts, who is told when their presence changes: the active members of those of at most
   * `maxMembers` people. Bigger channels are left out (their members ask with Presence/get) so
   * that one user going online is not a push to thousands. One statement for all the users; a
   * user in no conversation is left out.
   */
  async contactsOfMany(
    userIds: readonly string[],
    maxMembers: number,
  ): Promise<Map<string, { contacts: string[]; conversationIds: string[] }>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<
      { user_id: string; conversation_ids: string[]; contacts: string[] }[]
    >`
      WITH mine AS MATERIALIZED (
        SELECT user_id, conversation_id FROM participants
        WHERE user_id = ANY(${[...userIds]}::uuid[]) AND is_active
      ), small AS MATERIALIZED (
        SELECT c.conversation_id FROM (SELECT DISTINCT conversation_id FROM mine) c
        WHERE (SELECT count(*) FROM (
                SELECT 1 FROM participants p
                WHERE p.conversation_id = c.conversation_id AND p.is_active
                LIMIT ${maxMembers + 1}) AS bounded) <= ${maxMembers}
      )
      SELECT m.user_id::text AS user_id,
             array_agg(DISTINCT m.conversation_id::text) AS conversation_ids,
             array_remove(array_agg(DISTINCT theirs.user_id::text), NULL) AS contacts
      FROM mine m
      LEFT JOIN participants theirs
        ON theirs.conversation_id = m.conversation_id AND theirs.is_active
       AND theirs.user_id <> m.user_id
       AND m.conversation_id IN (SELECT conversation_id FROM small)
      GROUP BY m.user_id`;
    return new Map(
      rows.map((row) => [
        row.user_id,
        { contacts: row.contacts, conversationIds: row.conversation_ids },
      ]),
    );
  }

  /** Up to `limit` users sharing an active conversation with the user (not the user). */
  async sharingWith(userId: string, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT DISTINCT theirs.user_id::text AS user_id
      FROM participants mine
      JOIN participants theirs ON theirs.conversation_id = mine.conversation_id AND theirs.is_active
      WHERE mine.user_id = ${userId}::uuid AND mine.is_active AND theirs.user_id <> ${userId}::uuid
      LIMIT ${limit}`;
    return rows.map((row) => row.user_id);
  }
}
