import type { Message, Prisma } from '@jchat/db';

/** A `messages` row as PostgreSQL's to_jsonb writes it. */
export interface StoredMessageJson {
  id: string;
  conversation_id: string;
  sender_id: string;
  body: string;
  body_type: string;
  sent_at: string;
  received_at: string;
  edited_at: string | null;
  is_deleted: boolean;
  is_system_message: boolean;
  reply_to_message_id: string | null;
  attachments: Prisma.JsonValue;
  reactions: Prisma.JsonValue;
  delivery_status: string;
  read_by: string[];
  metadata: Prisma.JsonValue;
  seq: number | string;
  client_message_id: string | null;
  modseq: number | string;
  created_modseq: number | string;
}

/** The Prisma Message of a row written by to_jsonb. */
export function messageOf(row: StoredMessageJson): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    body: row.body,
    bodyType: row.body_type,
    sentAt: new Date(row.sent_at),
    receivedAt: new Date(row.received_at),
    editedAt: row.edited_at === null ? null : new Date(row.edited_at),
    isDeleted: row.is_deleted,
    isSystemMessage: row.is_system_message,
    replyToMessageId: row.reply_to_message_id,
    attachments: row.attachments ?? [],
    reactions: row.reactions ?? {},
    deliveryStatus: row.delivery_status,
    readBy: row.read_by,
    metadata: row.metadata ?? {},
    seq: BigInt(row.seq),
    clientMessageId: row.client_message_id,
    modseq: BigInt(row.modseq),
    createdModseq: BigInt(row.created_modseq),
  };
}
