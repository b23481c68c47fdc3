import type { SyncHorizon } from '@jchat/jmap';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { isUuid } from '@jchat/common';
import {
  type ConversationAccess,
  DomainException,
  type JmapDataType,
  type MarkDeliveredRequest,
  type PostSystemMessageRequest,
} from '@jchat/contracts';
import type { Message, Prisma } from '@jchat/db';
import { isPlainObject, JmapMethodError, SetErrorException, type SyncCursor } from '@jchat/jmap';
import { canDeleteAny, canParticipate, canRead, canSend } from '../access/access-rules';
import type { AccessScope } from '../access/conversation-access.service';
import { BlobsService } from '../blobs/blobs.service';
import { StateEvents } from '../events/state-events';
import { sanitizeMessageHtml } from './html-sanitizer';
import {
  applyReactionChanges,
  type AttachmentInput,
  type NewMessageInput,
  parseMessagePatch,
  reactionsOf,
} from './message-input';
import { DeliveredPositions, type ReceivedPosition } from './delivered-positions';
import { type Attachment, messageView } from './message-view';
import { MessageSendQueue, rateLimited, SendQueueFull } from './message-send.queue';
import type { NewMessageRow, SendAssumption, SendResult } from './message-send.repository';
import {
  type ChangedMessageRow,
  isUniqueViolation,
  type MessagePosition,
  type MessageScope,
  MessagesRepository,
  NothingToWrite,
} from './messages.repository';
import type { ReceiptSummary } from './receipts';

export interface SendOutcome {
  message: Message;
  /** True when an earlier send with the same clientMessageId is returned instead. */
  duplicate: boolean;
}

/** How many message positions markDelivered remembers (ids never change seq or sender). */
const RECENT_POSITIONS = 10_000;

function notFound(): SetErrorException {
  return new SetErrorException({ type: 'notFound' });
}

function forbidden(description: string): SetErrorException {
  return new SetErrorException({ type: 'forbidden', description });
}

/** The access answer a send relied on was computed for another role or conversation type. */
class AccessMoved extends Error {}

function assumptionOf(access: ConversationAccess): SendAssumption {
  return { role: access.role, conversationType: access.conversationType };
}

/** The rules of messages: send, edit, react, delete, read positions, and what each viewer sees. */
const RECEIPT_CACHE_ENTRIES = 10_000;

@Injectable()
export class MessagesService {
  private readonly receiptCache = new Map<string, { version: bigint; summary: ReceiptSummary }>();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly blobs: BlobsService,
    private readonly events: StateEvents,
    private readonly delivered: DeliveredPositions,
    private readonly sendQueue: MessageSendQueue,
  ) {}

  /** Positions of recent messages by id (ids never change seq, conversation or sender). */
  private readonly recentPositions = new LRUCache<string, MessagePosition>({
    max: RECENT_POSITIONS,
  });

  syncHorizon(): Promise<SyncHorizon> {
    return this.messages.syncHorizon();
  }

  // ----- sending -----

  /** `deadline`: when the caller stops waiting (see MessageSendQueue). */
  async send(scope: AccessScope, input: NewMessageInput, deadline?: number): Promise<SendOutcome> {
    const access = await scope.of(input.conversationId);
    this.checkSend(access);
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
    let result: SendResult;
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
        return { message: result.message, duplicate: false };
      case 'duplicate':
        return { message: result.message, duplicate: true };
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

  // ----- edits, reactions, deletes -----

  /** Applies a Message/set update; returns the properties the server changed beyond the patch. */
  async update(
    scope: AccessScope,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<Record<string, unknown> | null> {
    const message = await this.readableMessage(scope, id);
    const parsed = parseMessagePatch(patch, scope.userId);
    if (!parsed.edit && parsed.reactions.length === 0) return null;
    const access = await scope.of(message.conversationId);
    if (!canParticipate(access))
      throw forbidden('only members of a conversation that is not archived can do this');
    if (parsed.edit && (message.senderId !== scope.userId || message.isSystemMessage)) {
      throw forbidden('only the sender can edit a message');
    }
    const edit = parsed.edit;
    let storedBody: string | null = null;
    const types: JmapDataType[] = ['Message', 'Conversation'];
    const [updated, outboxId] = await this.events.write(message.conversationId, types, id, () =>
      this.messages.update(
        message.conversationId,
        id,
        async (current, tx) => {
          if (current.isDeleted) throw forbidden('the message was deleted');
          const data: Prisma.MessageUpdateInput = {};
          if (edit) {
            const bodyType = edit.bodyType ?? current.bodyType;
            const body = edit.body ?? current.body;
            const stored = bodyType === 'text/html' ? sanitizeMessageHtml(body) : body;
            if (stored !== current.body || bodyType !== current.bodyType) {
              await this.messages.archiveVersion(tx, current);
              Object.assign(data, { body: stored, bodyType, editedAt: new Date() });
              storedBody = stored;
            }
          }
          if (parsed.reactions.length > 0) {
            const before = reactionsOf(current.reactions);
            const after = applyReactionChanges(before, parsed.reactions);
            if (JSON.stringify(after) !== JSON.stringify(before)) data.reactions = after;
          }
          if (Object.keys(data).length === 0) throw new NothingToWrite();
          return data;
        },
        { touchConversation: edit !== null },
      ),
    );
    if (!updated || updated.modseq === message.modseq) {
      this.events.settle(outboxId);
      if (!updated) throw notFound();
      return null;
    }
    await this.events.changed(message.conversationId, types, id, outboxId);
    if (storedBody === null) return null;
    const serverSet: Record<string, unknown> = {
      editedAt: updated.editedAt?.toISOString() ?? null,
    };
    if (edit?.body !== undefined && storedBody !== edit.body) serverSet['body'] = storedBody;
    return serverSet;
  }

  /** Soft delete: body, attachments and reactions cleared for everyone; the message keeps its place. */
  async destroy(scope: AccessScope, id: string): Promise<void> {
    const message = await this.readableMessage(scope, id);
    const access = await scope.of(message.conversationId);
    const own =
      message.senderId === scope.userId && !message.isSystemMessage && canParticipate(access);
    if (!own && !canDeleteAny(access))
      throw forbidden('only the sender or a holder of messages.deleteAny can delete it');
    if (message.isDeleted) return;
    const types: JmapDataType[] = ['Message', 'Conversation'];
    const [updated, outboxId] = await this.events.write(message.conversationId, types, id, () =>
      this.messages.update(
        message.conversationId,
        id,
        async (current, tx) => {
          if (current.isDeleted) throw new NothingToWrite();
          await this.messages.forgetForDelete(tx, current);
          const metadata = isPlainObject(current.metadata) ? current.metadata : {};
          const kept =
            typeof metadata['clientMessageId'] === 'string'
              ? { clientMessageId: metadata['clientMessageId'] }
              : {};
          return { isDeleted: true, body: '', attachments: [], reactions: {}, metadata: kept };
        },
        { touchConversation: false },
      ),
    );
    if (!updated || updated.modseq === message.modseq) {
      this.events.settle(outboxId);
      if (!updated) throw notFound();
      return;
    }
    await this.events.changed(message.conversationId, types, id, outboxId);
  }

  /**
   * The read-position shortcut (Message/set `markRead`): for each message, the caller has read
   * their conversation up to it. Several in one conversation: the latest wins.
   */
  async markRead(
    scope: AccessScope,
    ids: string[],
  ): Promise<{ marked: string[]; notMarked: Record<string, SetErrorException> }> {
    const notMarked: Record<string, SetErrorException> = {};
    const found = new Map((await this.readableMessages(scope, ids)).map((m) => [m.id, m]));
    const latest = new Map<string, Message>();
    for (const id of ids) {
      const message = found.get(id);
      if (!message) {
        notMarked[id] = notFound();
        continue;
      }
      const access = await scope.of(message.conversationId);
      if (!access.isMember) {
        notMarked[id] = forbidden('only members have a read position');
        continue;
      }
      const current = latest.get(message.conversationId);
      if (!current || current.seq < message.seq) latest.set(message.conversationId, message);
    }
    const types: JmapDataType[] = ['Message', 'Conversation', 'Participant'];
    for (const message of latest.values()) {
      const [moved, outboxId] = await this.events.write(message.conversationId, types, null, () =>
        this.messages.setReadPosition(message.conversationId, scope.userId, message.id),
      );
      if (moved) await this.events.changed(message.conversationId, types, null, outboxId);
      else this.events.settle(outboxId);
    }
    return { marked: ids.filter((id) => !(id in notMarked)), notMarked };
  }

  /**
   * Clients received messages up to these ones (by push): drives `delivered`. One lookup for
   * the positions not remembered, one Redis round trip for all. Returns how many moved.
   */
  async markDelivered(receipts: readonly MarkDeliveredRequest[]): Promise<number> {
    const positions = await this.positionsOf(receipts);
    const received: ReceivedPosition[] = [];
    for (const receipt of receipts) {
      const position = positions.get(receipt.messageId);
      if (position?.conversationId !== receipt.conversationId) continue;
      if (position.senderId === receipt.userId) continue; // their own: read already
      received.push({
        conversationId: position.conversationId,
        userId: receipt.userId,
        seq: position.seq,
      });
    }
    return this.delivered.recordMany(received);
  }

  /**
   * Seq and sender of messages, remembered for a while: a push to a 10,000-member channel
   * brings 10,000 receipts naming the same message, and one lookup serves them all.
   */
  private async positionsOf(
    receipts: readonly MarkDeliveredRequest[],
  ): Promise<Map<string, MessagePosition>> {
    const found = new Map<string, MessagePosition>();
    const missing = new Set<string>();
    for (const { messageId } of receipts) {
      const known = this.recentPositions.get(messageId);
      if (known) found.set(messageId, known);
      else if (isUuid(messageId)) missing.add(messageId);
    }
    if (missing.size === 0) return found;
    for (const position of await this.messages.positionsOf([...missing])) {
      this.recentPositions.set(position.id, position);
      found.set(position.id, position);
    }
    return found;
  }

  // ----- reading -----

  /** The messages of `ids` the caller may read (others are simply absent). */
  async readableMessages(scope: AccessScope, ids: string[]): Promise<Message[]> {
    const candidates = await this.messages.findForUser(scope.userId, ids.filter(isUuid));
    const access = await scope.many(candidates.map((m) => m.conversationId));
    return candidates.filter((m) => {
      const answer = access.get(m.conversationId);
      return answer !== undefined && canRead(answer);
    });
  }

  private async readableMessage(scope: AccessScope, id: string): Promise<Message> {
    const [message] = await this.readableMessages(scope, [id]);
    if (!message) throw notFound();
    return message;
  }

  /**
   * Message objects as the caller sees them; moves the caller's delivered positions (a fetch is a
   * delivery). readBy and deliveryStatus come from SQL aggregates, never from every participant
   * row; a sender asking for deliveryStatus gets the positions still pending in Redis flushed first.
   */
  async views(
    scope: AccessScope,
    messages: Message[],
    properties: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const wanted = new Set(properties);
    const statusOf = wanted.has('deliveryStatus')
      ? messages.filter((m) => m.senderId === scope.userId)
      : [];
    if (statusOf.length > 0) await this.delivered.flush(statusOf.map((m) => m.conversationId));
    const receipts = new Map(await this.messages.receiptSummaries(statusOf));
    if (wanted.has('readBy')) {
      const others = messages.filter((m) => !receipts.has(m.id));
      for (const [id, summary] of await this.sharedReceipts(others)) receipts.set(id, summary);
    }
    const versions = wanted.has('history')
      ? await this.messages.versionsOf(messages.map((m) => m.id))
      : [];
    const views = messages.map((message) =>
      messageView(message, { viewerId: scope.userId, receipts, versions }, properties),
    );
    await this.advanceDelivered(scope.userId, messages);
    return views;
  }

  /**
   * Receipt summaries are the same for every viewer, and a message pushed into a big channel
   * is fetched by every member at once: a summary is kept until its conversation logs another
   * receipt change (one index probe per conversation instead of a count over all members per
   * viewer). The sender's own deliveryStatus is always read fresh. Two receipt changes
   * committing out of transaction-id order can leave readBy one change behind until the next.
   */
  private async sharedReceipts(messages: Message[]): Promise<Map<string, ReceiptSummary>> {
    const result = new Map<string, ReceiptSummary>();
    if (messages.length === 0) return result;
    const versions = await this.messages.receiptVersions(messages.map((m) => m.conversationId));
    const missing: Message[] = [];
    for (const message of messages) {
      const cached = this.receiptCache.get(message.id);
      if (cached && cached.version === versions.get(message.conversationId)) {
        result.set(message.id, cached.summary);
      } else {
        missing.push(message);
      }
    }
    if (missing.length === 0) return result;
    const fresh = await this.messages.receiptSummaries(missing);
    if (this.receiptCache.size + fresh.size > RECEIPT_CACHE_ENTRIES) this.receiptCache.clear();
    for (const message of missing) {
      const summary = fresh.get(message.id);
      if (!summary) continue;
      const version = versions.get(message.conversationId) ?? 0n;
      this.receiptCache.set(message.id, { version, summary });
      result.set(message.id, summary);
    }
    return result;
  }

  /** Records (in Redis, see DeliveredPositions) the highest message of each conversation received. */
  private async advanceDelivered(
    userId: string,
    messages: readonly Pick<Message, 'conversationId' | 'seq' | 'senderId'>[],
  ): Promise<void> {
    const received = messages
      .filter((message) => message.senderId !== userId)
      .map(({ conversationId, seq }) => ({ conversationId, userId, seq }));
    await this.delivered.recordMany(received);
  }

  /**
   * Messages changed for the user past the cursor (see MessagesRepository.changedSince), or
   * cannotCalculateChanges when a join or leave since then changed which messages they see.
   */
  async changedSince(
    userId: string,
    cursor: SyncCursor,
    limit: number,
  ): Promise<ChangedMessageRow[]> {
    await this.checkCursor(userId, cursor);
    if (cursor.modseq < (await this.messages.receiptsPrunedBelow())) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'this state is older than the receipts kept: fetch the messages again',
      );
    }
    return this.messages.changedSince({ userId, extraConversationIds: [] }, cursor, limit, {
      receipts: true,
    });
  }

  /** Messages of a query's scope whose stored row changed past the cursor (for /queryChanges). */
  async changedInScope(
    scope: MessageScope,
    cursor: SyncCursor,
    limit: number,
  ): Promise<ChangedMessageRow[]> {
    await this.checkCursor(scope.userId, cursor);
    return this.messages.changedSince(scope, cursor, limit, { receipts: false });
  }

  private async checkCursor(userId: string, cursor: SyncCursor): Promise<void> {
    if (cursor.afterId !== null && !isUuid(cursor.afterId)) {
      throw new JmapMethodError('cannotCalculateChanges', 'not a state of this server');
    }
    if (await this.messages.membershipMovedSince(userId, cursor.modseq)) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'you joined or left a conversation since this state: fetch its messages with Message/query',
      );
    }
  }
}
