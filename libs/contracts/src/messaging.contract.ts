import { contract } from './contract';

export type SystemMessageKind =
  | 'conversation.created'
  | 'participant.joined'
  | 'participant.invited'
  | 'participant.left'
  | 'participant.removed'
  | 'participant.roleChanged'
  | 'conversation.updated'
  | 'conversation.archived'
  | 'conversation.unarchived';

export interface PostSystemMessageRequest {
  conversationId: string;
  /** The user whose action this records. */
  actorId: string;
  kind: SystemMessageKind;
  /** Human-readable body, e.g. "Ann added Bob". */
  body: string;
  /** Structured details (targetUserId, role, ...), stored in the message metadata. */
  details: Record<string, unknown>;
  /** Makes a retried post return the first message (stored as the clientMessageId). */
  idempotencyKey: string;
}
export interface PostSystemMessageReply {
  messageId: string;
}

export const MessagingSubjects = {
  postSystemMessage: contract<PostSystemMessageRequest, PostSystemMessageReply>('messaging.system-message.post.v1'),
} as const;
