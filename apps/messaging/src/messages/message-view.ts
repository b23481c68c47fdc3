import type { Message, MessageVersion } from '@jchat/db';
import { toUtcDate, toUtcDateOrNull } from '@jchat/common';
import { isArray, isPlainObject } from '@jchat/jmap';
import { reactionsOf } from './message-input';
import { deliveryStatusOf, EMPTY_SUMMARY, type ReceiptSummary } from './receipts';

/** Message properties (RFC 8620 §5.1 `properties`). `history` is only returned when asked for. */
export const MESSAGE_PROPERTIES = [
  'id',
  'conversationId',
  'senderId',
  'body',
  'bodyType',
  'sentAt',
  'receivedAt',
  'editedAt',
  'isDeleted',
  'isSystemMessage',
  'replyToMessageId',
  'attachments',
  'reactions',
  'deliveryStatus',
  'readBy',
  'metadata',
  'history',
] as const;
export type MessageProperty = (typeof MESSAGE_PROPERTIES)[number];

export const DEFAULT_MESSAGE_PROPERTIES: readonly MessageProperty[] = MESSAGE_PROPERTIES.filter(
  (property) => property !== 'history',
);

export interface Attachment {
  blobId: string;
  type: string;
  name: string;
  size: number;
}

/** One earlier version of an edited message. */
export interface MessageVersionView {
  version: number;
  body: string;
  bodyType: string;
  /** When this version was written (sentAt for the first, then each edit's editedAt). */
  createdAt: string;
}

export interface ViewContext {
  viewerId: string;
  /** Aggregated receipts by message id (for readBy, deliveryStatus); absent = nobody. */
  receipts: ReadonlyMap<string, ReceiptSummary>;
  versions: readonly MessageVersion[];
}

export function attachmentsOf(value: unknown): Attachment[] {
  if (!isArray(value)) return [];
  return value.filter(isPlainObject).map((item) => ({
    blobId: String(item['blobId']),
    type: String(item['type']),
    name: String(item['name']),
    size: Number(item['size']),
  }));
}

/** The Message object as `viewerId` sees it, limited to `properties`. */
export function messageView(
  message: Message,
  context: ViewContext,
  properties: readonly string[],
): Record<string, unknown> {
  const wanted = new Set(properties);
  const view: Record<string, unknown> = { id: message.id };
  const put = (property: MessageProperty, value: () => unknown) => {
    if (wanted.has(property)) view[property] = value();
  };
  const receipts = context.receipts.get(message.id) ?? EMPTY_SUMMARY;
  put('conversationId', () => message.conversationId);
  put('senderId', () => message.senderId);
  put('body', () => message.body);
  put('bodyType', () => message.bodyType);
  put('sentAt', () => toUtcDate(message.sentAt));
  put('receivedAt', () => toUtcDate(message.receivedAt));
  put('editedAt', () => toUtcDateOrNull(message.editedAt));
  put('isDeleted', () => message.isDeleted);
  put('isSystemMessage', () => message.isSystemMessage);
  put('replyToMessageId', () => message.replyToMessageId);
  put('attachments', () => attachmentsOf(message.attachments));
  put('reactions', () => reactionsOf(message.reactions));
  // The sender's view of delivery; it says nothing to anyone else.
  put('deliveryStatus', () =>
    message.senderId === context.viewerId
      ? deliveryStatusOf(message.deliveryStatus, receipts)
      : null,
  );
  put('readBy', () => receipts.readBy);
  put('metadata', () => (isPlainObject(message.metadata) ? message.metadata : {}));
  put('history', () =>
    message.isDeleted
      ? []
      : context.versions
          .filter((version) => version.messageId === message.id)
          .sort((a, b) => a.version - b.version)
          .map(
            (version): MessageVersionView => ({
              version: version.version,
              body: version.body,
              bodyType: version.bodyType,
              createdAt: toUtcDate(version.createdAt),
            }),
          ),
  );
  return view;
}

/**
 * A message just stored, as `viewerId` sees it, without a read: nobody else has received or read
 * it yet, so readBy is empty and only its sender sees a deliveryStatus (the stored one).
 */
export function newMessageView(
  message: Message,
  viewerId: string,
  properties: readonly string[],
): Record<string, unknown> {
  return messageView(message, { viewerId, receipts: new Map(), versions: [] }, properties);
}
