// What the screens offer, from the caller's role (README "Permissions", defaults in
// apps/rbac/src/permissions/role-defaults.ts). The server decides; this only hides what it
// would refuse.
import type { Conversation, Role } from './types';

export type Permission =
  | 'messages.send'
  | 'messages.deleteAny'
  | 'participants.invite'
  | 'participants.remove'
  | 'participants.setRole'
  | 'conversation.update'
  | 'conversation.archive'
  | 'conversation.delete';

const MEMBER: Permission[] = ['messages.send'];
const MODERATOR: Permission[] = [
  ...MEMBER,
  'participants.invite',
  'participants.remove',
  'messages.deleteAny',
];
const ADMIN: Permission[] = [
  ...MODERATOR,
  'conversation.update',
  'conversation.archive',
  'participants.setRole',
];
const OWNER: Permission[] = [...ADMIN, 'conversation.delete'];
const BY_ROLE: Record<Role, Permission[]> = {
  member: MEMBER,
  moderator: MODERATOR,
  admin: ADMIN,
  owner: OWNER,
};

export function permissionsOf(conversation: Conversation): Set<Permission> {
  const role = conversation.myRole;
  if (!role) return new Set();
  if (conversation.conversationType === 'direct') {
    return new Set<Permission>(['messages.send', 'conversation.update', 'conversation.archive']);
  }
  const granted = new Set(BY_ROLE[role]);
  if (
    conversation.conversationType === 'announcement' &&
    (role === 'member' || role === 'moderator')
  ) {
    granted.delete('messages.send');
  }
  if (conversation.isArchived) granted.delete('messages.send');
  return granted;
}

export function can(conversation: Conversation, permission: Permission): boolean {
  return permissionsOf(conversation).has(permission);
}
