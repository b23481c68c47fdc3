import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { REDIS, type Redis } from '@jchat/common';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { REFRESH_SCRIPT, TYPING_EXPIRE_SCRIPT, TYPING_STOP_SCRIPT } from './presence.scripts';
import { isNoScript, RedisScript } from './redis-script';

export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export function isPresenceStatus(value: unknown): value is PresenceStatus {
  return typeof value === 'string' && (PRESENCE_STATUSES as readonly string[]).includes(value);
}

export interface RefreshInput {
  userId: string;
  now: number;
  /** Record a change (new seq) even if the status stays: statusMessage or chosen status changed. */
  force?: boolean;
  /** A gateway reporting the user connected until `expiresAt` (or, on close, for the grace period). */
  gateway?: { id: string; expiresAt: number };
  activeAt?: number;
}

export interface RefreshOutcome {
  userId: string;
  changed: boolean;
  status: PresenceStatus;
  seq: bigint;
  /** The lastSeenAt throttle let this one through: write it to PostgreSQL. */
  writeLastSeen: boolean;
  seenAt: number;
}

/** One user's presence as kept in Redis (absent fields: not known there). */
export interface PresenceRecord {
  status: PresenceStatus;
  chosen: PresenceStatus;
  statusMessage: string | null;
  seenAt: number | null;
  typingIn: string | null;
  updatedAt: number | null;
  /** Whether the PostgreSQL row (chosen status, message) has been copied in. */
  loaded: boolean;
}

const FIELDS = [
  'status',
  'chosen',
  'message',
  'seenAt',
  'typingIn',
  'typingUntil',
  'updatedAt',
  'loaded',
] as const;

const keys = {
  gateways: (userId: string) => `presence:gw:${userId}`,
  user: (userId: string) => `presence:user:${userId}`,
  lastSeenThrottle: (userId: string) => `presence:lastseen:${userId}`,
  typingThrottle: (userId: string, conversationId: string) =>
    `typing:throttle:${userId}:${conversationId}`,
  live: 'presence:live',
  idle: 'presence:idle',
  seq: 'presence:seq',
  changes: 'presence:changes',
  typing: 'typing:expiry',
};

/** Users looked up per ZMSCORE. */
const LOOKUP_CHUNK = 1000;

function typingMember(userId: string, conversationId: string): string {
  return `${userId}|${conversationId}`;
}

/**
 * Presence in Redis, with expiry: which gateways hold a user's connections (and until
 * when), the chosen status and message, last activity, typing, and a change counter
 * (the Presence state). No PostgreSQL access here.
 */
@Injectable()
export class PresenceStore implements OnModuleInit {
  private readonly refreshScript = new RedisScript(REFRESH_SCRIPT);
  private readonly typingExpireScript = new RedisScript(TYPING_EXPIRE_SCRIPT);
  private readonly typingStopScript = new RedisScript(TYPING_STOP_SCRIPT);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.loadScripts();
  }

  private async loadScripts(): Promise<void> {
    for (const script of [this.refreshScript, this.typingExpireScript, this.typingStopScript]) {
      await script.load(this.redis);
    }
  }

  /** Runs `work` again once if Redis lost its script cache (restarted or flushed). */
  private async withScripts<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error: unknown) {
      if (!isNoScript(error)) throw error;
      await this.loadScripts();
      return work();
    }
  }

  /** Applies gateway reports and activity, recomputes each status; one round trip for all. */
  refresh(inputs: readonly RefreshInput[]): Promise<RefreshOutcome[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return this.withScripts(async () => {
      const pipeline = this.redis.pipeline();
      for (const input of inputs) {
        this.refreshScript.queue(
          pipeline,
          [
            keys.gateways(input.userId),
            keys.user(input.userId),
            keys.live,
            keys.idle,
            keys.seq,
            keys.changes,
            keys.lastSeenThrottle(input.userId),
          ],
          [
            input.userId,
            String(input.now),
            this.config.PRESENCE_AWAY_AFTER_MS,
            this.config.PRESENCE_RECORD_TTL_SECONDS,
            input.force ? '1' : '0',
            input.gateway?.id ?? '',
            input.gateway ? String(input.gateway.expiresAt) : '0',
            input.activeAt === undefined ? '' : String(input.activeAt),
            this.config.PRESENCE_LAST_SEEN_WRITE_MS,
          ],
        );
      }
      const results = (await pipeline.exec()) ?? [];
      return inputs.map((input, index) => {
        const [error, value] = results[index] ?? [new Error('no reply from Redis'), null];
        if (error) throw error;
        const [changed, status, seq, writeLastSeen, seenAt] = value as [
          number,
          string,
          number,
          number,
          string,
        ];
        return {
          userId: input.userId,
          changed: changed === 1,
          status: isPresenceStatus(status) ? status : 'offline',
          seq: BigInt(seq),
          writeLastSeen: writeLastSeen === 1,
          seenAt: Number(seenAt),
        };
      });
    });
  }

  async read(userIds: readonly string[], now: number): Promise<Map<string, PresenceRecord | null>> {
    const found = new Map<string, PresenceRecord | null>();
    if (userIds.length === 0) return found;
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hmget(keys.user(userId), ...FIELDS);
    const results = (await pipeline.exec()) ?? [];
    userIds.forEach((userId, index) => {
      const [error, value] = results[index] ?? [new Error('no reply from Redis'), null];
      if (error) throw error;
      found.set(userId, toRecord(value as (string | null)[], now));
    });
    return found;
  }

  /** Copies the PostgreSQL row into a record that does not have it yet. */
  /**
   * Stores the saved choices of users not loaded yet (a choice already in Redis wins: it is
   * newer), in one round trip.
   */
  async seed(
    rows: readonly {
      userId: string;
      chosen: PresenceStatus;
      statusMessage: string | null;
      lastSeenAt: number;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      const key = keys.user(row.userId);
      pipeline.hsetnx(key, 'chosen', row.chosen);
      if (row.statusMessage !== null) pipeline.hsetnx(key, 'message', row.statusMessage);
      pipeline.hsetnx(key, 'seenAt', String(row.lastSeenAt));
      pipeline.hset(key, 'loaded', '1');
      pipeline.expire(key, this.config.PRESENCE_RECORD_TTL_SECONDS);
    }
    await pipeline.exec();
  }

  /** Those of the users whose saved choice is not in Redis yet. */
  async notLoaded(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hexists(keys.user(userId), 'loaded');
    const results = (await pipeline.exec()) ?? [];
    return userIds.filter((_, index) => {
      const [error, loaded] = results[index] ?? [null, 0];
      return error !== null || loaded !== 1;
    });
  }

  async setChosen(
    userId: string,
    change: { chosen?: PresenceStatus; statusMessage?: string | null },
  ): Promise<void> {
    const key = keys.user(userId);
    const pipeline = this.redis.pipeline();
    if (change.chosen !== undefined) pipeline.hset(key, 'chosen', change.chosen);
    if (change.statusMessage !== undefined) {
      if (change.statusMessage === null) pipeline.hdel(key, 'message');
      else pipeline.hset(key, 'message', change.statusMessage);
    }
    pipeline.expire(key, this.config.PRESENCE_RECORD_TTL_SECONDS);
    await pipeline.exec();
  }

  async currentSeq(): Promise<bigint> {
    return BigInt((await this.redis.get(keys.seq)) ?? '0');
  }

  /** Users whose presence changed after `seq`, oldest change first. */
  async changedSince(
    seq: bigint,
    offset: number,
    limit: number,
  ): Promise<{ userId: string; seq: bigint }[]> {
    const flat = await this.redis.zrangebyscore(
      keys.changes,
      `(${seq}`,
      '+inf',
      'WITHSCORES',
      'LIMIT',
      offset,
      limit,
    );
    const out: { userId: string; seq: bigint }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [userId, seq] = [flat[i], flat[i + 1]];
      if (userId !== undefined && seq !== undefined) out.push({ userId, seq: BigInt(seq) });
    }
    return out;
  }

  /** The seq of each user's last presence change (users never changed are left out). */
  async lastChanges(userIds: readonly string[]): Promise<Map<string, bigint>> {
    const found = new Map<string, bigint>();
    for (let start = 0; start < userIds.length; start += LOOKUP_CHUNK) {
      const chunk = userIds.slice(start, start + LOOKUP_CHUNK);
      const scores = await this.redis.zmscore(keys.changes, ...chunk);
      chunk.forEach((userId, index) => {
        const score = scores[index];
        if (score !== null && score !== undefined) found.set(userId, BigInt(score));
      });
    }
    return found;
  }

  /** Users whose last gateway report has run out. */
  expiredConnections(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(keys.live, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Online users idle since before `before`. */
  idleUsers(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(keys.idle, '-inf', before, 'LIMIT', 0, limit);
  }

  /** Records typing; returns the conversation the user was typing in before, if another one. */
  async startTyping(userId: string, conversationId: string, until: number): Promise<string | null> {
    const key = keys.user(userId);
    const previous = await this.redis.hget(key, 'typingIn');
    const pipeline = this.redis.pipeline();
    pipeline.hset(key, 'typingIn', conversationId, 'typingUntil', String(until));
    pipeline.expire(key, this.config.PRESENCE_RECORD_TTL_SECONDS);
    pipeline.zadd(keys.typing, until, typingMember(userId, conversationId));
    if (previous !== null && previous !== conversationId) {
      pipeline.zrem(keys.typing, typingMember(userId, previous));
    }
    await pipeline.exec();
    return previous !== null && previous !== conversationId ? previous : null;
  }

  /** The conversation the user is typing in now, if any. */
  async typingIn(userId: string, now: number): Promise<string | null> {
    const [conversationId, until] = await this.redis.hmget(
      keys.user(userId),
      'typingIn',
      'typingUntil',
    );
    return conversationId && Number(until) > now ? conversationId : null;
  }

  /** Stops typing at once; true when the user was typing there. */
  stopTyping(userId: string, conversationId: string): Promise<boolean> {
    return this.withScripts(async () => {
      const removed = await this.typingStopScript.call(
        this.redis,
        [keys.typing, keys.user(userId)],
        [typingMember(userId, conversationId), conversationId],
      );
      return removed === 1;
    });
  }

  /** Typing indicators past their expiry, as [userId, conversationId]. */
  async expiredTyping(now: number, limit: number): Promise<[string, string][]> {
    const members = await this.redis.zrangebyscore(keys.typing, '-inf', now, 'LIMIT', 0, limit);
    return members.flatMap((member) => {
      const bar = member.indexOf('|');
      return bar > 0 ? [[member.slice(0, bar), member.slice(bar + 1)] as [string, string]] : [];
    });
  }

  /** Ends an expired typing indicator; true for the one caller that ended it. */
  expireTyping(userId: string, conversationId: string, now: number): Promise<boolean> {
    return this.withScripts(async () => {
      const ended = await this.typingExpireScript.call(
        this.redis,
        [keys.typing, keys.user(userId)],
        [typingMember(userId, conversationId), String(now), conversationId],
      );
      return ended === 1;
    });
  }

  /** True at most once per `ms` for a user and conversation: whether to publish typing now. */
  async typingThrottle(userId: string, conversationId: string, ms: number): Promise<boolean> {
    if (ms <= 0) return true;
    return (
      (await this.redis.set(keys.typingThrottle(userId, conversationId), '1', 'PX', ms, 'NX')) ===
      'OK'
    );
  }

  async clearTypingThrottle(userId: string, conversationId: string): Promise<void> {
    await this.redis.del(keys.typingThrottle(userId, conversationId));
  }
}

function toRecord(values: (string | null)[], now: number): PresenceRecord | null {
  const [status, chosen, message, seenAt, typingIn, typingUntil, updatedAt, loaded] = values;
  if (values.every((value) => value === null)) return null;
  return {
    status: isPresenceStatus(status) ? status : 'offline',
    chosen: isPresenceStatus(chosen) ? chosen : 'online',
    statusMessage: message ?? null,
    seenAt: seenAt ? Number(seenAt) : null,
    typingIn: typingIn && Number(typingUntil) > now ? typingIn : null,
    updatedAt: updatedAt ? Number(updatedAt) : null,
    loaded: loaded === '1',
  };
}
