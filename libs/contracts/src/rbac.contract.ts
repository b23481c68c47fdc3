import { contract } from './contract';
import { ConversationAccessDto, InvalidateAccessDto, SystemPermissionsDto } from './dto/rbac.dto';
import type { AccessChangedEvent } from './events.contract';

export interface SystemPermissionsRequest {
  userId: string;
}
export interface SystemPermissionsReply {
  /** The union of the permissions of the user's system-wide roles. */
  permissions: string[];
}

export const RbacSubjects = {
  systemPermissions: contract<SystemPermissionsRequest, SystemPermissionsReply>(
    'rbac.permissions.system.v1',
    SystemPermissionsDto,
  ),
  conversationAccess: contract<ConversationAccessRequest, ConversationAccess>(
    'rbac.access.conversation.v1',
    ConversationAccessDto,
  ),
  /**
   * Drops cached access answers at once (same meaning as Events.accessChanged, which the writer
   * also publishes): a writer calls it after its commit so the next check never sees the old answer.
   */
  invalidateAccess: contract<AccessChangedEvent, InvalidateAccessReply>(
    'rbac.access.invalidate.v1',
    InvalidateAccessDto,
  ),
} as const;

export interface InvalidateAccessReply {
  ok: true;
}

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
export type ConversationType = 'direct' | 'group' | 'channel' | 'announcement';
export type PrivacyLevel = 'private' | 'public' | 'restricted';

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
  conversationType: ConversationType | null;
  privacyLevel: PrivacyLevel | null;
  isArchived: boolean;
  /** Effective permissions: system roles ∪ role defaults ∪ conversation grants ∪ participant's own. */
  permissions: string[];
  /**
   * Participant roles whose default permissions all lie within `permissions`: the roles this user
   * may give, take away or remove (with participants.setRole / participants.remove). Nobody
   * grants what they do not hold.
   */
  assignableRoles: ParticipantRole[];
}
