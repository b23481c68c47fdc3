import { Injectable } from '@nestjs/common';
import type { ParticipantRole } from '@jchat/contracts';
import { afterCursor, lockConversation, type Participant, Prisma, PrismaService } from '@jchat/db';
import { type SyncCursor, notFound } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';
import type { UserCard } from '../users/users.repository';
import { positionedCreated } from '../conversations/conversations.repository';
import { checkCapacity } from './participant-rules';

export interface ParticipantQuery {
  conversationId?: string;
  userId?: string;
  role?: ParticipantRole;
}

export interface ParticipantChanges {
  role?: ParticipantRole;
  permissions?: string[];
  displayName?: string;
  avatarBlobId?: string | null;
  isMuted?: boolean;
  metadata?: Prisma.InputJsonObject;
  lastRead?: { messageId: string | null; seq: bigint };
}

/** A role change's check, run on the rows as they are once the conversation is held. */
export interface RoleCheck {
  actorId: string;
  /** Throws to refuse; `actorRole` is null when the actor is not an active member. */
  check: (currentRole: ParticipantRole, actorRole: ParticipantRole | null) => void;
}

export const PARTICIPANT_QUERY_CAP = 10_000;

/**
 * Holds the conversation row first, as every writer of its participants does (see
 * lockConversation); notFound when it does not exist or was destroyed.
 */
async function holdConversation(
  tx: Prisma.TransactionClient,
  conversationId: string,
): Promise<void> {
  const conversation = await lockConversation(tx, conversationId);
  if (!conversation || conversation.deletedAt !== null) throw notFound();
}

/** Conversations the viewer sees: listed ones, and those they are an active member of. */
function visibleConversation(viewerId: string): Prisma.ConversationWhereInput {
  return {
    deletedAt: null,
    OR: [
      { privacyLevel: { not: 'private' } },
      { participants: { some: { userId: viewerId, isActive: true } } },
    ],
  };
}

function memberConversation(viewerId: string): Prisma.ConversationWhereInput {
  return { deletedAt: null, participants: { some: { userId: viewerId, isActive: true } } };
}

/**
 * The only place that writes `participants`. A participant is a JMAP object while active; leaving
 * deactivates the row (leftAt), which stays as the tombstone /changes needs, and a rejoin
 * reactivates the same row.
 */
@Injectable()
export class ParticipantsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<Participant | null> {
    return this.prisma.participant.findUnique({ where: { id } });
  }

  find(conversationId: string, userId: string): Promise<Participant | null> {
    return this.prisma.participant.findUnique({
      where: { conversationId_userId: { conversationId, userId } },
    });
  }

  /** Active participants the viewer can see: those with the ids, or (null) all of the viewer's conversations. */
  findVisible(viewerId: string, ids: readonly string[] | null): Promise<Participant[]> {
    return this.prisma.participant.findMany({
      where:
        ids === null
          ? { isActive: true, conversation: memberConversation(viewerId) }
          : { id: { in: [...ids] }, isActive: true, conversation: visibleConversation(viewerId) },
      orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
    });
  }

  countInMemberConversations(viewerId: string): Promise<number> {
    return this.prisma.participant.count({
      where: { isActive: true, conversation: memberConversation(viewerId) },
    });
  }

  /** Participant/query: within one visible conversation, or across the viewer's own. */
  async query(viewerId: string, filter: ParticipantQuery, ascending: boolean): Promise<string[]> {
    const rows = await this.prisma.participant.findMany({
      where: {
        ...filter,
        isActive: true,
        conversation: filter.conversationId
          ? visibleConversation(viewerId)
          : memberConversation(viewerId),
      },
      orderBy: [{ joinedAt: ascending ? 'asc' : 'desc' }, { id: ascending ? 'asc' : 'desc' }],
      select: { id: true },
      take: PARTICIPANT_QUERY_CAP,
    });
    return rows.map((row) => row.id);
  }

  /**
   * Adds the user as an active member (reactivating a former participant's row, with nothing
   * unread from before), and stamps the conversation so every member's Conversation state moves
   * (participantIds). Null when the user already is an active member. Holds the conversation row
   * first, so joins, leaves and hand-overs of one conversation take turns: two
   * rejoins of the same user cannot both succeed, and the member count checked against
   * maxParticipantsPerConversation (overQuota) is the one written.
   */
  async join(
    conversationId: string,
    user: UserCard,
    role: ParticipantRole,
    permissions: string[],
  ): Promise<Participant | null> {
    try {
      return await this.prisma.transaction(async (tx) => {
        await holdConversation(tx, conversationId);
        const existing = await tx.participant.findUnique({
          where: { conversationId_userId: { conversationId, userId: user.id } },
        });
        if (existing?.isActive) return null;
        checkCapacity(await tx.participant.count({ where: { conversationId, isActive: true } }));
        const conversation = await tx.conversation.update({
          where: { id: conversationId },
          data: { updatedAt: new Date() },
          select: { lastMessageSeq: true, lastMessageId: true },
        });
        const fields = {
          displayName: user.displayName,
          role,
          permissions,
          isActive: true,
          joinedAt: new Date(),
          leftAt: null,
          // Nothing from before the join is unread.
          lastReadSeq: conversation.lastMessageSeq,
          lastReadMessageId: conversation.lastMessageId,
          lastReadAt: null,
        };
        return existing
          ? tx.participant.update({ where: { id: existing.id }, data: fields })
          : tx.participant.create({ data: { conversationId, userId: user.id, ...fields } });
      });
    } catch (error: unknown) {
      // Another request added the same user at the same moment.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  /**
   * Deactivates the participant and stamps the conversation (participantIds changed). `check`
   * runs on the participant as it is once the conversation row is held, with the
   * number of active members when the participant is the owner (0 otherwise), and throws to
   * refuse: an owner leaving cannot race a join into an ownerless conversation, nor a hand-over.
   */
  leave(
    participant: Participant,
    check: (current: Participant, activeMembers: number) => void,
  ): Promise<Participant> {
    return this.prisma.transaction(async (tx) => {
      await holdConversation(tx, participant.conversationId);
      const current = await tx.participant.findUnique({ where: { id: participant.id } });
      if (!current?.isActive) throw notFound();
      const activeMembers =
        current.role === 'owner'
          ? await tx.participant.count({
              where: { conversationId: participant.conversationId, isActive: true },
            })
          : 0;
      check(current, activeMembers);
      await tx.conversation.update({
        where: { id: participant.conversationId },
        data: { updatedAt: new Date() },
      });
      return tx.participant.update({
        where: { id: participant.id },
        data: { isActive: false, leftAt: new Date() },
      });
    });
  }

  /**
   * Applies the changes; returns the rows written, the participant first. Making someone the
   * owner hands ownership on: the current owner becomes an admin in the same transaction. Every
   * update holds the conversation row first (a read position logs a receipt change); a role
   * change then runs `checkRole` on the participant's current role and the actor's current one
   * (null when not an active member), which throws to refuse: concurrent hand-overs take turns,
   * so there is never more than one owner.
   */
  update(
    participant: Participant,
    changes: ParticipantChanges,
    roleCheck?: RoleCheck,
  ): Promise<Participant[]> {
    const { lastRead, ...plain } = changes;
    return this.prisma.transaction(async (tx) => {
      await holdConversation(tx, participant.conversationId);
      const current = await tx.participant.findUnique({ where: { id: participant.id } });
      if (!current?.isActive) throw notFound();
      if (changes.role !== undefined && roleCheck) {
        const actor = await tx.participant.findUnique({
          where: {
            conversationId_userId: {
              conversationId: participant.conversationId,
              userId: roleCheck.actorId,
            },
          },
        });
        roleCheck.check(
          current.role as ParticipantRole,
          actor?.isActive ? (actor.role as ParticipantRole) : null,
        );
      }
      const demoted: Participant[] = [];
      if (changes.role === 'owner') {
        const owners = await tx.participant.findMany({
          where: {
            conversationId: participant.conversationId,
            role: 'owner',
            isActive: true,
            id: { not: participant.id },
          },
        });
        for (const owner of owners) {
          demoted.push(
            await tx.participant.update({ where: { id: owner.id }, data: { role: 'admin' } }),
          );
        }
      }
      const updated = await tx.participant.update({
        where: { id: participant.id },
        data: {
          ...plain,
          ...(lastRead === undefined
            ? {}
            : {
                lastReadMessageId: lastRead.messageId,
                lastReadSeq: lastRead.seq,
                lastReadAt: lastRead.messageId === null ? null : new Date(),
                lastActiveAt: new Date(),
              }),
        },
      });
      return [updated, ...demoted];
    });
  }

  /** The sequence number of a message of the conversation (reads messaging's table), or null. */
  async messageSeq(conversationId: string, messageId: string): Promise<bigint | null> {
    const message = await this.prisma.message.findFirst({
      where: { id: messageId, conversationId },
      select: { seq: true },
    });
    return message?.seq ?? null;
  }

  async activeUserIds(conversationId: string): Promise<string[]> {
    const rows = await this.prisma.participant.findMany({
      where: { conversationId, isActive: true, conversation: { deletedAt: null } },
      select: { userId: true },
    });
    return rows.map((row) => row.userId);
  }

  async activeConversationIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.participant.findMany({
      where: { userId, isActive: true, conversation: { deletedAt: null } },
      select: { conversationId: true },
    });
    return rows.map((row) => row.conversationId);
  }

  /**
   * Participant/changes: participants changed after the cursor in the viewer's conversations,
   * plus every participant of a conversation the viewer joined since (created) or lost since
   * (left a private one, or it was deleted: destroyed). Uses (conversation_id, modseq) per
   * conversation, so the cost follows the changes, not the member lists. A created participant
   * is placed at the moment it became visible (its join or the viewer's), so a page cursor past
   * that moment means the client has it; once a cursor is past that moment, a later change of it
   * comes as updated at that change (never left behind a cursor cut at the join).
   */
  changedSince(viewerId: string, cursor: SyncCursor, limit: number): Promise<ChangedObject[]> {
    const since = cursor.modseq;
    const columns = Prisma.sql`p.id, p.modseq, p.membership_modseq AS joined, p.is_active,
      m.membership_modseq AS viewer_joined, m.is_active AS viewer_active, m.lost`;
    return this.prisma.$queryRaw<ChangedObject[]>`
      WITH mine AS (
        SELECT m.conversation_id, m.is_active, m.membership_modseq,
               (NOT m.is_active AND (c.privacy_level = 'private' OR c.deleted_at IS NOT NULL)) AS lost
          FROM participants m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ${viewerId}::uuid AND (m.is_active OR m.membership_modseq >= ${since})
      ),
      candidates AS (
        SELECT ${columns}
          FROM mine m JOIN participants p ON p.conversation_id = m.conversation_id AND p.modseq >= ${since}
        UNION
        SELECT ${columns}
          FROM mine m JOIN participants p ON p.conversation_id = m.conversation_id
         WHERE m.membership_modseq >= ${since} AND (m.is_active OR m.lost)
      ),
      kinds AS (
        SELECT id::text AS id,
               CASE WHEN lost OR NOT is_active THEN 'destroyed'
                    WHEN joined >= ${since} OR (viewer_active AND viewer_joined >= ${since}) THEN 'created'
                    ELSE 'updated' END AS kind,
               GREATEST(joined, CASE WHEN viewer_active THEN viewer_joined ELSE 0 END) AS visible_since,
               modseq, lost, viewer_joined
          FROM candidates
      ),
      classified AS (
        SELECT id, kind, visible_since,
               CASE kind WHEN 'destroyed' THEN GREATEST(modseq, CASE WHEN lost THEN viewer_joined ELSE 0 END)
                         ELSE GREATEST(modseq, visible_since) END AS modseq
          FROM kinds
      ),
      ${positionedCreated(Prisma.sql`visible_since`, cursor)}
      SELECT id, modseq, kind FROM positioned
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }
}
