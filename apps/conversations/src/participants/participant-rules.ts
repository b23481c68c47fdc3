import {
  CHAT_LIMITS,
  type ConversationAccess,
  type ParticipantRole,
  Permissions,
} from '@jchat/contracts';
import { requireHolding, requirePermission, requireVisible } from '../access/access-rules';
import { SetErrorException, forbidden, invalidProperty } from '@jchat/jmap';

/**
 * The membership rules, as pure checks over rbac's answer for the actor. Each throws the
 * per-object SetError to report.
 */

function requireNotDirect(access: ConversationAccess, what: string): void {
  if (access.conversationType === 'direct')
    throw forbidden(`${what}: a direct conversation has exactly two participants`);
}

/**
 * Joining (actor = user) or inviting (actor ≠ user). Public conversations take anyone; restricted
 * ones need an invitation from someone allowed to invite (participants.invite); private ones are
 * invisible to non-members. A role above member or own permissions need participants.setRole and
 * holding them; ownership is only handed on by updating an existing participant.
 */
export function checkAddition(
  access: ConversationAccess,
  actorId: string,
  userId: string,
  role: ParticipantRole,
  permissions: readonly string[],
): void {
  requireVisible(access);
  requireNotDirect(access, 'nobody joins');
  if (access.isArchived) throw forbidden('the conversation is archived');
  const mayInvite = access.permissions.includes(Permissions.participantsInvite);
  if (actorId === userId) {
    if (access.privacyLevel === 'restricted' && !mayInvite) {
      throw forbidden('joining a restricted conversation needs an invitation');
    }
  } else if (!mayInvite) {
    throw forbidden(`inviting needs ${Permissions.participantsInvite}`);
  }
  if (role === 'owner')
    throw invalidProperty('role', 'ownership is handed on by updating an existing participant');
  if (role !== 'member') {
    requirePermission(access, Permissions.participantsSetRole);
    if (!access.assignableRoles.includes(role))
      throw forbidden(`nobody grants what they do not hold: role ${role}`);
  }
  if (permissions.length > 0) {
    requirePermission(access, Permissions.participantsSetRole);
    requireHolding(access, permissions);
  }
}

/**
 * Changing a participant's role needs participants.setRole and holding both the old and the new
 * role's defaults. The owner is never demoted directly: making another participant the owner
 * hands ownership on, and only the owner does that (holding what an owner holds is not enough:
 * nobody takes ownership without the owner's consent).
 */
export function checkRoleChange(
  access: ConversationAccess,
  current: ParticipantRole,
  next: ParticipantRole,
): void {
  if (current === next) return;
  requireNotDirect(access, 'roles do not change');
  requirePermission(access, Permissions.participantsSetRole);
  if (current === 'owner') {
    throw forbidden('the owner hands ownership on by making another participant the owner');
  }
  if (next === 'owner' && access.role !== 'owner')
    throw forbidden('only the owner hands ownership on');
  const missing = [current, next].filter((role) => !access.assignableRoles.includes(role));
  if (missing.length > 0)
    throw forbidden(`nobody grants what they do not hold: role ${missing.join(', ')}`);
}

/** Adding one more member to a conversation of `activeMembers`: at most maxParticipantsPerConversation. */
export function checkCapacity(activeMembers: number): void {
  if (activeMembers >= CHAT_LIMITS.maxParticipantsPerConversation) {
    throw new SetErrorException({
      type: 'overQuota',
      description: `at most ${CHAT_LIMITS.maxParticipantsPerConversation} participants`,
    });
  }
}

/** Changing a participant's own permissions needs participants.setRole and holding each one added or removed. */
export function checkPermissionsChange(
  access: ConversationAccess,
  current: readonly string[],
  next: readonly string[],
): void {
  const changed = [
    ...next.filter((p) => !current.includes(p)),
    ...current.filter((p) => !next.includes(p)),
  ];
  if (changed.length === 0) return;
  requirePermission(access, Permissions.participantsSetRole);
  requireHolding(access, changed);
}

/**
 * Leaving is always allowed, except for the owner while others remain (hand ownership on first).
 * Removing someone else needs participants.remove and holding their role; the owner cannot be
 * removed.
 */
export function checkRemoval(
  access: ConversationAccess,
  actorId: string,
  target: { userId: string; role: ParticipantRole },
  activeMembers: number,
): void {
  requireNotDirect(access, 'nobody leaves or is removed');
  if (actorId === target.userId) {
    if (target.role === 'owner' && activeMembers > 1)
      throw forbidden('the owner leaves after handing ownership on');
    return;
  }
  if (target.role === 'owner') throw forbidden('the owner cannot be removed');
  requirePermission(access, Permissions.participantsRemove);
  if (!access.assignableRoles.includes(target.role)) {
    throw forbidden(`nobody removes a ${target.role} without holding that role`);
  }
}

/** Read position, mute, name, avatar and metadata belong to the participant alone. */
export function checkOwnChange(actorId: string, targetUserId: string, property: string): void {
  if (actorId !== targetUserId)
    throw forbidden(`only the participant changes their own ${property}`);
}
