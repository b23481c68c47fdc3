import { busPrefix } from './contract';

/**
 * Events that must not be lost travel on JetStream. One stream per deployment
 * (named after JCHAT_PREFIX) holds every `<prefix>.events.>` subject.
 */
export function eventStreamName(): string {
  return `${busPrefix()}-events`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export interface EventContract<T> {
  readonly subject: string;
  readonly types?: { event: T };
}

function event<T>(subject: string): EventContract<T> {
  return { subject };
}

export function eventSubjectOf(e: EventContract<unknown>): string {
  return `${busPrefix()}.events.${e.subject}`;
}

/** JMAP data types whose state can change. */
export const JMAP_DATA_TYPES = [
  'User',
  'Conversation',
  'Participant',
  'Message',
  'Presence',
  'Role',
  'UserRole',
  'ConversationRole',
] as const;
export type JmapDataType = (typeof JMAP_DATA_TYPES)[number];

/**
 * A message as `Message/get` returns it to every member of its conversation but its sender, and
 * what the sender sees differently (their `deliveryStatus`).
 */
export interface PushedMessage {
  view: Record<string, unknown>;
  senderId: string;
  forSender: Record<string, unknown>;
}

/**
 * Something visible to the members of a conversation (and/or named accounts)
 * changed. Written once per change by the writer, never once per member: the
 * push fan-out resolves the audience.
 */
export interface StateChangedEvent {
  /** The conversation whose members can see the change; null for account-only changes. */
  conversationId: string | null;
  types: JmapDataType[];
  /** Accounts to notify besides the members (e.g. a user who was just removed). */
  extraAccountIds: string[];
  /**
   * Set when the change is one message (created/edited/deleted) that is not in `messages`: a
   * client asking for inline MessagePush objects gets it fetched for its account.
   */
  messageId: string | null;
  /**
   * New messages, read once by the writer and carried to every connection (no fetch per
   * recipient). Absent on other changes, and for messages too large to travel in an event.
   */
  messages?: PushedMessage[];
  /**
   * The sync state read by the writer after its write committed (the fan-out reads it itself
   * when absent): every PostgreSQL-backed type's state, as `Foo/get` would return it then.
   */
  state?: string;
  /** ISO time of the write. */
  at: string;
}

/**
 * Membership or grants changed: permission caches for these pairs must be dropped. A null
 * conversationId means "in every conversation"; empty userIds means "every user" (both: everything).
 */
export interface AccessChangedEvent {
  conversationId: string | null;
  userIds: string[];
}

/**
 * These sessions ended (logout, revocation, a reused refresh token, the user deactivated):
 * gateways drop what they remember of them at once (see the gateway's SessionLivenessService).
 */
export interface SessionsRevokedEvent {
  sessionIds: string[];
}

export const Events = {
  stateChanged: event<StateChangedEvent>('state.changed.v1'),
  accessChanged: event<AccessChangedEvent>('access.changed.v1'),
  sessionsRevoked: event<SessionsRevokedEvent>('sessions.revoked.v1'),
} as const;
