import { CHAT_LIMITS, type ConversationType, type PrivacyLevel } from '@jchat/contracts';
import { isArray, isJmapId, isPlainObject, invalidProperty, onlyProperties } from '@jchat/jmap';

export const CONVERSATION_TYPES: readonly ConversationType[] = [
  'direct',
  'group',
  'channel',
  'announcement',
];
export const PRIVACY_LEVELS: readonly PrivacyLevel[] = ['private', 'public', 'restricted'];
/** Serialized size limit of `settings` and `metadata`. */
export const MAX_JSON_BYTES = 16 * 1024;

export type JsonObject = Record<string, unknown>;

export interface NewConversation {
  title: string | null;
  description: string | null;
  conversationType: ConversationType;
  privacyLevel: PrivacyLevel;
  /** The other users to add as members (never the creator). */
  participantIds: string[];
  settings: JsonObject;
  metadata: JsonObject;
  isMuted: boolean;
}

const CREATABLE = [
  'title',
  'description',
  'conversationType',
  'privacyLevel',
  'participantIds',
  'settings',
  'metadata',
  'isMuted',
] as const;

/** Validates a Conversation/set create; the creator becomes the owner. */
export function parseNewConversation(
  object: Record<string, unknown>,
  creatorId: string,
): NewConversation {
  onlyProperties(object, CREATABLE, 'set by the server or not a Conversation property');
  const conversationType = parseConversationType(object['conversationType']);
  const privacyLevel =
    object['privacyLevel'] === undefined ? 'private' : parsePrivacyLevel(object['privacyLevel']);
  const participantIds = parseUserIds(object['participantIds'] ?? [], 'participantIds').filter(
    (id) => id !== creatorId,
  );
  if (conversationType === 'direct') {
    if (privacyLevel !== 'private')
      throw invalidProperty('privacyLevel', 'a direct conversation is private');
    if (participantIds.length !== 1) {
      throw invalidProperty(
        'participantIds',
        'a direct conversation has exactly two participants: name the other one',
      );
    }
  }
  if (participantIds.length + 1 > CHAT_LIMITS.maxParticipantsPerConversation) {
    throw invalidProperty(
      'participantIds',
      `at most ${CHAT_LIMITS.maxParticipantsPerConversation} participants`,
    );
  }
  return {
    title: parseTitle(object['title'] ?? null),
    description: parseDescription(object['description'] ?? null),
    conversationType,
    privacyLevel,
    participantIds,
    settings: parseJsonObject(object['settings'] ?? {}, 'settings'),
    metadata: parseJsonObject(object['metadata'] ?? {}, 'metadata'),
    isMuted: parseBoolean(object['isMuted'] ?? false, 'isMuted'),
  };
}

export function parseConversationType(value: unknown): ConversationType {
  const found = CONVERSATION_TYPES.find((type) => type === value);
  if (!found)
    throw invalidProperty('conversationType', `must be one of ${CONVERSATION_TYPES.join(', ')}`);
  return found;
}

export function parsePrivacyLevel(value: unknown): PrivacyLevel {
  const found = PRIVACY_LEVELS.find((level) => level === value);
  if (!found) throw invalidProperty('privacyLevel', `must be one of ${PRIVACY_LEVELS.join(', ')}`);
  return found;
}

export function parseTitle(value: unknown): string | null {
  return parseText(value, 'title', CHAT_LIMITS.maxTitleLength);
}

export function parseDescription(value: unknown): string | null {
  return parseText(value, 'description', CHAT_LIMITS.maxDescriptionLength);
}

function parseText(value: unknown, property: string, maxLength: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw invalidProperty(property, `must be null or a string of at most ${maxLength} characters`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function parseJsonObject(value: unknown, property: string): JsonObject {
  if (!isPlainObject(value)) throw invalidProperty(property, 'must be an object');
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_JSON_BYTES) {
    throw invalidProperty(property, `must serialize to at most ${MAX_JSON_BYTES} bytes`);
  }
  return value;
}

export function parseBoolean(value: unknown, property: string): boolean {
  if (typeof value !== 'boolean') throw invalidProperty(property, 'must be a boolean');
  return value;
}

/** Distinct user ids in first-seen order. */
export function parseUserIds(value: unknown, property: string): string[] {
  if (!isArray(value) || !value.every(isJmapId))
    throw invalidProperty(property, 'must be an array of user Ids');
  return [...new Set(value)];
}

/** The canonical key of the pair of a direct conversation: "<lower id>:<higher id>". */
export function directKey(userA: string, userB: string): string {
  return userA < userB ? `${userA}:${userB}` : `${userB}:${userA}`;
}
