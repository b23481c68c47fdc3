import { toUtcDate, toUtcDateOrNull } from '@jchat/common';
import type { Participant } from '@jchat/db';

export const PARTICIPANT_PROPERTIES = [
  'id',
  'conversationId',
  'userId',
  'displayName',
  'avatarBlobId',
  'role',
  'joinedAt',
  'leftAt',
  'lastActiveAt',
  'isActive',
  'permissions',
  'lastReadMessageId',
  'lastReadAt',
  'metadata',
  'isMuted',
] as const;

export type ParticipantObject = Record<(typeof PARTICIPANT_PROPERTIES)[number], unknown>;

/** The JMAP Participant; isMuted is the viewer's own business (null on others' participants). */
export function toParticipantObject(participant: Participant, viewerId: string): ParticipantObject {
  return {
    id: participant.id,
    conversationId: participant.conversationId,
    userId: participant.userId,
    displayName: participant.displayName,
    avatarBlobId: participant.avatarBlobId,
    role: participant.role,
    joinedAt: toUtcDate(participant.joinedAt),
    leftAt: toUtcDateOrNull(participant.leftAt),
    lastActiveAt: toUtcDateOrNull(participant.lastActiveAt),
    isActive: participant.isActive,
    permissions: [...participant.permissions].sort(),
    lastReadMessageId: participant.lastReadMessageId,
    lastReadAt: toUtcDateOrNull(participant.lastReadAt),
    metadata: participant.metadata,
    isMuted: participant.userId === viewerId ? participant.isMuted : null,
  };
}
