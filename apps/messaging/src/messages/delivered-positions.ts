import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { REDIS, type Redis } from '@jchat/common';
import { MESSAGING_CONFIG, type MessagingConfig } from '../config';
import { StateEvents } from '../events/state-events';
import { type DeliveredPosition, ReceiptsRepository } from './receipts.repository';

/** A client of `userId` received `conversationId` up to `seq`. */
export interface ReceivedPosition {
  conversationId: string;
  userId: string;
  seq: bigint;
}

/** Conversations taken from the dirty set per round. */
const FLUSH_BATCH = 100;
/** Receipt changes older than this are pruned; a Message/changes from before answers cannotCalculateChanges. */
export const RECEIPT_RETENTION_MS = 30 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
/** Pending positions Redis keeps if no flush ever comes (a crashed deployment). */
const PENDING_TTL_SECONDS = 24 * 3600;

const keys = {
  pending: (conversationId: string) => `messaging:delivered:${conversationId}`,
  dirty: 'messaging:delivered:dirty',
};

/**
 * Delivered positions written per statement at most. A statement holds its conversation's row,
 * and so its sends, while it runs: about 18 ms per 1,000 members (npm run bench --
 * delivered-flush), so a 10,000-member channel's flush lets sends through between its parts.
 */
export const FLUSH_CHUNK_POSITIONS = 1000;

/** Positions recorded by one script call at most. */
const RECORD_CHUNK = 500;

/**
 * For each position i (KEYS[i + 1] its conversation's pending hash; ARGV userId, seq,
 * conversationId): HSET userId seq if greater than what is pending, and mark the conversation
 * dirty (KEYS[1]). ARGV[1] is the hashes' TTL. Returns how many were recorded. One call for a
 * whole batch of receipts: a command per receipt made Redis and this process parse hundreds.
 */
const RECORD = `
local ttl = tonumber(ARGV[1])
local recorded = 0
for i = 2, #KEYS do
  local base = (i - 2) * 3 + 1
  local userId, seq, conversationId = ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local current = redis.call('HGET', KEYS[i], userId)
  if not current or tonumber(current) < tonumber(seq) then
    redis.call('HSET', KEYS[i], userId, seq)
    redis.call('EXPIRE', KEYS[i], ttl)
    redis.call('SADD', KEYS[1], conversationId)
    recorded = recorded + 1
  end
end
return recorded`;

/** Takes (reads and clears) what is pending for one conversation. */
const TAKE = `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields`;

/**
 * Delivered positions ("a client of this user received the conversation up to seq N"), which
 * move on every fetch and push of a message, i.e. once per recipient per message. They are
 * recorded in Redis (one hash per conversation, userId → seq, forward only) and written to
 * PostgreSQL in one statement per conversation per FLUSH_EVERY_MS, with one receipt-change row
 * and one stateChanged event to the senders concerned: the database cost follows the
 * conversations and the interval, not the members or the messages. A sender asking for
 * deliveryStatus flushes their conversations first, so they never see less than was received.
 */
@Injectable()
export class DeliveredPositions implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('delivered-positions');
  private flushTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** The flush of each conversation under way in this process (see flushOne). */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly receipts: ReceiptsRepository,
    private readonly events: StateEvents,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Delivered positions reach PostgreSQL at most this late (one batch per conversation).
    if (this.config.DELIVERED_FLUSH_MS > 0) {
      this.flushTimer = setInterval(() => void this.flushDirty(), this.config.DELIVERED_FLUSH_MS);
      this.flushTimer.unref();
    }
    this.pruneTimer = setInterval(
      () =>
        void this.prune().catch((error: unknown) =>
          this.logger.warn({ error: String(error) }, 'receipt prune failed'),
        ),
      PRUNE_EVERY_MS,
    );
    this.pruneTimer.unref();
  }

  /** Before Redis and PostgreSQL close: write what is pending. */
  async onModuleDestroy(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.flushDirty();
  }

  /** Records many positions (a script call per RECORD_CHUNK); returns how many moved. */
  async recordMany(positions: readonly ReceivedPosition[]): Promise<number> {
    let moved = 0;
    for (let start = 0; start < positions.length; start += RECORD_CHUNK) {
      const chunk = positions.slice(start, start + RECORD_CHUNK);
      const keysOf = chunk.map(({ conversationId }) => keys.pending(conversationId));
      const args = chunk.flatMap(({ conversationId, userId, seq }) => [
        userId,
        seq.toString(),
        conversationId,
      ]);
      moved += Number(
        await this.redis.eval(
          RECORD,
          keysOf.length + 1,
          keys.dirty,
          ...keysOf,
          PENDING_TTL_SECONDS,
          ...args,
        ),
      );
    }
    return moved;
  }

  /** Writes what is pending for these conversations now (before answering a sender's deliveryStatus). */
  async flush(conversationIds: Iterable<string>): Promise<void> {
    for (const conversationId of new Set(conversationIds)) {
      try {
        await this.flushOne(conversationId);
      } catch (error: unknown) {
        // The positions went back to Redis; the timer retries. The answer is just less fresh.
        this.logger.warn(
          { conversationId, error: String(error) },
          'could not flush delivered positions',
        );
      }
    }
  }

  /** One round over the dirty conversations (several replicas share the set: SPOP hands each out once). */
  flushDirty(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flushRound().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async flushRound(): Promise<void> {
    try {
      for (;;) {
        const conversationIds = await this.redis.spop(keys.dirty, FLUSH_BATCH);
        for (const conversationId of conversationIds) await this.flushOne(conversationId);
        if (conversationIds.length < FLUSH_BATCH) return;
      }
    } catch (error: unknown) {
      this.logger.warn({ error: String(error) }, 'could not flush delivered positions');
    }
  }

  /**
   * Flushes of one conversation take turns in this process: a sender's flush that starts while
   * the timer's round has taken the conversation's positions but not yet written them waits for
   * that write, so the deliveryStatus it then reads includes them.
   */
  private async flushOne(conversationId: string): Promise<void> {
    const previous = this.inFlight.get(conversationId);
    const run = (previous ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.writeOne(conversationId));
    this.inFlight.set(conversationId, run);
    try {
      await run;
    } finally {
      if (this.inFlight.get(conversationId) === run) this.inFlight.delete(conversationId);
    }
  }

  private async writeOne(conversationId: string): Promise<void> {
    const fields = (await this.redis.eval(TAKE, 1, keys.pending(conversationId))) as string[];
    const positions: DeliveredPosition[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const userId = fields[i];
      const seq = fields[i + 1];
      if (userId !== undefined && seq !== undefined && /^\d+$/.test(seq)) {
        positions.push({ userId, seq: BigInt(seq) });
      }
    }
    const { senders, failure } = await this.writeInParts(conversationId, positions);
    // Only senders see deliveryStatus: tell them, not the whole conversation (also those of the
    // parts written before a failure, which the next round will not move again).
    if (senders.size > 0) await this.events.changedFor([...senders], ['Message']);
    if (failure) throw failure.error;
  }

  /** FLUSH_CHUNK_POSITIONS per statement; on a failure the rest go back to Redis (forward only). */
  private async writeInParts(
    conversationId: string,
    positions: readonly DeliveredPosition[],
  ): Promise<{ senders: Set<string>; failure: { error: unknown } | null }> {
    const senders = new Set<string>();
    for (let start = 0; start < positions.length; start += FLUSH_CHUNK_POSITIONS) {
      const part = positions.slice(start, start + FLUSH_CHUNK_POSITIONS);
      try {
        const written = await this.receipts.flushDelivered(conversationId, part);
        for (const sender of written ?? []) senders.add(sender);
      } catch (error: unknown) {
        const unwritten = positions.slice(start).map((p) => ({ conversationId, ...p }));
        await this.recordMany(unwritten).catch(() => 0);
        return { senders, failure: { error } };
      }
    }
    return { senders, failure: null };
  }

  async prune(now = new Date()): Promise<number> {
    const pruned = await this.receipts.pruneReceiptChanges(
      new Date(now.getTime() - RECEIPT_RETENTION_MS),
    );
    if (pruned > 0) this.logger.log({ pruned }, 'pruned old receipt changes');
    return pruned;
  }
}
