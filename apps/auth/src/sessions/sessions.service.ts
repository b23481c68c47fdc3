import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { isStoreUnavailable } from '@jchat/common';
import type { User } from '@jchat/db';
import {
  type ClientInfo,
  DomainException,
  type SessionView,
  type TokenPair,
} from '@jchat/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { RateLimiter } from '../security/rate-limiter';
import { normaliseEmail } from '../security/email';
import { UsersRepository } from '../users/users.repository';
import { SessionCache } from './session-cache';
import { SessionsRepository } from './sessions.repository';
import { hashToken, newRefreshToken, signAccessToken, verifyRefreshToken } from './tokens';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('sessions');
  private purgeTimer: NodeJS.Timeout | undefined;
  /** Compared against when the email is unknown, so both failures take the same time. */
  private dummyHash = '';

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly cache: SessionCache,
    private readonly limiter: RateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await bcrypt.hash('jchat-timing-equaliser', this.config.BCRYPT_COST);
    this.purgeTimer = setInterval(() => void this.purgeEnded(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async login(rawEmail: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const email = normaliseEmail(rawEmail);
    // Not an address at all (or one PostgreSQL cannot even hold): the same answer as a wrong one.
    if (!email) throw new DomainException('unauthenticated', 'wrong email or password');
    const ipKey = `login:ip:${client.ipAddress ?? 'unknown'}`;
    await this.limiter.hit(ipKey, this.config.LOGIN_LIMIT_PER_IP, this.config.LOGIN_WINDOW_SECONDS);
    await this.limiter.hit(
      `login:email:${email}`,
      this.config.LOGIN_LIMIT_PER_EMAIL,
      this.config.LOGIN_WINDOW_SECONDS,
    );
    await this.limiter.checkBackoff(`login:${email}`);

    const user = await this.users.findByEmail(email);
    const matches = await bcrypt.compare(password, user?.passwordHash ?? this.dummyHash);
    if (!user || !user.passwordHash || !matches) {
      await this.limiter.recordFailure(`login:${email}`, this.config.LOGIN_FAILURES_BEFORE_BACKOFF);
      throw new DomainException('unauthenticated', 'wrong email or password');
    }
    if (!user.isActive) throw new DomainException('forbidden', 'this account has been deactivated');
    await this.limiter.clearFailures(`login:${email}`);
    return this.open(user, client);
  }

  /** Opens a session for a user who has proven who they are (password or provider). */
  async open(user: User, client: ClientInfo): Promise<TokenPair> {
    const now = new Date();
    const id = randomUUID();
    const refreshToken = newRefreshToken({ sessionId: id, generation: 0 }, this.config.JWT_SECRET);
    const expiresAt = new Date(now.getTime() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await this.sessions.create({
      id,
      userId: user.id,
      expiresAt,
      ipAddress: client.ipAddress,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      refreshTokenHash: hashToken(refreshToken),
    });
    await this.users.recordLogin(user.id, now);
    await this.cache.markLive(id, user.id, expiresAt);
    return this.tokens(user.id, id, refreshToken);
  }

  /**
   * Rotates the refresh token. Presenting one that this server issued but that
   * was already used means it leaked: the whole session is revoked. A token we
   * never issued is refused and changes nothing.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = verifyRefreshToken(refreshToken, this.config.JWT_SECRET);
    const session = claims ? await this.sessions.findById(claims.sessionId) : null;
    if (!claims || !session || session.revokedAt || session.expiresAt <= new Date()) {
      throw new DomainException('unauthenticated', 'refresh token is not valid');
    }
    const user = await this.users.findById(session.userId);
    if (!user?.isActive) throw new DomainException('unauthenticated', 'refresh token is not valid');
    const next = newRefreshToken(
      { sessionId: session.id, generation: claims.generation + 1 },
      this.config.JWT_SECRET,
    );
    const rotated =
      claims.generation === session.refreshGeneration &&
      (await this.sessions.rotate(session.id, hashToken(refreshToken), hashToken(next)));
    if (!rotated) {
      this.logger.warn(
        { sessionId: session.id, userId: session.userId },
        'refresh token reused: session revoked',
      );
      await this.revoke(session.userId, session.id);
      throw new DomainException(
        'unauthenticated',
        'refresh token was already used; the session has been ended',
      );
    }
    await this.cache.markLive(session.id, session.userId, session.expiresAt);
    return this.tokens(session.userId, session.id, next);
  }

  async revoke(userId: string, sessionId: string): Promise<boolean> {
    const revoked = await this.sessions.revoke(userId, sessionId, new Date());
    // Only the owner's own session may be marked: a guessed id must not log someone out.
    if (revoked) await this.cache.markRevoked([sessionId]);
    return revoked;
  }

  async revokeOther(userId: string, sessionId: string): Promise<void> {
    if (!(await this.revoke(userId, sessionId)))
      throw new DomainException('not_found', 'no such session');
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.cache.markRevoked(await this.sessions.revokeAll(userId, new Date()));
  }

  async list(userId: string, currentSessionId: string): Promise<SessionView[]> {
    const sessions = await this.sessions.listLive(userId, new Date());
    return sessions.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      ipAddress: s.ipAddress,
      userAgent: s.userAgent,
      current: s.id === currentSessionId,
    }));
  }

  /** The gateway's cache-miss path: decides from the database and refills the cache. */
  async isLive(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.sessions.findById(sessionId);
    const user = session ? await this.users.findById(session.userId) : null;
    const live =
      !!session &&
      session.userId === userId &&
      !session.revokedAt &&
      session.expiresAt > new Date() &&
      !!user?.isActive;
    try {
      if (live && session) await this.cache.markLive(session.id, session.userId, session.expiresAt);
      else await this.cache.markDead([sessionId]);
    } catch (error: unknown) {
      // The database has answered; a cache that cannot be refilled now is refilled next time.
      if (!isStoreUnavailable(error)) throw error;
    }
    return live;
  }

  async purgeEnded(): Promise<number> {
    const purged = await this.sessions.purgeEndedBefore(new Date());
    if (purged > 0) this.logger.log(`purged ${purged} ended sessions`);
    return purged;
  }

  private tokens(userId: string, sessionId: string, refreshToken: string): TokenPair {
    const ttl = this.config.ACCESS_TOKEN_TTL_SECONDS;
    return {
      accessToken: signAccessToken(userId, sessionId, this.config.JWT_SECRET, ttl),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: ttl,
      sessionId,
    };
  }
}
