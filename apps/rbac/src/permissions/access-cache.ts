import { Inject, Injectable } from '@nestjs/common';
import { REDIS, type Redis } from '@jchat/common';
import type { AccessChangedEvent, ConversationAccess } from '@jchat/contracts';

const TTL_SECONDS = 600;

/** Epoch counters read before computing an answer; the answer is stored only if none moved. */
export interface CacheEpochs {
  all: string;
  conversation: string;
  user: string;
}

// Stores an answer unless an invalidation bumped one of the epochs since they were read, so an
// answer computed from data older than the invalidation is never cached after it.
const STORE_UNLESS_INVALIDATED = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[2] then return 0 end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
redis.call('EXPIRE', KEYS[4], ARGV[6])
redis.call('SADD', KEYS[5], ARGV[7])
redis.call('EXPIRE', KEYS[5], ARGV[6])
return 1`;

const keys = {
  allEpoch: 'rbac:access-epoch',
  conversationEpoch: (conversationId: string) => `rbac:access-epoch:c:${conversationId}`,
  userEpoch: (userId: string) => `rbac:access-epoch:u:${userId}`,
  /** Hash of userId → cached ConversationAccess JSON. */
  answers: (conversationId: string) => `rbac:access:${conversationId}`,
  /** Set of the conversation ids with a cached answer for the user. */
  conversationsOf: (userId: string) => `rbac:access-of:${userId}`,
};

/**
 * Access answers in Redis, one hash per conversation, so a hit costs one HGET. Invalidation
 * (AccessChangedEvent) deletes the entries and bumps an epoch, which keeps a computation that
 * raced with it from storing a stale answer.
 */
@Injectable()
export class AccessCache {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async get(conversationId: string, userId: string): Promise<ConversationAccess | null> {
    const cached = await this.redis.hget(keys.answers(conversationId), userId);
    return cached === null ? null : (JSON.parse(cached) as ConversationAccess);
  }

  async epochs(conversationId: string, userId: string): Promise<CacheEpochs> {
    const [all, conversation, user] = await this.redis.mget(
      keys.allEpoch,
      keys.conversationEpoch(conversationId),
      keys.userEpoch(userId),
    );
    return { all: all ?? '', conversation: conversation ?? '', user: user ?? '' };
  }

  async store(
    conversationId: string,
    userId: string,
    epochs: CacheEpochs,
    access: ConversationAccess,
  ): Promise<void> {
    await this.redis.eval(
      STORE_UNLESS_INVALIDATED,
      5,
      keys.allEpoch,
      keys.conversationEpoch(conversationId),
      keys.userEpoch(userId),
      keys.answers(conversationId),
      keys.conversationsOf(userId),
      epochs.all,
      epochs.conversation,
      epochs.user,
      userId,
      JSON.stringify(access),
      TTL_SECONDS,
      conversationId,
    );
  }

  async invalidate(event: AccessChangedEvent): Promise<void> {
    const { conversationId, userIds } = event;
    if (conversationId !== null) {
      const pipeline = this.redis.multi().incr(keys.conversationEpoch(conversationId));
      pipeline.expire(keys.conversationEpoch(conversationId), TTL_SECONDS * 2);
      if (userIds.length === 0) pipeline.del(keys.answers(conversationId));
      else pipeline.hdel(keys.answers(conversationId), ...userIds);
      await pipeline.exec();
      return;
    }
    if (userIds.length === 0) {
      await this.invalidateEverything();
      return;
    }
    for (const userId of userIds) {
      await this.redis
        .multi()
        .incr(keys.userEpoch(userId))
        .expire(keys.userEpoch(userId), TTL_SECONDS * 2)
        .exec();
      const conversationIds = await this.redis.smembers(keys.conversationsOf(userId));
      const pipeline = this.redis.multi();
      for (const id of conversationIds) pipeline.hdel(keys.answers(id), userId);
      pipeline.del(keys.conversationsOf(userId));
      await pipeline.exec();
    }
  }

  /** Rare (the permissions of the everyone role changed): bump the global epoch, drop every hash. */
  private async invalidateEverything(): Promise<void> {
    await this.redis.incr(keys.allEpoch);
    const prefix = this.redis.options.keyPrefix ?? '';
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(
        cursor,
        'MATCH',
        `${prefix}rbac:access:*`,
        'COUNT',
        500,
      );
      cursor = next;
      // SCAN returns full names; commands add the prefix again, so strip it.
      if (found.length > 0) await this.redis.del(...found.map((key) => key.slice(prefix.length)));
    } while (cursor !== '0');
  }
}
