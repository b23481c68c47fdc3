import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
import { isUuid } from '@jchat/common';
import {
  DomainException,
  MARK_DELIVERED_BATCH_MAX,
  type MarkDeliveredBatchReply,
  type MarkDeliveredBatchRequest,
  type MarkDeliveredReply,
  type MarkDeliveredRequest,
  MessagingSubjects,
  type MessageViewReply,
  type MessageViewRequest,
  type PostSystemMessageReply,
  type PostSystemMessageRequest,
  subjectOf,
} from '@jchat/contracts';
import { ConversationAccessService } from '../access/conversation-access.service';
import { DEFAULT_MESSAGE_PROPERTIES } from './message-view';
import { MessageSendService } from './message-send.service';
import { MessageViewsService } from './message-views.service';
import { MessagesService } from './messages.service';
import { ReceiptsService } from './receipts.service';

/** What other services ask of messaging over NATS. */
@Controller()
export class MessagesHandler {
  constructor(
    private readonly messages: MessagesService,
    private readonly views: MessageViewsService,
    private readonly sends: MessageSendService,
    private readonly receipts: ReceiptsService,
    private readonly access: ConversationAccessService,
  ) {}

  /** System messages (joins, leaves, role changes...) posted by the conversations service. */
  @MessagePattern(subjectOf(MessagingSubjects.postSystemMessage))
  async postSystemMessage(
    @ContractPayload(MessagingSubjects.postSystemMessage) request: PostSystemMessageRequest,
  ): Promise<PostSystemMessageReply> {
    const message = await this.sends.postSystem(request);
    return { messageId: message.id };
  }

  /**
   * One receipt (gateways now send markDeliveredBatch; this subject stays for gateways of the
   * previous version during a rolling upgrade).
   */
  @MessagePattern(subjectOf(MessagingSubjects.markDelivered))
  async markDelivered(
    @ContractPayload(MessagingSubjects.markDelivered) request: MarkDeliveredRequest,
  ): Promise<MarkDeliveredReply> {
    return { moved: (await this.receipts.markDelivered([request])) > 0 };
  }

  /** A gateway's push receipts of one interval, at most MARK_DELIVERED_BATCH_MAX. */
  @MessagePattern(subjectOf(MessagingSubjects.markDeliveredBatch))
  async markDeliveredBatch(
    @ContractPayload(MessagingSubjects.markDeliveredBatch) request: MarkDeliveredBatchRequest,
  ): Promise<MarkDeliveredBatchReply> {
    const receipts: unknown[] = request.receipts;
    if (receipts.length > MARK_DELIVERED_BATCH_MAX) {
      throw new DomainException(
        'invalid_argument',
        `at most ${MARK_DELIVERED_BATCH_MAX} receipts in one batch`,
      );
    }
    return { moved: await this.receipts.markDelivered(receipts.filter(isReceipt)) };
  }

  /** Messages exactly as Message/get returns them to the user (for inline MessagePush). */
  @MessagePattern(subjectOf(MessagingSubjects.messageView))
  async messageView(
    @ContractPayload(MessagingSubjects.messageView) request: MessageViewRequest,
  ): Promise<MessageViewReply> {
    const ids = request.ids.filter((id): id is string => typeof id === 'string').slice(0, 100);
    const scope = this.access.scope(request.userId, undefined);
    const found = await this.messages.readableMessages(scope, ids);
    const byId = new Map(found.map((m) => [m.id, m]));
    const ordered = ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [message] : [];
    });
    return {
      list: await this.views.views(scope, ordered, ['id', ...DEFAULT_MESSAGE_PROPERTIES]),
      notFound: ids.filter((id) => !byId.has(id)),
    };
  }
}

function isReceipt(value: unknown): value is MarkDeliveredRequest {
  if (typeof value !== 'object' || value === null) return false;
  const receipt = value as Partial<Record<keyof MarkDeliveredRequest, unknown>>;
  return (
    isUuid(receipt.userId) &&
    isUuid(receipt.conversationId) &&
    typeof receipt.messageId === 'string'
  );
}
