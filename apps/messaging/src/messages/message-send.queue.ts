import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PushedMessage } from '@jchat/contracts';
import { type Message, retryTransient } from '@jchat/db';
import { horizonState, SetErrorException, type SyncHorizon } from '@jchat/jmap';
import { MESSAGING_CONFIG, type MessagingConfig } from '../config';
import { MESSAGING_OUTBOX, StateEvents } from '../events/state-events';
import { DEFAULT_MESSAGE_PROPERTIES, newMessageView } from './message-view';
import {
  type BatchOutcome,
  MessageSendRepository,
  type PendingSend,
  type SendResult,
} from './message-send.repository';

/**
 * A send's result, with the sync horizon read once its batch had committed: a state that already
 * covers the message, shared by the batch's push and by the `newState` of the /set calls whose
 * only writes were its sends.
 */
export type QueuedSendResult = SendResult & { horizonAfter: SyncHorizon };

/** A send whose caller stops waiting sooner than this is refused rather than stored unseen. */
const DEADLINE_MARGIN_MS = 1000;

interface Waiting {
  send: PendingSend;
  /** Date.now() when it was queued. */
  since: number;
  /** When its caller stops waiting (ms since the epoch), if known. */
  deadline: number | undefined;
  resolve: (result: QueuedSendResult) => void;
  reject: (error: unknown) => void;
}

/** The send queue is full: the caller is told to retry (JMAP `rateLimit`). */
export class SendQueueFull extends Error {
  constructor(readonly retryAfterMs: number) {
    super('too many messages waiting to be stored');
  }
}

/**
 * Group commit for sends: messages arriving while a batch is being stored wait and go into the
 * next one, so under load one transaction and one event per conversation carry many messages,
 * and with no load a message is stored at once. One batch at a time per process: each
 * conversation's order is the order of arrival here. Overload is refused, retryably (rateLimit
 * with a hint), never queued without bound: past MESSAGE_SEND_MAX_QUEUED waiting a send is
 * refused at once, and one that waited MESSAGE_SEND_MAX_WAIT_MS (or whose caller's deadline is
 * near) is refused instead of stored. A send is answered once its message is stored; its event
 * follows, in batch order, while the next batch is being written.
 */
@Injectable()
export class MessageSendQueue {
  private readonly logger = new Logger('send-queue');
  private waiting: Waiting[] = [];
  private running = false;
  private publishing: Promise<void> = Promise.resolve();
  /** Messages stored per second lately (for the retry hint). */
  private recentRate = 1000;

  constructor(
    private readonly repository: MessageSendRepository,
    private readonly events: StateEvents,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  send(send: PendingSend, deadline?: number): Promise<QueuedSendResult> {
    if (this.waiting.length >= this.config.MESSAGE_SEND_MAX_QUEUED) {
      return Promise.reject(new SendQueueFull(this.retryHintMs()));
    }
    return new Promise<QueuedSendResult>((resolve, reject) => {
      this.waiting.push({ send, since: Date.now(), deadline, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        if (batch.length === 0) continue;
        const started = Date.now();
        await this.store(batch);
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        this.recentRate = 0.8 * this.recentRate + 0.2 * (batch.length / seconds);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The next batch, without the sends that waited past MESSAGE_SEND_MAX_WAIT_MS or whose caller
   * stops waiting within DEADLINE_MARGIN_MS: those are refused, not stored. Stored later, their
   * sender (whose request has timed out meanwhile) would be told it failed when it did not.
   */
  private takeBatch(): Waiting[] {
    const now = Date.now();
    const oldest = now - this.config.MESSAGE_SEND_MAX_WAIT_MS;
    const taken = this.waiting.splice(0, this.config.MESSAGE_SEND_MAX_BATCH);
    const batch: Waiting[] = [];
    for (const waiting of taken) {
      const late =
        waiting.since < oldest ||
        (waiting.deadline !== undefined && waiting.deadline - DEADLINE_MARGIN_MS < now);
      if (late) waiting.reject(new SendQueueFull(this.retryHintMs()));
      else batch.push(waiting);
    }
    return batch;
  }

  /** About how long the sends waiting now take to store. */
  private retryHintMs(): number {
    const drainMs = (this.waiting.length / Math.max(this.recentRate, 1)) * 1000;
    return Math.ceil(Math.min(Math.max(drainMs, 100), 10_000));
  }

  private async store(batch: Waiting[]): Promise<void> {
    let outcome: BatchOutcome;
    try {
      // A batch PostgreSQL aborted (deadlock, serialization failure) is tried again.
      const sends = batch.map((w) => w.send);
      const staging = { service: MESSAGING_OUTBOX, events: this.intents(batch) };
      outcome = await retryTransient(() => this.repository.insertBatch(sends, staging));
    } catch (error: unknown) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad send must not fail the others: store each on its own.
      this.logger.warn(
        { error: String(error), size: batch.length },
        'batch failed; sending one by one',
      );
      for (const waiting of batch) await this.store([waiting]);
      return;
    }
    const { results, outboxIds: staged, horizonAfter } = outcome;
    for (const [index, waiting] of batch.entries()) {
      const result = results[index];
      if (result) waiting.resolve({ ...result, horizonAfter });
      else waiting.reject(new Error('no result for a batched send'));
    }
    const stored = results.flatMap((r) => (r.kind === 'stored' ? [r.message] : []));
    const storedIn = new Set(stored.map((message) => message.conversationId));
    for (const [conversationId, outboxId] of staged) {
      if (!storedIn.has(conversationId)) this.events.settle(outboxId);
    }
    // Announced in batch order; the senders are not kept waiting for it (a busy pool must not
    // turn stored sends into timeouts).
    this.publishing = this.publishing
      .then(() => this.announce(stored, staged, horizonState(horizonAfter)))
      .catch((error: unknown) => {
        // The messages are stored; clients that missed the push find them with /changes.
        this.logger.warn({ error: String(error) }, 'could not announce new messages');
      });
  }

  /**
   * The event each conversation of the batch will need, staged in the outbox with the batch
   * (same statement, same commit): a crash or NATS outage between the commit and `announce`
   * then delays the event instead of losing it.
   */
  private intents(batch: readonly Waiting[]): Map<string, unknown> {
    const conversations = new Set(batch.map((waiting) => waiting.send.conversationId));
    return new Map([...conversations].map((id) => [id, this.events.createdIntent(id)]));
  }

  /** One stateChanged event per conversation, carrying its new messages whole. */
  private async announce(
    stored: readonly Message[],
    staged: ReadonlyMap<string, string>,
    state: string,
  ): Promise<void> {
    if (stored.length === 0) return;
    const byConversation = new Map<string, PushedMessage[]>();
    for (const message of stored) {
      const list = byConversation.get(message.conversationId) ?? [];
      list.push(pushedMessage(message));
      byConversation.set(message.conversationId, list);
    }
    await Promise.all(
      [...byConversation].map(([conversationId, messages]) =>
        this.events.created(conversationId, messages, state, staged.get(conversationId)),
      ),
    );
  }
}

/** A new message as its conversation's members see it, and what its sender sees differently. */
export function pushedMessage(message: Message): PushedMessage {
  const { deliveryStatus } = newMessageView(message, message.senderId, ['deliveryStatus']);
  return {
    view: newMessageView(message, '', ['id', ...DEFAULT_MESSAGE_PROPERTIES]),
    senderId: message.senderId,
    forSender: { deliveryStatus },
  };
}

/** The refusal of a send the queue had no room for: retryable, with a hint. */
export function rateLimited(error: SendQueueFull): SetErrorException {
  return new SetErrorException({
    type: 'rateLimit',
    description: `${error.message}: retry in ${error.retryAfterMs} ms`,
    retryAfterMs: error.retryAfterMs,
  });
}
