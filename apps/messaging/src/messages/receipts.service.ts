import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { isUuid } from '@jchat/common';
import type { JmapDataType, MarkDeliveredRequest } from '@jchat/contracts';
import type { Message } from '@jchat/db';
import { forbidden, notFound, type SetErrorException } from '@jchat/jmap';
import type { AccessScope } from '../access/conversation-access.service';
import { StateEvents } from '../events/state-events';
import { DeliveredPositions, type ReceivedPosition } from './delivered-positions';
import { type MessagePosition, MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import type { ReceiptSummary } from './receipts';
import { ReceiptsRepository } from './receipts.repository';

/** How many message positions markDelivered remembers (ids never change seq or sender). */
const RECENT_POSITIONS = 10_000;
const RECEIPT_CACHE_ENTRIES = 10_000;

/**
 * Receipts: read positions (markRead), delivered positions (fetches and pushes, gathered in
 * Redis by DeliveredPositions), and the receipt summaries (readBy, deliveryStatus) of messages.
 */
@Injectable()
export class ReceiptsService {
  private readonly receiptCache = new Map<string, { version: bigint; summary: ReceiptSummary }>();

  /** Positions of recent messages by id (ids never change seq, conversation or sender). */
  private readonly recentPositions = new LRUCache<string, MessagePosition>({
    max: RECENT_POSITIONS,
  });

  constructor(
    private readonly receipts: ReceiptsRepository,
    private readonly messages: MessagesRepository,
    private readonly reader: MessagesService,
    private readonly delivered: DeliveredPositions,
    private readonly events: StateEvents,
  ) {}

  /**
   * The read-position shortcut (Message/set `markRead`): for each message, the caller has read
   * their conversation up to it. Several in one conversation: the latest wins.
   */
  async markRead(
    scope: AccessScope,
    ids: string[],
  ): Promise<{ marked: string[]; notMarked: Record<string, SetErrorException> }> {
    const notMarked: Record<string, SetErrorException> = {};
    const found = new Map((await this.reader.readableMessages(scope, ids)).map((m) => [m.id, m]));
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
        this.receipts.setReadPosition(message.conversationId, scope.userId, message.id),
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

  /**
   * The receipt summaries of these messages as `viewerId` sees them: fresh for their own
   * messages when deliveryStatus is wanted (pending delivered positions flushed first), shared
   * (see sharedReceipts) for readBy of the others.
   */
  async summaries(
    viewerId: string,
    messages: readonly Message[],
    wanted: ReadonlySet<string>,
  ): Promise<Map<string, ReceiptSummary>> {
    const statusOf = wanted.has('deliveryStatus')
      ? messages.filter((m) => m.senderId === viewerId)
      : [];
    if (statusOf.length > 0) await this.delivered.flush(statusOf.map((m) => m.conversationId));
    const receipts = new Map(await this.receipts.receiptSummaries(statusOf));
    if (wanted.has('readBy')) {
      const others = messages.filter((m) => !receipts.has(m.id));
      for (const [id, summary] of await this.sharedReceipts(others)) receipts.set(id, summary);
    }
    return receipts;
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
    const versions = await this.receipts.receiptVersions(messages.map((m) => m.conversationId));
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
    const fresh = await this.receipts.receiptSummaries(missing);
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
  async advanceDelivered(
    userId: string,
    messages: readonly Pick<Message, 'conversationId' | 'seq' | 'senderId'>[],
  ): Promise<void> {
    const received = messages
      .filter((message) => message.senderId !== userId)
      .map(({ conversationId, seq }) => ({ conversationId, userId, seq }));
    await this.delivered.recordMany(received);
  }
}
