import { toUtcDate, toUtcDateOrNull } from '@jchat/common';
import type { ConversationRecord } from './conversations.repository';

export const CONVERSATION_PROPERTIES = [
  'id',
  'title',
  'description',
  'conversationType',
  'privacyLevel',
  'createdAt',
  'updatedAt',
  'createdBy',
  'isArchived',
  'participantIds',
  'lastMessageId',
  'lastMessageAt',
  'messageCount',
  'settings',
  'metadata',
  'isMuted',
  'unreadCount',
  'myRole',
] as const;

export type ConversationObject = Record<(typeof CONVERSATION_PROPERTIES)[number], unknown>;

/**
 * The JMAP Conversation as the viewer sees it: shared fields from the conversation row,
 * participantIds from the active participants, and isMuted, unreadCount and myRole from the
 * viewer's own participant row (false, 0 and null for a non-member).
 */
export function toConversationObject({
  conversation: c,
  memberIds,
  mine,
}: ConversationRecord): ConversationObject {
  const member = mine?.isActive ? mine : null;
  const unread = member ? c.lastMessageSeq - member.lastReadSeq : 0n;
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    conversationType: c.conversationType,
    privacyLevel: c.privacyLevel,
    createdAt: toUtcDate(c.createdAt),
    updatedAt: toUtcDate(c.updatedAt),
    createdBy: c.createdBy,
    isArchived: c.isArchived,
    participantIds: memberIds,
    lastMessageId: c.lastMessageId,
    lastMessageAt: toUtcDateOrNull(c.lastMessageAt),
    messageCount: c.messageCount,
    settings: c.settings,
    metadata: c.metadata,
    isMuted: member?.isMuted ?? false,
    unreadCount: unread > 0n ? Number(unread) : 0,
    myRole: member?.role ?? null,
  };
}
