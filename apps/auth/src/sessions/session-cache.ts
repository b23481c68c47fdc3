import { Inject, Injectable } from '@nestjs/common';
import { REDIS, type Redis } from '@jchat/common';
import { Events, REVOKED_SESSION_MARK, sessionCacheKey } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { AUTH_CONFIG, type AuthConfig } from '../config';

/**
 * What the gateway reads to decide, without a database query, whether an access
 * token's session is live. A revoked mark outlives every access token of it, and every
 * revocation is also announced (`Events.sessionsRevoked`) to the gateways, which remember
 * recently confirmed sessions in memory.
 */
const MARK_LIVE_UNLESS_REVOKED = `
if redis.call('GET', KEYS[1]) == ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

@Injectable()
export class SessionCache {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  /** Never overwrites a revoked mark: a refresh racing a logout must not revive the session. */
  async markLive(sessionId: string, userId: string, expiresAt: Date): Promise<void> {
    const ttlMs = Math.max(1000, expiresAt.getTime() - Date.now());
    await this.redis.eval(
      MARK_LIVE_UNLESS_REVOKED,
      1,
      sessionCacheKey(sessionId),
      userId,
      String(ttlMs),
      REVOKED_SESSION_MARK,
    );
  }

  /** Sessions just ended: marked, and announced to every gateway. */
  async markRevoked(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.markDead(sessionIds);
    // Awaited: a revocation the gateways may not have heard of is not reported done. It fails
    // only with NATS away, and a gateway cut off from NATS trusts nothing it remembers.
    await this.events.publish(Events.sessionsRevoked, { sessionIds });
  }

  /** Sessions found dead (a cache refill: no gateway can remember them as live). */
  async markDead(sessionIds: string[]): Promise<void> {
    const ttlSeconds = this.config.ACCESS_TOKEN_TTL_SECONDS + 60;
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds)
      pipeline.set(sessionCacheKey(id), REVOKED_SESSION_MARK, 'EX', ttlSeconds);
    await pipeline.exec();
  }
}
