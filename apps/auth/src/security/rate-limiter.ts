import { Inject, Injectable } from '@nestjs/common';
import { REDIS, type Redis } from '@jchat/common';
import { DomainException } from '@jchat/contracts';

/**
 * Fixed-window counters and failure back-off in Redis, shared by every replica
 * of the auth service. A refusal is `rate_limited` with `retryAfterSeconds`.
 */
@Injectable()
export class RateLimiter {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Counts one attempt under `key`; refuses when the window already holds `limit`. */
  async hit(key: string, limit: number, windowSeconds: number): Promise<void> {
    const redisKey = `rl:${key}`;
    const [[, count], [, ttl]] = (await this.redis
      .multi()
      .incr(redisKey)
      .pttl(redisKey)
      .exec()) as [[null, number], [null, number]];
    if (ttl < 0) await this.redis.pexpire(redisKey, windowSeconds * 1000);
    if (count > limit) throw tooMany(ttl > 0 ? ttl / 1000 : windowSeconds);
  }

  /** Refuses while a back-off set by `recordFailure` is running. */
  async checkBackoff(key: string): Promise<void> {
    const ttl = await this.redis.pttl(`rl:block:${key}`);
    if (ttl > 0) throw tooMany(ttl / 1000);
  }

  /** After `freeFailures`, each failure doubles the wait before the next try (max 15 min). */
  async recordFailure(key: string, freeFailures: number): Promise<void> {
    const failures = await this.redis.incr(`rl:fail:${key}`);
    await this.redis.expire(`rl:fail:${key}`, 3600);
    if (failures >= freeFailures) {
      const seconds = Math.min(2 ** (failures - freeFailures + 1), 900);
      await this.redis.set(`rl:block:${key}`, '1', 'EX', seconds);
    }
  }

  async clearFailures(key: string): Promise<void> {
    await this.redis.del(`rl:fail:${key}`, `rl:block:${key}`);
  }
}

function tooMany(retryAfterSeconds: number): DomainException {
  return new DomainException('rate_limited', 'too many attempts; try again later', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}
