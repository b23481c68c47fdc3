import { Injectable } from '@nestjs/common';
import type { ParticipantRole } from '@jchat/contracts';
import { type Participant, Prisma, PrismaService, afterCursor } from '@jchat/db';
import type { SyncCursor } from '@jchat/jmap';
import type { ChangedObject } from '@jchat/db';
import type { UserCard } from '../users/users.repository';

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

export const PARTICIPANT_QUERY_CAP = 10_000;

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

  async countActive(conversationId: string): Promise<number> {
    return this.prisma.participant.count({ where: { conversationId, isActive: true } });
  }

  /**
   * Adds the user as an active member (reactivating a former participant's row, with nothing
   * unread from before), and stamps the conversation so every member's Conversation state moves
   * (participantIds). Null when the user already is an active member.
   */
  async join(
    conversationId: string,
    user: UserCard,
    role: ParticipantRole,
    permissions: string[],
  ): Promise<Participant | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const existing = await tx.participant.findUnique({
          where: { conversationId_userId: { conversationId, userId: user.id } },
        });
        if (existing?.isActive) return null;
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

  /** Deactivates the participant and stamps the conversation (participantIds changed). */
  leave(participant: Participant): Promise<Participant> {
    return this.prisma.$transaction(async (tx) => {
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
   * owner hands ownership on: the current owner becomes an admin in the same transaction.
   */
  update(participant: Participant, changes: ParticipantChanges): Promise<Participant[]> {
    const { lastRead, ...plain } = changes;
    return this.prisma.$transaction(async (tx) => {
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
   * that moment means the client has it, and later pages report it as updated.
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
      classified AS (
        SELECT *, CASE WHEN lost OR NOT is_active THEN 'destroyed'
                       WHEN joined >= ${since} OR (viewer_active AND viewer_joined >= ${since}) THEN 'created'
                       ELSE 'updated' END AS kind
          FROM candidates
      ),
      positioned AS (
        SELECT id::text AS id, kind,
               CASE kind WHEN 'created' THEN GREATEST(joined, CASE WHEN viewer_active THEN viewer_joined ELSE 0 END)
                         WHEN 'destroyed' THEN GREATEST(modseq, CASE WHEN lost THEN viewer_joined ELSE 0 END)
                         ELSE modseq END AS modseq
          FROM classified
      )
      SELECT id, modseq, kind FROM positioned
      WHERE ${afterCursor(Prisma.sql`modseq`, Prisma.sql`id`, cursor)}
      ORDER BY modseq, id
      LIMIT ${limit}`;
  }
}
