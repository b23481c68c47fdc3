import { PrismaService } from '@jchat/db';
import { SessionsRepository } from '../../apps/auth/src/sessions/sessions.repository';

describe('sessions repository against PostgreSQL', () => {
  const prisma = new PrismaService({ url: process.env.DATABASE_URL!, poolSize: 2 });
  const sessions = new SessionsRepository(prisma);
  let userId: string;

  beforeAll(async () => {
    await prisma.onModuleInit();
    const user = await prisma.user.create({
      data: { email: `purge-${Date.now()}@example.test`, displayName: 'Purge' },
    });
    userId = user.id;
  });

  afterAll(() => prisma.onModuleDestroy());

  function session(id: string, expiresAt: Date) {
    return sessions.create({
      id,
      userId,
      expiresAt,
      ipAddress: '10.0.0.1',
      userAgent: 'jest',
      refreshTokenHash: `h-${id}`,
    });
  }

  it('purges expired and revoked sessions and keeps live ones', async () => {
    const now = Date.now();
    await session('00000000-0000-4000-8000-000000000001', new Date(now - 60_000));
    await session('00000000-0000-4000-8000-000000000002', new Date(now + 3_600_000));
    await session('00000000-0000-4000-8000-000000000003', new Date(now + 3_600_000));
    expect(
      await sessions.revoke(userId, '00000000-0000-4000-8000-000000000003', new Date(now - 1000)),
    ).toBe(true);

    expect(await sessions.purgeEndedBefore(new Date(now))).toBe(2);
    const left = await prisma.session.findMany({ where: { userId } });
    expect(left.map((s) => s.id)).toEqual(['00000000-0000-4000-8000-000000000002']);
  });

  it('rotates a refresh token only once for the same presented token', async () => {
    const id = '00000000-0000-4000-8000-000000000010';
    await session(id, new Date(Date.now() + 3_600_000));
    const results = await Promise.all([
      sessions.rotate(id, `h-${id}`, 'next-a'),
      sessions.rotate(id, `h-${id}`, 'next-b'),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await prisma.session.findUniqueOrThrow({ where: { id } });
    expect(stored.refreshGeneration).toBe(1);
  });

  it('does not revoke a session for another user', async () => {
    const id = '00000000-0000-4000-8000-000000000020';
    await session(id, new Date(Date.now() + 3_600_000));
    expect(await sessions.revoke('00000000-0000-4000-8000-0000000000ff', id, new Date())).toBe(
      false,
    );
    expect((await prisma.session.findUniqueOrThrow({ where: { id } })).revokedAt).toBeNull();
  });
});
