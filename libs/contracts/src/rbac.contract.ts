import { contract } from './contract';

export interface SystemPermissionsRequest {
  userId: string;
}
export interface SystemPermissionsReply {
  /** The union of the permissions of the user's system-wide roles. */
  permissions: string[];
}

export const RbacSubjects = {
  systemPermissions: contract<SystemPermissionsRequest, SystemPermissionsReply>('rbac.permissions.system.v1'),
  conversationAccess: contract<ConversationAccessRequest, ConversationAccess>('rbac.access.conversation.v1'),
} as const;

/** Permission strings understood across services. */
export const Permissions = {
  conversationUpdate: 'conversation.update',
  conversationArchive: 'conversation.archive',
  conversationDelete: 'conversation.delete',
  participantsInvite: 'participants.invite',
  participantsRemove: 'participants.remove',
  participantsSetRole: 'participants.setRole',
  messagesSend: 'messages.send',
  messagesDeleteAny: 'messages.deleteAny',
  rolesManage: 'roles.manage',
  usersManage: 'users.manage',
} as const;

export type ParticipantRole = 'owner' | 'admin' | 'moderator' | 'member';

export interface ConversationAccessRequest {
  userId: string;
  conversationId: string;
}

/** What a user may see and do in one conversation. Callers cache it; AccessChangedEvent invalidates. */
export interface ConversationAccess {
  exists: boolean;
  /** May the user see the conversation at all (member, or listed public/restricted)? */
  visible: boolean;
  isMember: boolean;
  role: ParticipantRole | null;
  conversationType: 'direct' | 'group' | 'channel' | 'announcement' | null;
  privacyLevel: 'private' | 'public' | 'restricted' | null;
  isArchived: boolean;
  /** Effective permissions: system roles ∪ role defaults ∪ conversation grants ∪ participant's own. */
  permissions: string[];
}
