import { isUuid } from '@jchat/common';

// Grants have composite keys; their JMAP ids join the parts with "_" (never part of a UUID).
// The SQL of the repositories builds the same strings for ordering /changes.

export function userRoleId(userId: string, roleId: string): string {
  return `${userId}_${roleId}`;
}

export function parseUserRoleId(id: string): { userId: string; roleId: string } | null {
  const [userId, roleId, ...rest] = id.split('_');
  return rest.length === 0 && isUuid(userId) && isUuid(roleId) ? { userId, roleId } : null;
}

export function conversationRoleId(conversationId: string, userId: string, roleId: string): string {
  return `${conversationId}_${userId}_${roleId}`;
}

export function parseConversationRoleId(
  id: string,
): { conversationId: string; userId: string; roleId: string } | null {
  const [conversationId, userId, roleId, ...rest] = id.split('_');
  return rest.length === 0 && isUuid(conversationId) && isUuid(userId) && isUuid(roleId)
    ? { conversationId, userId, roleId }
    : null;
}
