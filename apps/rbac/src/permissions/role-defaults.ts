import { type ConversationType, type ParticipantRole, Permissions } from '@jchat/contracts';

export type Permission = (typeof Permissions)[keyof typeof Permissions];

/** Every permission string the server knows; anything else is an invalid property. */
export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permissions);

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (ALL_PERMISSIONS as readonly string[]).includes(value);
}

/** Highest first. */
export const PARTICIPANT_ROLES: readonly ParticipantRole[] = [
  'owner',
  'admin',
  'moderator',
  'member',
];

const MEMBER: readonly Permission[] = [Permissions.messagesSend];
const MODERATOR: readonly Permission[] = [
  ...MEMBER,
  Permissions.participantsInvite,
  Permissions.participantsRemove,
  Permissions.messagesDeleteAny,
];
const ADMIN: readonly Permission[] = [
  ...MODERATOR,
  Permissions.conversationUpdate,
  Permissions.conversationArchive,
  Permissions.participantsSetRole,
  Permissions.rolesManage,
];
const OWNER: readonly Permission[] = [...ADMIN, Permissions.conversationDelete];

const BY_ROLE: Readonly<Record<ParticipantRole, readonly Permission[]>> = {
  owner: OWNER,
  admin: ADMIN,
  moderator: MODERATOR,
  member: MEMBER,
};

/** In a direct conversation both people are equals, and nobody can be added or removed. */
const DIRECT: readonly Permission[] = [
  Permissions.messagesSend,
  Permissions.conversationUpdate,
  Permissions.conversationArchive,
];

/** In an announcement conversation only owners and admins post (others need a grant). */
const ANNOUNCEMENT_POSTERS: ReadonlySet<ParticipantRole> = new Set(['owner', 'admin']);

/** What an archived conversation still allows: unarchiving, deleting and moderating its history. */
export const ARCHIVED_PERMISSIONS: ReadonlySet<string> = new Set<Permission>([
  Permissions.conversationArchive,
  Permissions.conversationDelete,
  Permissions.messagesDeleteAny,
]);

/**
 * The one table of participant-role defaults: what a participant's role gives them in a
 * conversation of the given type.
 */
export function roleDefaultPermissions(
  role: ParticipantRole,
  conversationType: ConversationType,
): readonly Permission[] {
  switch (conversationType) {
    case 'direct':
      return DIRECT;
    case 'announcement':
      return ANNOUNCEMENT_POSTERS.has(role)
        ? BY_ROLE[role]
        : BY_ROLE[role].filter((permission) => permission !== Permissions.messagesSend);
    case 'group':
    case 'channel':
      return BY_ROLE[role];
  }
}
