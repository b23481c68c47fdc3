import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { Subscription } from 'nats';
import { isStoreUnavailable, REDIS, type Redis } from '@jchat/common';
import {
  AuthSubjects,
  Events,
  REVOKED_SESSION_MARK,
  sessionCacheKey,
  type TokenPair,
} from '@jchat/contracts';
import { BusClient, EventBus } from '@jchat/bus';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { RememberedSessions } from './remembered-sessions';

/** Sessions whose cached liveness one Redis read fetches. */
const SESSIONS_PER_READ = 500;

function unlessUnavailable(error: unknown): null {
  if (isStoreUnavailable(error)) return null;
  throw error;
}

/**
 * Is this session still live? Sessions confirmed lately are remembered here (RememberedSessions:
 * forgotten at once on `Events.sessionsRevoked`, and after SESSION_LIVENESS_MEMORY_MS at most);
 * others are answered from Redis (written by the auth service on login/refresh and on revoke),
 * so a request costs no database query; on a cache miss, or while Redis is unreachable, the
 * auth service decides (and refills the cache when it can).
 */
@Injectable()
export class SessionLivenessService implements OnModuleInit, OnModuleDestroy {
  private readonly remembered: RememberedSessions;
  private revocations: Subscription | null = null;
  private readonly revokedListeners: ((sessionIds: readonly string[]) => void)[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly bus: BusClient,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.remembered = new RememberedSessions(config.SESSION_LIVENESS_MEMORY_MS);
  }

  onModuleInit(): void {
    this.revocations = this.events.watch(Events.sessionsRevoked, (event) => {
      const ids = Array.isArray(event?.sessionIds) ? event.sessionIds : null;
      if (ids && ids.every((id) => typeof id === 'string')) {
        this.remembered.forget(ids);
        for (const listener of this.revokedListeners) listener(ids);
      } else {
        this.remembered.forgetAll();
      }
    });
    this.events.watchConnection((connected) => this.remembered.connectionChanged(connected));
  }

  onModuleDestroy(): void {
    this.revocations?.unsubscribe();
  }

  /** Calls `listener` with the sessions of every revocation announced from now on. */
  onRevoked(listener: (sessionIds: readonly string[]) => void): void {
    this.revokedListeners.push(listener);
  }

  async isLive(userId: string, sessionId: string, requestId?: string): Promise<boolean> {
    const known = this.remembered.answer(userId, sessionId);
    if (known !== undefined) return known;
    const epoch = this.remembered.epoch;
    const cached = await this.redis.get(sessionCacheKey(sessionId)).catch(unlessUnavailable);
    const live = await this.decide(userId, sessionId, cached ?? null, requestId);
    if (live) this.remembered.remember(userId, sessionId, epoch);
    return live;
  }

  /**
   * Tokens the auth service has just issued (login, refresh) name a live session: remembered,
   * so the client's first requests and its WebSocket need no Redis read. `epoch` is
   * `issuing()`'s, taken before the request for them was sent.
   */
  issued(tokens: TokenPair, epoch: number): void {
    const userId = subjectOf(tokens.accessToken);
    if (userId) this.remembered.remember(userId, tokens.sessionId, epoch);
  }

  issuing(): number {
    return this.remembered.epoch;
  }

  /** This gateway has just ended these sessions (logout, revocation): forgotten before the reply. */
  ended(sessionIds: readonly string[]): void {
    this.remembered.forget(sessionIds);
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

/** The `sub` claim of an access token the auth service has just issued (its signature unchecked). */
function subjectOf(accessToken: string): string | undefined {
  const claims = jwt.decode(accessToken, { json: true });
  return typeof claims?.sub === 'string' ? claims.sub : undefined;
}
