// Request DTOs of messaging's subjects (class-validator): what its handlers accept, checked by
// ContractPayload before the handler runs. Values are checked for shape here; meaning (does the
// conversation exist, may the caller read it) stays with the service.
import {
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
} from 'class-validator';
import type {
  BlobDownloadOpenRequest,
  BlobDownloadPartRequest,
  BlobUploadCommitRequest,
  BlobUploadPartRequest,
  MarkDeliveredBatchRequest,
  MarkDeliveredRequest,
  MessageViewRequest,
  PostSystemMessageRequest,
  SystemMessageKind,
} from '../messaging.contract';
import { ID_MESSAGE, UUID } from './dto-rules';

const SYSTEM_MESSAGE_KINDS: readonly SystemMessageKind[] = [
  'conversation.created',
  'participant.joined',
  'participant.invited',
  'participant.left',
  'participant.removed',
  'participant.roleChanged',
  'conversation.updated',
  'conversation.archived',
  'conversation.unarchived',
];

export class PostSystemMessageDto implements PostSystemMessageRequest {
  @Matches(UUID, ID_MESSAGE)
  conversationId!: string;

  @Matches(UUID, ID_MESSAGE)
  actorId!: string;

  @IsIn(SYSTEM_MESSAGE_KINDS)
  kind!: SystemMessageKind;

  /** At most 4096 bytes (checked by the service, in bytes). */
  @IsString()
  @Length(1, 4096)
  body!: string;

  @IsOptional()
  @IsObject()
  details!: Record<string, unknown>;

  @IsString()
  @Length(1, 200)
  idempotencyKey!: string;
}

export class MarkDeliveredDto implements MarkDeliveredRequest {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;

  @Matches(UUID, ID_MESSAGE)
  conversationId!: string;

  @IsString()
  messageId!: string;
}

/**
 * The batch's size (MARK_DELIVERED_BATCH_MAX) and its receipts are checked by the handler, which
 * drops malformed receipts and records the rest (one bad receipt does not cost a gateway its
 * whole interval).
 */
export class MarkDeliveredBatchDto implements MarkDeliveredBatchRequest {
  @IsArray()
  receipts!: MarkDeliveredRequest[];
}

export class MessageViewDto implements MessageViewRequest {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;

  @IsArray()
  ids!: string[];
}

export class BlobUploadPartDto implements BlobUploadPartRequest {
  @Matches(UUID, ID_MESSAGE)
  accountId!: string;

  @IsString()
  uploadId!: string;

  @IsInt()
  @Min(0)
  part!: number;

  @IsString()
  data!: string;
}

export class BlobUploadCommitDto implements BlobUploadCommitRequest {
  @Matches(UUID, ID_MESSAGE)
  accountId!: string;

  @IsString()
  uploadId!: string;

  @IsInt()
  @Min(0)
  parts!: number;

  @IsInt()
  @Min(0)
  size!: number;

  @IsOptional()
  @IsString()
  type!: string;
}

export class BlobDownloadOpenDto implements BlobDownloadOpenRequest {
  @Matches(UUID, ID_MESSAGE)
  accountId!: string;

  @IsString()
  blobId!: string;
}

export class BlobDownloadPartDto implements BlobDownloadPartRequest {
  @Matches(UUID, ID_MESSAGE)
  accountId!: string;

  @IsString()
  blobId!: string;

  @IsInt()
  @Min(0)
  part!: number;
}
