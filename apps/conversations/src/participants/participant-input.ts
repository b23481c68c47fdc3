import { type ParticipantRole, Permissions } from '@jchat/contracts';
import { isArray, isJmapId, invalidProperty } from '@jchat/jmap';

export const PARTICIPANT_ROLES: readonly ParticipantRole[] = [
  'owner',
  'admin',
  'moderator',
  'member',
];
const KNOWN_PERMISSIONS: readonly string[] = Object.values(Permissions);
const MAX_DISPLAY_NAME_LENGTH = 100;

export function parseRole(value: unknown): ParticipantRole {
  const role = PARTICIPANT_ROLES.find((known) => known === value);
  if (!role) throw invalidProperty('role', `must be one of ${PARTICIPANT_ROLES.join(', ')}`);
  return role;
}

/** Known permission strings, distinct and sorted. */
export function parsePermissions(value: unknown): string[] {
  if (!isArray(value))
    throw invalidProperty('permissions', 'must be an array of permission strings');
  const unknown = value.filter(
    (item) => typeof item !== 'string' || !KNOWN_PERMISSIONS.includes(item),
  );
  if (unknown.length > 0) {
    throw invalidProperty(
      'permissions',
      `unknown permission(s): ${unknown.map((item) => JSON.stringify(item)).join(', ')}`,
    );
  }
  return [...new Set(value as string[])].sort();
}

export function parseDisplayName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length < 1 || name.length > MAX_DISPLAY_NAME_LENGTH) {
    throw invalidProperty('displayName', `must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`);
  }
  return name;
}

export function parseIdOrNull(value: unknown, property: string): string | null {
  if (value === null) return null;
  if (!isJmapId(value)) throw invalidProperty(property, 'must be an Id or null');
  return value;
}
