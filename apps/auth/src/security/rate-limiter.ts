import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { REDIS, type Redis } from '@jchat/common';
import { DomainException } from '@jchat/contracts';

/** Failures of one key are counted over this long (from the first). */
const FAILURE_WINDOW_SECONDS = 3600;
/** The longest back-off after repeated failures. */
const MAX_BACKOFF_SECONDS = 900;

/**
 * Fixed-window attempt limits and failure back-off in Redis (rate-limiter-flexible), shared by
 * every replica of the auth service. A refusal is `rate_limited` with `retryAfterSeconds`.
 */
@Injectable()
export class RateLimiter {
  private readonly windows = new Map<string, RateLimiterRedis>();
  private readonly failures: RateLimiterRedis;
  private readonly blocks: RateLimiterRedis;

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.failures = this.limiter('rl:fail', Number.MAX_SAFE_INTEGER, FAILURE_WINDOW_SECONDS);
    // One point: block() puts a key past it for the back-off, get() tells whether it is.
    this.blocks = this.limiter('rl:block', 1, 1);
  }

  /** Counts one attempt under `key`; refuses when the window already holds `limit`. */
  async hit(key: string, limit: number, windowSeconds: number): Promise<void> {
    const name = `${limit}/${windowSeconds}`;
    let window = this.windows.get(name);
    if (!window) {
      window = this.limiter('rl', limit, windowSeconds);
      this.windows.set(name, window);
    }
    try {
      await window.consume(key);
    } catch (refusal: unknown) {
      if (refusal instanceof RateLimiterRes) throw tooMany(refusal.msBeforeNext / 1000);
      throw refusal; // Redis itself failed
    }
  }

  /** Refuses while a back-off set by `recordFailure` is running. */
  async checkBackoff(key: string): Promise<void> {
    const block = await this.blocks.get(key);
    if (block && block.consumedPoints > this.blocks.points && block.msBeforeNext > 0) {
      throw tooMany(block.msBeforeNext / 1000);
    }
  }

  /** After `freeFailures`, each failure doubles the wait before the next try (max 15 min). */
  async recordFailure(key: string, freeFailures: number): Promise<void> {
    const { consumedPoints: failures } = await this.failures.penalty(key);
    if (failures >= freeFailures) {
      const seconds = Math.min(2 ** (failures - freeFailures + 1), MAX_BACKOFF_SECONDS);
      await this.blocks.block(key, seconds);
    }
  }

  async clearFailures(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.blocks.delete(key)]);
  }

  private limiter(keyPrefix: string, points: number, duration: number): RateLimiterRedis {
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration });
  }
}

function tooMany(retryAfterSeconds: number): DomainException {
  return new DomainException('rate_limited', 'too many attempts; try again later', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}
