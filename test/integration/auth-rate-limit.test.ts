// The auth service's attempt limits and failure back-off (apps/auth/src/security/rate-limiter.ts)
// against a real Redis: refusals are rate_limited with a retry hint, and the keys stay under rl:.
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DomainException } from '@jchat/contracts';
import { RateLimiter } from '../../apps/auth/src/security/rate-limiter';
import { prefix, redisUrl } from '../support/env';

async function refusal(attempt: Promise<void>): Promise<DomainException> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('the attempt was allowed');
}

describe('RateLimiter', () => {
  let redis: Redis;
  let limiter: RateLimiter;

  beforeAll(() => {
    redis = new Redis(redisUrl(), { keyPrefix: `${prefix()}:` });
    limiter = new RateLimiter(redis);
  });

  afterAll(() => redis.quit());

  it('allows `limit` attempts per window, then refuses with the time left', async () => {
    const key = `login:ip:${randomUUID()}`;
    for (let i = 0; i < 3; i++) await limiter.hit(key, 3, 60);
    const refused = await refusal(limiter.hit(key, 3, 60));
    expect(refused.code).toBe('rate_limited');
    const retry = refused.details?.retryAfterSeconds as number;
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(retry).toBeLessThanOrEqual(60);
    // Another key, or the same key under another limit, has its own count.
    await limiter.hit(`login:ip:${randomUUID()}`, 3, 60);
    expect(await redis.pttl(`rl:${key}`)).toBeGreaterThan(58_000);
  });

  it('backs off after the free failures, doubling, until a success clears them', async () => {
    const key = `login:${randomUUID()}@example.com`;
    await limiter.recordFailure(key, 3);
    await limiter.recordFailure(key, 3);
    await limiter.checkBackoff(key); // two failures: still free
    await limiter.recordFailure(key, 3);
    expect((await refusal(limiter.checkBackoff(key))).details).toEqual({ retryAfterSeconds: 2 });
    await limiter.recordFailure(key, 3);
    expect((await refusal(limiter.checkBackoff(key))).details).toEqual({ retryAfterSeconds: 4 });
    await limiter.clearFailures(key);
    await limiter.checkBackoff(key);
    await limiter.recordFailure(key, 3);
    await limiter.checkBackoff(key); // counting starts again
  });

  it('caps the back-off at 15 minutes', async () => {
    const key = `login:${randomUUID()}@example.com`;
    for (let i = 0; i < 15; i++) await limiter.recordFailure(key, 1);
    expect((await refusal(limiter.checkBackoff(key))).details).toEqual({ retryAfterSeconds: 900 });
    await limiter.clearFailures(key);
  });
});
