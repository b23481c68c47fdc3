import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import {
  type ConversationAccess,
  DomainException,
  type PostSystemMessageRequest,
} from '@jchat/contracts';
import type { Message, Prisma } from '@jchat/db';
import { forbidden, isPlainObject, SetErrorException, type SyncHorizon } from '@jchat/jmap';
import { canRead, canSend } from '../access/access-rules';
import type { AccessScope } from '../access/conversation-access.service';
import { BlobsService } from '../blobs/blobs.service';
import { MESSAGING_CONFIG, type MessagingConfig } from '../config';
import { PushLagMonitor } from '../events/push-lag.monitor';
import { sanitizeMessageHtml } from './html-sanitizer';
import type { AttachmentInput, NewMessageInput } from './message-input';
import type { Attachment } from './message-view';
import {
  MessageSendQueue,
  type QueuedSendResult,
  rateLimited,
  SendQueueFull,
} from './message-send.queue';
import type { NewMessageRow, SendAssumption } from './message-send.repository';
import { isUniqueViolation, MessagesRepository } from './messages.repository';
import { PushLagPacing } from './push-lag-pacing';

export interface SendOutcome {
  message: Message;
  /** True when an earlier send with the same clientMessageId is returned instead. */
  duplicate: boolean;
  /** The sync horizon read after the message was stored (see QueuedSendResult). */
  horizonAfter?: SyncHorizon;
}

/** The access answer a send relied on was computed for another role or conversation type. */
class AccessMoved extends Error {}

function assumptionOf(access: ConversationAccess): SendAssumption {
  return { role: access.role, conversationType: access.conversationType };
}

/**
 * Sending: a member's message (checked, sanitised, its attachments checked) and the system
 * messages of the conversations service, stored through the group-commit MessageSendQueue.
 */
@Injectable()
export class MessageSendService {
  private readonly pacing: PushLagPacing;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly blobs: BlobsService,
    private readonly sendQueue: MessageSendQueue,
    private readonly pushLag: PushLagMonitor,
    @Inject(MESSAGING_CONFIG) config: MessagingConfig,
  ) {
    this.pacing = new PushLagPacing(config.MESSAGE_SEND_MAX_PUSH_LAG_MS);
  }

  /** `deadline`: when the caller stops waiting (see MessageSendQueue). */
  async send(scope: AccessScope, input: NewMessageInput, deadline?: number): Promise<SendOutcome> {
    const access = await scope.forSend(input.conversationId);
    this.checkSend(access);
    this.checkPushLag();
    const clientKey =
      input.clientMessageId === null ? null : `${scope.userId}:${input.clientMessageId}`;
    if (input.replyToMessageId !== null) {
      const target = await this.messages.findInConversation(
        input.conversationId,
        input.replyToMessageId,
      );
      if (!target) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['replyToMessageId'],
          description: 'must be a message of the same conversation',
        });
      }
    }
    const attachments = await this.checkAttachments(scope.userId, input.attachments);
    const row: NewMessageRow = {
      id: randomUUID(),
      senderId: scope.userId,
      body: input.bodyType === 'text/html' ? sanitizeMessageHtml(input.body) : input.body,
      bodyType: input.bodyType,
      proposedSentAt: input.proposedSentAt,
      replyToMessageId: input.replyToMessageId,
      attachments: attachments as unknown as Prisma.InputJsonValue,
      metadata: input.metadata as Prisma.InputJsonValue,
      clientKey,
      isSystemMessage: false,
    };
    try {
      return await this.store(input.conversationId, row, assumptionOf(access), deadline);
    } catch (error: unknown) {
      if (!(error instanceof AccessMoved)) throw error;
    }
    // The (cached) answer was computed for another role or conversation type: ask rbac again.
    const fresh = await scope.fresh(input.conversationId);
    this.checkSend(fresh);
    try {
      return await this.store(input.conversationId, row, assumptionOf(fresh), deadline);
    } catch (error: unknown) {
      if (error instanceof AccessMoved) throw forbidden('your role changed: try again');
      throw error;
    }
  }

  private checkSend(access: ConversationAccess): void {
    if (!canRead(access)) {
      // Same answer as for a conversation that does not exist: invisibility leaks nothing.
      throw new SetErrorException({
        type: 'notFound',
        properties: ['conversationId'],
        description: 'no such conversation',
      });
    }
    if (!canSend(access)) {
      throw forbidden(
        !access.isMember
          ? 'only members post in this conversation'
          : access.isArchived
            ? 'the conversation is archived'
            : 'you may not post in this conversation',
      );
    }
  }

  /**
   * Paces members' sends to the push path (see PushLagPacing): while the gateways report their
   * pushes behind, a share of new messages growing with the lag is refused (rateLimit, with the
   * time the backlog needs to drain as the hint) rather than accepted into a backlog its members
   * would see it late from, or a gateway NATS would cut off as a slow consumer. System messages
   * are not refused: they record changes already made.
   */
  private checkPushLag(): void {
    const lagMs = this.pushLag.lagMs();
    const retryAfterMs = this.pacing.refusal(lagMs);
    if (retryAfterMs === null) return;
    throw new SetErrorException({
      type: 'rateLimit',
      description: `pushes to members are ${lagMs} ms behind: retry in ${retryAfterMs} ms`,
      retryAfterMs,
    });
  }

  /** A system message (idempotent by its key); not_found when the conversation does not exist. */
  async postSystem(request: PostSystemMessageRequest): Promise<Message> {
    if (!isUuid(request.conversationId) || !isUuid(request.actorId)) {
      throw new DomainException('invalid_argument', 'conversationId and actorId must be ids');
    }
    if (
      typeof request.idempotencyKey !== 'string' ||
      request.idempotencyKey.length === 0 ||
      request.idempotencyKey.length > 200
    ) {
      throw new DomainException(
        'invalid_argument',
        'idempotencyKey must be a string of 1 to 200 characters',
      );
    }
    if (
      typeof request.body !== 'string' ||
      request.body.length === 0 ||
      Buffer.byteLength(request.body) > 4096
    ) {
      throw new DomainException('invalid_argument', 'body must be a string of 1 to 4096 bytes');
    }
    const clientKey = `system:${request.idempotencyKey}`;
    const details = isPlainObject(request.details) ? request.details : {};
    const outcome = await this.store(
      request.conversationId,
      {
        id: randomUUID(),
        senderId: request.actorId,
        body: request.body,
        bodyType: 'text/plain',
        proposedSentAt: null,
        replyToMessageId: null,
        attachments: [],
        metadata: { kind: request.kind, details } as Prisma.InputJsonValue,
        clientKey,
        isSystemMessage: true,
      },
      null,
    );
    return outcome.message;
  }

  private async store(
    conversationId: string,
    row: NewMessageRow,
    assumed: SendAssumption | null,
    deadline?: number,
  ): Promise<SendOutcome> {
    let result: QueuedSendResult;
    try {
      result = await this.sendQueue.send({ conversationId, row, assumed }, deadline);
    } catch (error: unknown) {
      if (error instanceof SendQueueFull) throw rateLimited(error);
      // A writer outside the send queue won a race on the clientMessageId: answer with its message.
      if (row.clientKey !== null && isUniqueViolation(error)) {
        const earlier = await this.messages.findByClientKey(conversationId, row.clientKey);
        if (earlier) return { message: earlier, duplicate: true };
      }
      throw error;
    }
    switch (result.kind) {
      case 'stored':
        return { message: result.message, duplicate: false, horizonAfter: result.horizonAfter };
      case 'duplicate':
        return { message: result.message, duplicate: true, horizonAfter: result.horizonAfter };
      case 'refused':
        break;
    }
    switch (result.reason) {
      case 'no-conversation':
        if (row.isSystemMessage) throw new DomainException('not_found', 'no such conversation');
        throw new SetErrorException({
          type: 'notFound',
          properties: ['conversationId'],
          description: 'no such conversation',
        });
      case 'not-a-member':
        throw forbidden('only members post in this conversation');
      case 'archived':
        throw forbidden('the conversation is archived');
      case 'access-moved':
        throw new AccessMoved();
    }
  }

  private async checkAttachments(
    userId: string,
    attachments: AttachmentInput[],
  ): Promise<Attachment[]> {
    const checked: Attachment[] = [];
    for (const [index, attachment] of attachments.entries()) {
      let size: number;
      try {
        size = (await this.blobs.readable(userId, attachment.blobId)).size;
      } catch (error: unknown) {
        if (error instanceof DomainException && error.code === 'not_found') {
          throw new SetErrorException({
            type: 'invalidProperties',
            properties: ['attachments'],
            description: `attachments/${index}/blobId: no such blob`,
          });
        }
        throw error;
      }
      if (attachment.size !== null && attachment.size !== size) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['attachments'],
          description: `attachments/${index}/size: the blob has ${size} bytes`,
        });
      }
      checked.push({
        blobId: attachment.blobId,
        type: attachment.type,
        name: attachment.name,
        size,
      });
    }
    return checked;
  }
}
