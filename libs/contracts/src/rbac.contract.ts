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
