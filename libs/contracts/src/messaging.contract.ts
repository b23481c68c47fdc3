import { contract } from './contract';
import {
  BlobDownloadOpenDto,
  BlobDownloadPartDto,
  BlobUploadCommitDto,
  BlobUploadPartDto,
  MarkDeliveredBatchDto,
  MarkDeliveredDto,
  MessageViewDto,
  PostSystemMessageDto,
} from './dto/messaging.dto';

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

/** A client of `userId` has received messages up to `messageId` (e.g. by push): drives `delivered`. */
export interface MarkDeliveredRequest {
  userId: string;
  conversationId: string;
  messageId: string;
}
export interface MarkDeliveredReply {
  /** False when the position did not move (already there, or not a member). */
  moved: boolean;
}

/** Many MarkDeliveredRequests in one call (a gateway's receipts of one interval). */
export interface MarkDeliveredBatchRequest {
  receipts: MarkDeliveredRequest[];
}
export interface MarkDeliveredBatchReply {
  /** How many positions moved. */
  moved: number;
}
/** Receipts in one batch at most (each ~150 bytes of JSON: far under NATS' 1 MB). */
export const MARK_DELIVERED_BATCH_MAX = 2000;

/** Messages exactly as `Message/get` returns them to `userId` (for inline MessagePush). */
export interface MessageViewRequest {
  userId: string;
  ids: string[];
}
export interface MessageViewReply {
  list: Record<string, unknown>[];
  notFound: string[];
}

export const MessagingSubjects = {
  postSystemMessage: contract<PostSystemMessageRequest, PostSystemMessageReply>(
    'messaging.system-message.post.v1',
    PostSystemMessageDto,
  ),
  markDelivered: contract<MarkDeliveredRequest, MarkDeliveredReply>(
    'messaging.receipt.delivered.v1',
    MarkDeliveredDto,
  ),
  markDeliveredBatch: contract<MarkDeliveredBatchRequest, MarkDeliveredBatchReply>(
    'messaging.receipt.delivered-batch.v1',
    MarkDeliveredBatchDto,
  ),
  messageView: contract<MessageViewRequest, MessageViewReply>(
    'messaging.message.view.v1',
    MessageViewDto,
  ),
} as const;

/**
 * Blobs travel over NATS in parts of at most BLOB_PART_BYTES (base64 in JSON: about 700 kB,
 * under NATS' default 1 MB max payload). Upload: `uploadPart` for each part (any order, any
 * replica: parts are staged in PostgreSQL), then `uploadCommit`. Download: `downloadOpen`
 * (checks who may read it), then `downloadPart` for each part.
 */
export const BLOB_PART_BYTES = 512 * 1024;

export interface BlobUploadPartRequest {
  accountId: string;
  /** Chosen by the uploader (random), the same for every part of one upload. */
  uploadId: string;
  /** 0-based. */
  part: number;
  /** base64 of at most BLOB_PART_BYTES bytes. */
  data: string;
}
export interface BlobUploadCommitRequest {
  accountId: string;
  uploadId: string;
  /** How many parts were sent (0 for an empty blob). */
  parts: number;
  /** Total bytes, checked against the parts. */
  size: number;
  type: string;
}
/** RFC 8620 §6.1 upload response. */
export interface BlobInfo {
  accountId: string;
  blobId: string;
  type: string;
  size: number;
}
export interface BlobDownloadOpenRequest {
  /** The caller (also the account in the download URL). */
  accountId: string;
  blobId: string;
}
export interface BlobDownloadOpenReply {
  blobId: string;
  type: string;
  size: number;
  /** Number of parts of BLOB_PART_BYTES to ask for. */
  parts: number;
}
export interface BlobDownloadPartRequest {
  accountId: string;
  blobId: string;
  part: number;
}
export interface BlobDownloadPartReply {
  /** base64 */
  data: string;
}

export const BlobSubjects = {
  uploadPart: contract<BlobUploadPartRequest, Record<string, never>>(
    'messaging.blob.upload-part.v1',
    BlobUploadPartDto,
  ),
  uploadCommit: contract<BlobUploadCommitRequest, BlobInfo>(
    'messaging.blob.upload-commit.v1',
    BlobUploadCommitDto,
  ),
  downloadOpen: contract<BlobDownloadOpenRequest, BlobDownloadOpenReply>(
    'messaging.blob.download-open.v1',
    BlobDownloadOpenDto,
  ),
  downloadPart: contract<BlobDownloadPartRequest, BlobDownloadPartReply>(
    'messaging.blob.download-part.v1',
    BlobDownloadPartDto,
  ),
} as const;
