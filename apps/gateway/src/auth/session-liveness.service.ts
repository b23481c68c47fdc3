import { Inject, Injectable } from '@nestjs/common';
import { isStoreUnavailable, REDIS, type Redis } from '@jchat/common';
import { AuthSubjects, BusClient, REVOKED_SESSION_MARK, sessionCacheKey } from '@jchat/contracts';

/**
 * Is this session still live? Answered from Redis (written by the auth service
 * on login/refresh and on revoke), so a request costs no database query; on a
 * cache miss, or while Redis is unreachable, the auth service decides (and
 * refills the cache when it can).
 */
@Injectable()
export class SessionLivenessService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly bus: BusClient,
  ) {}

  async isLive(userId: string, sessionId: string, requestId?: string): Promise<boolean> {
    const cached = await this.redis.get(sessionCacheKey(sessionId)).catch((error: unknown) => {
      if (isStoreUnavailable(error)) return null;
      throw error;
    });
    if (cached === REVOKED_SESSION_MARK) return false;
    if (cached !== null) return cached === userId;
    const reply = await this.bus.request(
      AuthSubjects.checkSession,
      { userId, sessionId },
      { requestId },
    );
    return reply.live;
  }
}
