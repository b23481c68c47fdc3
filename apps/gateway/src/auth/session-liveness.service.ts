import { Inject, Injectable } from '@nestjs/common';
import { isStoreUnavailable, REDIS, type Redis } from '@jchat/common';
import { AuthSubjects, REVOKED_SESSION_MARK, sessionCacheKey } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';

/**
 * Is this session still live? Answered from Redis (written by the auth service
 * on login/refresh and on revoke), so a request costs no database query; on a
 * cache miss, or while Redis is unreachable, the auth service decides (and
 * refills the cache when it can).
 */
/** Sessions whose cached liveness one Redis read fetches. */
const SESSIONS_PER_READ = 500;

function unlessUnavailable(error: unknown): null {
  if (isStoreUnavailable(error)) return null;
  throw error;
}

@Injectable()
export class SessionLivenessService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly bus: BusClient,
  ) {}

  async isLive(userId: string, sessionId: string, requestId?: string): Promise<boolean> {
    const cached = await this.redis.get(sessionCacheKey(sessionId)).catch(unlessUnavailable);
    return this.decide(userId, sessionId, cached ?? null, requestId);
  }

  /**
   * isLive for many sessions at once (the periodic re-check of open push connections): one MGET
   * per SESSIONS_PER_READ sessions instead of a round trip each. A session whose liveness cannot
   * be checked now (Redis and the auth service both unreachable) counts as live.
   */
  async areLive(sessions: readonly { userId: string; sessionId: string }[]): Promise<boolean[]> {
    const answers: boolean[] = [];
    for (let start = 0; start < sessions.length; start += SESSIONS_PER_READ) {
      const chunk = sessions.slice(start, start + SESSIONS_PER_READ);
      const cached =
        (await this.redis
          .mget(chunk.map((session) => sessionCacheKey(session.sessionId)))
          .catch(unlessUnavailable)) ?? chunk.map(() => null);
      const decided = await Promise.all(
        chunk.map((session, index) =>
          this.decide(session.userId, session.sessionId, cached[index] ?? null).catch(() => true),
        ),
      );
      answers.push(...decided);
    }
    return answers;
  }

  private async decide(
    userId: string,
    sessionId: string,
    cached: string | null,
    requestId?: string,
  ): Promise<boolean> {
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
