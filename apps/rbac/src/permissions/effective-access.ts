import type {
  ConversationAccess,
  ConversationType,
  ParticipantRole,
  PrivacyLevel,
} from '@jchat/contracts';
import { ARCHIVED_PERMISSIONS, PARTICIPANT_ROLES, roleDefaultPermissions } from './role-defaults';

/** Everything an access answer depends on, as read from the database. */
export interface AccessFacts {
  /** Null when there is no such conversation or it was destroyed. */
  conversation: {
    conversationType: ConversationType;
    privacyLevel: PrivacyLevel;
    isArchived: boolean;
  } | null;
  /** The user's participant row in it, if any (active or not). */
  participant: { role: ParticipantRole; isActive: boolean; permissions: string[] } | null;
  /** Permission lists of the user's system roles (including the implicit `user` role). */
  systemRolePermissions: string[][];
  /** Permission lists of the roles granted to the user in this conversation. */
  conversationRolePermissions: string[][];
}

export const NO_ACCESS: ConversationAccess = {
  exists: false,
  visible: false,
  isMember: false,
  role: null,
  conversationType: null,
  privacyLevel: null,
  isArchived: false,
  permissions: [],
  assignableRoles: [],
};

/**
 * A user's access to one conversation. Effective permissions are the union of their system
 * roles, their participant role's defaults, their conversation-role grants and the participant's
 * own permissions; the last three only while they are an active member. Nobody may act on a
 * conversation they cannot see, and an archived one keeps only ARCHIVED_PERMISSIONS.
 */
export function effectiveAccess(facts: AccessFacts): ConversationAccess {
  const { conversation, participant } = facts;
  if (!conversation) return NO_ACCESS;
  const isMember = participant?.isActive === true;
  const visible = isMember || conversation.privacyLevel !== 'private';
  const base = {
    exists: true,
    visible,
    isMember,
    role: isMember && participant ? participant.role : null,
    conversationType: conversation.conversationType,
    privacyLevel: conversation.privacyLevel,
    isArchived: conversation.isArchived,
  };
  if (!visible) return { ...base, permissions: [], assignableRoles: [] };

  const lists: (readonly string[])[] = [...facts.systemRolePermissions];
  if (isMember && participant) {
    lists.push(
      roleDefaultPermissions(participant.role, conversation.conversationType),
      ...facts.conversationRolePermissions,
      participant.permissions,
    );
  }
  let permissions = unionOf(lists);
  if (conversation.isArchived) permissions = permissions.filter((p) => ARCHIVED_PERMISSIONS.has(p));
  return {
    ...base,
    permissions,
    assignableRoles: assignableRoles(permissions, conversation.conversationType),
  };
}

/** The sorted union of permission lists. */
export function unionOf(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort();
}

/** The participant roles whose defaults all lie within `permissions`. */
export function assignableRoles(
  permissions: readonly string[],
  conversationType: ConversationType,
): ParticipantRole[] {
  const held = new Set(permissions);
  return PARTICIPANT_ROLES.filter((role) =>
    roleDefaultPermissions(role, conversationType).every((p) => held.has(p)),
  );
}
