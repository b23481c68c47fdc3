import { type ConversationAccess, Permissions } from '@jchat/contracts';

/**
 * What messaging lets a user do in a conversation, from rbac's answer. Members read; outsiders
 * read only public conversations (a preview before joining). Writing needs membership, and
 * posting needs `messages.send` (rbac leaves it out in announcement conversations for plain
 * members, and in archived ones for everybody).
 */
export function canRead(access: ConversationAccess): boolean {
  return access.exists && access.visible && (access.isMember || access.privacyLevel === 'public');
}

export function canSend(access: ConversationAccess): boolean {
  return access.exists && access.isMember && access.permissions.includes(Permissions.messagesSend);
}

/** Edit one's own message, react, move one's read position. */
export function canParticipate(access: ConversationAccess): boolean {
  return access.exists && access.isMember && !access.isArchived;
}

export function canDeleteAny(access: ConversationAccess): boolean {
  return (
    access.exists && access.visible && access.permissions.includes(Permissions.messagesDeleteAny)
  );
}
