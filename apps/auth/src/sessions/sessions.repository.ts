import { Injectable } from '@nestjs/common';
import { PrismaService, type Session } from '@jchat/db';

export interface NewSession {
  userId: string;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
  refreshTokenHash: string;
}

/** The only place that reads or writes `sessions`; every method is scoped to a user or session. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(session: NewSession & { id: string }): Promise<Session> {
    return this.prisma.session.create({ data: session });
  }

  findById(sessionId: string): Promise<Session | null> {
    return this.prisma.session.findUnique({ where: { id: sessionId } });
  }

  /**
   * Swaps the refresh token only if the presented one is still the current one,
   * so two concurrent refreshes with the same token cannot both win.
   */
  async rotate(sessionId: string, presentedHash: string, nextHash: string): Promise<boolean> {
    const result = await this.prisma.session.updateMany({
      where: { id: sessionId, refreshTokenHash: presentedHash, revokedAt: null },
      data: { refreshTokenHash: nextHash, refreshGeneration: { increment: 1 } },
    });
    return result.count === 1;
  }

  async revoke(userId: string, sessionId: string, at: Date): Promise<boolean> {
    const result = await this.prisma.session.updateMany({
      where: { id: sessionId, userId, revokedAt: null },
      data: { revokedAt: at, refreshTokenHash: null },
    });
    return result.count === 1;
  }

  /** Revokes every live session of the user; returns their ids. */
  async revokeAll(userId: string, at: Date): Promise<string[]> {
    const revoked = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE sessions SET revoked_at = ${at}, refresh_token_hash = NULL
       WHERE user_id = ${userId}::uuid AND revoked_at IS NULL
      RETURNING id::text AS id`;
    return revoked.map((s) => s.id);
  }

  listLive(userId: string, now: Date): Promise<Session[]> {
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** Deletes sessions that expired (or were revoked) before `cutoff`. */
  async purgeEndedBefore(cutoff: Date): Promise<number> {
    const result = await this.prisma.session.deleteMany({
      where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] },
    });
    return result.count;
  }
}
