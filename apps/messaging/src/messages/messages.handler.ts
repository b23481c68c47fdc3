import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
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
import { MessagesService } from './messages.service';

/** What other services ask of messaging over NATS. */
@Controller()
export class MessagesHandler {
  constructor(
    private readonly messages: MessagesService,
    private readonly access: ConversationAccessService,
  ) {}

  /** System messages (joins, leaves, role changes...) posted by the conversations service. */
  @MessagePattern(subjectOf(MessagingSubjects.postSystemMessage))
  async postSystemMessage(
    @Payload() request: PostSystemMessageRequest,
  ): Promise<PostSystemMessageReply> {
    const message = await this.messages.postSystem(request);
    return { messageId: message.id };
  }

  /** A client received messages by push: moves the user's delivered position. */
  @MessagePattern(subjectOf(MessagingSubjects.markDelivered))
  async markDelivered(@Payload() request: MarkDeliveredRequest): Promise<MarkDeliveredReply> {
    if (!isUuid(request.userId) || !isUuid(request.conversationId)) {
      throw new DomainException('invalid_argument', 'userId and conversationId must be ids');
    }
    const scope = this.access.scope(request.userId, undefined);
    return {
      moved: await this.messages.markDelivered(
        scope,
        request.conversationId,
        String(request.messageId),
      ),
    };
  }

  /** A gateway's push receipts of one interval, at most MARK_DELIVERED_BATCH_MAX. */
  @MessagePattern(subjectOf(MessagingSubjects.markDeliveredBatch))
  async markDeliveredBatch(
    @Payload() request: MarkDeliveredBatchRequest,
  ): Promise<MarkDeliveredBatchReply> {
    const receipts = Array.isArray(request.receipts) ? request.receipts : [];
    if (receipts.length > MARK_DELIVERED_BATCH_MAX) {
      throw new DomainException(
        'invalid_argument',
        `at most ${MARK_DELIVERED_BATCH_MAX} receipts in one batch`,
      );
    }
    const valid = receipts.filter(
      (r) => isUuid(r.userId) && isUuid(r.conversationId) && typeof r.messageId === 'string',
    );
    const moved = await Promise.all(
      valid.map((r) =>
        this.messages.markDelivered(
          this.access.scope(r.userId, undefined),
          r.conversationId,
          r.messageId,
        ),
      ),
    );
    return { moved: moved.filter(Boolean).length };
  }

  /** Messages exactly as Message/get returns them to the user (for inline MessagePush). */
  @MessagePattern(subjectOf(MessagingSubjects.messageView))
  async messageView(@Payload() request: MessageViewRequest): Promise<MessageViewReply> {
    if (!isUuid(request.userId) || !Array.isArray(request.ids)) {
      throw new DomainException('invalid_argument', 'userId must be an id and ids a list');
    }
    const ids = request.ids.filter((id): id is string => typeof id === 'string').slice(0, 100);
    const scope = this.access.scope(request.userId, undefined);
    const found = await this.messages.readableMessages(scope, ids);
    const byId = new Map(found.map((m) => [m.id, m]));
    const ordered = ids.flatMap((id) => {
      const message = byId.get(id);
      return message ? [message] : [];
    });
    return {
      list: await this.messages.views(scope, ordered, ['id', ...DEFAULT_MESSAGE_PROPERTIES]),
      notFound: ids.filter((id) => !byId.has(id)),
    };
  }
}
