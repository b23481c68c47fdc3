import { isUuid } from '@jchat/common';
import { CHAT_LIMITS } from '@jchat/contracts';
import { isPlainObject, SetErrorException } from '@jchat/jmap';

export type BodyType = (typeof CHAT_LIMITS.bodyTypes)[number];

/** Size of a message's metadata, as JSON. */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 200;
export const MAX_ATTACHMENT_NAME_LENGTH = 255;
export const MAX_REACTION_LENGTH = 64;
/** Distinct reactions one message may carry. */
export const MAX_REACTIONS_PER_MESSAGE = 50;

export interface AttachmentInput {
  blobId: string;
  type: string;
  name: string;
  /** As the client stated it; checked against the blob. */
  size: number | null;
}

export interface NewMessageInput {
  conversationId: string;
  body: string;
  bodyType: BodyType;
  replyToMessageId: string | null;
  attachments: AttachmentInput[];
  metadata: Record<string, unknown>;
  clientMessageId: string | null;
  proposedSentAt: Date | null;
}

export interface ReactionChange {
  emoji: string;
  userId: string;
  /** true: add the caller's reaction; false: take it back. */
  add: boolean;
}

export interface MessagePatch {
  edit: { body: string | undefined; bodyType: BodyType | undefined } | null;
  reactions: ReactionChange[];
}

const CREATABLE = new Set([
  'conversationId',
  'body',
  'bodyType',
  'replyToMessageId',
  'attachments',
  'metadata',
  'sentAt',
]);

function invalid(properties: string[], description: string): SetErrorException {
  return new SetErrorException({ type: 'invalidProperties', properties, description });
}

function tooLarge(properties: string[], description: string): SetErrorException {
  return new SetErrorException({ type: 'tooLarge', properties, description });
}

export function isBodyType(value: unknown): value is BodyType {
  return typeof value === 'string' && (CHAT_LIMITS.bodyTypes as readonly string[]).includes(value);
}

export function checkBody(body: unknown, property = 'body'): string {
  if (typeof body !== 'string') throw invalid([property], 'must be a String');
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > CHAT_LIMITS.maxBodyBytes) {
    throw tooLarge(
      [property],
      `${bytes} bytes; the maximum is maxBodyBytes = ${CHAT_LIMITS.maxBodyBytes}`,
    );
  }
  return body;
}

/** Validates a Message/set create (a send). Throws SetErrorException naming the properties. */
export function parseNewMessage(object: Record<string, unknown>): NewMessageInput {
  const unknown = Object.keys(object).filter((key) => !CREATABLE.has(key));
  if (unknown.length > 0) throw invalid(unknown, 'set by the server or unknown');

  const conversationId = object['conversationId'];
  if (typeof conversationId !== 'string' || !isUuid(conversationId)) {
    throw invalid(['conversationId'], 'must be the id of a conversation');
  }
  const bodyType = object['bodyType'] ?? 'text/plain';
  if (!isBodyType(bodyType))
    throw invalid(['bodyType'], `must be one of ${CHAT_LIMITS.bodyTypes.join(', ')}`);
  const body = checkBody(object['body'] ?? '');

  const replyTo = object['replyToMessageId'] ?? null;
  if (replyTo !== null && (typeof replyTo !== 'string' || !isUuid(replyTo))) {
    throw invalid(['replyToMessageId'], 'must be the id of a message or null');
  }

  const attachments = parseAttachments(object['attachments'] ?? []);
  if (body.trim() === '' && attachments.length === 0) {
    throw invalid(['body'], 'a message needs a body or an attachment');
  }

  const metadata = object['metadata'] ?? {};
  if (!isPlainObject(metadata)) throw invalid(['metadata'], 'must be an object');
  const metadataBytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw tooLarge(
      ['metadata'],
      `${metadataBytes} bytes of JSON; the maximum is ${MAX_METADATA_BYTES}`,
    );
  }
  const clientMessageId = metadata['clientMessageId'] ?? null;
  if (
    clientMessageId !== null &&
    (typeof clientMessageId !== 'string' ||
      clientMessageId.length === 0 ||
      clientMessageId.length > MAX_CLIENT_MESSAGE_ID_LENGTH)
  ) {
    throw invalid(
      ['metadata'],
      `clientMessageId must be a String of 1 to ${MAX_CLIENT_MESSAGE_ID_LENGTH} characters`,
    );
  }

  const sentAt = object['sentAt'] ?? null;
  let proposedSentAt: Date | null = null;
  if (sentAt !== null) {
    proposedSentAt = typeof sentAt === 'string' ? parseUtcDate(sentAt) : null;
    if (!proposedSentAt) throw invalid(['sentAt'], 'must be a UTCDate');
  }

  return {
    conversationId,
    body,
    bodyType,
    replyToMessageId: replyTo,
    attachments,
    metadata,
    clientMessageId,
    proposedSentAt,
  };
}

function parseAttachments(value: unknown): AttachmentInput[] {
  if (!Array.isArray(value)) throw invalid(['attachments'], 'must be an array');
  if (value.length > CHAT_LIMITS.maxAttachmentsPerMessage) {
    throw tooLarge(
      ['attachments'],
      `${value.length} attachments; the maximum is maxAttachmentsPerMessage = ${CHAT_LIMITS.maxAttachmentsPerMessage}`,
    );
  }
  return value.map((item: unknown, index): AttachmentInput => {
    const where = `attachments/${index}`;
    if (!isPlainObject(item)) throw invalid(['attachments'], `${where} must be an object`);
    const extra = Object.keys(item).filter(
      (key) => !['blobId', 'type', 'name', 'size'].includes(key),
    );
    if (extra.length > 0)
      throw invalid(['attachments'], `${where}: unknown property "${extra[0]}"`);
    const { blobId, type, name, size } = item;
    if (typeof blobId !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(blobId)) {
      throw invalid(['attachments'], `${where}/blobId must be a blob id`);
    }
    if (
      typeof type !== 'string' ||
      !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(type) ||
      type.length > 255
    ) {
      throw invalid(['attachments'], `${where}/type must be a media type`);
    }
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > MAX_ATTACHMENT_NAME_LENGTH ||
      hasControlCharacter(name) ||
      /[/\\]/.test(name)
    ) {
      throw invalid(
        ['attachments'],
        `${where}/name must be a file name of 1 to ${MAX_ATTACHMENT_NAME_LENGTH} characters`,
      );
    }
    if (
      size !== undefined &&
      size !== null &&
      (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    ) {
      throw invalid(['attachments'], `${where}/size must be a non-negative integer`);
    }
    return { blobId, type, name, size: typeof size === 'number' ? size : null };
  });
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** RFC 8620 UTCDate: "2014-10-30T06:12:00Z" (fractional seconds allowed). */
export function parseUtcDate(value: string): Date | null {
  const parts = UTC_DATE.exec(value);
  if (!parts) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  // A date that exists, as written: JavaScript rolls 30 February over into March, and takes
  // the year 0000, which PostgreSQL refuses ("date/time field value out of range").
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const exact =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exact ? date : null;
}

const UTC_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** Splits a PatchObject key into JSON Pointer tokens (no leading "/"). */
function pointerTokens(key: string): string[] {
  return key.split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Sorts a Message/set update into an edit (body, bodyType) and reaction changes. A client may
 * patch only its own reaction entries: `reactions/<emoji>/<callerId>` set to true or null;
 * anything else under `reactions` is forbidden.
 */
export function parseMessagePatch(patch: Record<string, unknown>, callerId: string): MessagePatch {
  let body: string | undefined;
  let bodyType: BodyType | undefined;
  const reactions: ReactionChange[] = [];
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'body') {
      body = checkBody(value);
    } else if (key === 'bodyType') {
      if (!isBodyType(value))
        throw invalid(['bodyType'], `must be one of ${CHAT_LIMITS.bodyTypes.join(', ')}`);
      bodyType = value;
    } else if (key === 'reactions' || key.startsWith('reactions/')) {
      const tokens = pointerTokens(key).slice(1);
      if (tokens.length !== 2) {
        throw new SetErrorException({
          type: 'forbidden',
          description: 'patch only your own reactions: "reactions/<emoji>/<yourUserId>"',
        });
      }
      const [emoji, userId] = tokens as [string, string];
      if (userId !== callerId) {
        throw new SetErrorException({
          type: 'forbidden',
          description: 'you may only add or remove your own reactions',
        });
      }
      if (
        emoji.length === 0 ||
        emoji.length > MAX_REACTION_LENGTH ||
        hasControlCharacter(emoji) ||
        /\s/.test(emoji)
      ) {
        throw invalid(
          ['reactions'],
          `a reaction is 1 to ${MAX_REACTION_LENGTH} characters without spaces`,
        );
      }
      if (value !== true && value !== null)
        throw invalid(['reactions'], `"${key}" must be true or null`);
      reactions.push({ emoji, userId, add: value === true });
    } else {
      readOnly.push(key.split('/')[0] ?? key);
    }
  }
  if (readOnly.length > 0) {
    throw invalid(
      [...new Set(readOnly)],
      'only body, bodyType and your own reactions can be changed',
    );
  }
  const edit = body === undefined && bodyType === undefined ? null : { body, bodyType };
  return { edit, reactions };
}

export type Reactions = Record<string, Record<string, true>>;

/** A reaction map after the changes (emoji → userId → true); empty emoji entries disappear. */
export function applyReactionChanges(
  current: Reactions,
  changes: readonly ReactionChange[],
): Reactions {
  // Maps, because an emoji key may be "__proto__", which plain assignment would not store.
  const next = new Map(
    Object.entries(current).map(([emoji, users]) => [emoji, new Set(Object.keys(users))]),
  );
  for (const change of changes) {
    const users = next.get(change.emoji) ?? new Set<string>();
    if (change.add) users.add(change.userId);
    else users.delete(change.userId);
    if (users.size === 0) next.delete(change.emoji);
    else next.set(change.emoji, users);
  }
  const count = Object.keys(current).length;
  if (next.size > MAX_REACTIONS_PER_MESSAGE && next.size > count) {
    throw tooLarge(
      ['reactions'],
      `a message carries at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`,
    );
  }
  return toReactions(next);
}

/** The stored reactions column, read defensively. */
export function reactionsOf(value: unknown): Reactions {
  if (!isPlainObject(value)) return {};
  const map = new Map<string, Set<string>>();
  for (const [emoji, users] of Object.entries(value)) {
    if (!isPlainObject(users)) continue;
    const ids = Object.keys(users).filter((id) => users[id] === true);
    if (ids.length > 0) map.set(emoji, new Set(ids));
  }
  return toReactions(map);
}

function toReactions(map: ReadonlyMap<string, ReadonlySet<string>>): Reactions {
  return Object.fromEntries(
    [...map].map(([emoji, users]) => [
      emoji,
      Object.fromEntries([...users].sort().map((id) => [id, true as const])),
    ]),
  );
}
