// The JMAP chat objects as the client reads them (README: Conversations, Messages).

export type ConversationType = 'direct' | 'group' | 'channel' | 'announcement';
export type PrivacyLevel = 'private' | 'public' | 'restricted';
export type Role = 'owner' | 'admin' | 'moderator' | 'member';

export interface Conversation {
  id: string;
  title: string | null;
  description: string | null;
  conversationType: ConversationType;
  privacyLevel: PrivacyLevel;
  isArchived: boolean;
  isMuted: boolean | null;
  participantIds: string[];
  lastMessageId: string | null;
  lastMessageAt: string | null;
  messageCount: number;
  unreadCount: number | null;
  myRole: Role | null | false | 0;
  createdAt: string;
}

export interface Attachment {
  blobId: string;
  type: string;
  name: string;
  size?: number;
}

export type BodyType = 'text/plain' | 'text/markdown' | 'text/html';

export interface Message {
  id: string;
  conversationId: string;
  senderId: string | null;
  body: string;
  bodyType: BodyType;
  sentAt: string;
  editedAt: string | null;
  isDeleted: boolean;
  isSystemMessage: boolean;
  replyToMessageId: string | null;
  attachments: Attachment[] | null;
  reactions: Record<string, Record<string, true>> | null;
  deliveryStatus: 'sent' | 'delivered' | 'read' | null;
  readBy: string[] | null;
  metadata: Record<string, unknown> | null;
  history?: { version: number; body: string; bodyType: BodyType; createdAt: string }[];
}

/** What the client asks of each message (`history` only when shown: it is not a default). */
export const MESSAGE_PROPERTIES = [
  'id',
  'conversationId',
  'senderId',
  'body',
  'bodyType',
  'sentAt',
  'editedAt',
  'isDeleted',
  'isSystemMessage',
  'replyToMessageId',
  'attachments',
  'reactions',
  'deliveryStatus',
  'readBy',
  'metadata',
];

/** A message of ours not yet acknowledged by the server. */
export interface PendingMessage {
  clientMessageId: string;
  conversationId: string;
  body: string;
  replyToMessageId: string | null;
  attachments: Attachment[];
  sentAt: string;
  status: 'sending' | 'failed';
}

export interface Participant {
  id: string;
  conversationId: string;
  userId: string;
  displayName: string | null;
  role: Role;
  isActive: boolean;
}

export interface User {
  id: string;
  displayName: string;
  email?: string;
}

export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';

export interface Presence {
  id: string;
  status: PresenceStatus;
  statusMessage: string | null;
  lastSeenAt: string | null;
}

export type ConnectionState = 'connecting' | 'online' | 'offline';
