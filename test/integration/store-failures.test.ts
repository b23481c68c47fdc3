// A database that answers but has no free connection for this process is overload, not an
// outage: callers answer both with serverUnavailable / 503, but say which (a log line and an
// answer that said "unreachable" while PostgreSQL was up sent operators after the wrong fault).
// Real PostgreSQL: the pool of a PrismaService is held by one transaction while other statements
// wait for it, through the hot-statement path and through Prisma.
import { Pool } from 'pg';
import { storeFailureOf } from '@jchat/common';
import { Prisma, PrismaService } from '@jchat/db';

const url = () => {
  const value = process.env.DATABASE_URL;
  if (!value) throw new Error('DATABASE_URL is not set: run through scripts/test.mjs');
  return value;
};

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('the statement did not fail');
}

describe('store failures: busy or unreachable (real PostgreSQL)', () => {
  let prisma: PrismaService;

  beforeAll(async () => {
    prisma = new PrismaService({ url: url(), poolSize: 1 });
    await prisma.onModuleInit();
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
  });

  it('calls a wait for a connection of a full pool busy, on both statement paths', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    const holder = prisma.transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      holding();
      await held;
    });
    await isHolding;
    try {
      const [hot, viaPrisma] = await Promise.all([
        failureOf(prisma.hotQuery(Prisma.sql`SELECT 1`)),
        failureOf(prisma.$queryRaw`SELECT 1`),
      ]);
      expect(storeFailureOf(hot)).toBe('busy');
      expect(storeFailureOf(viaPrisma)).toBe('busy');
    } finally {
      release();
      await holder;
    }
    // The pool serves again once the connection is back.
    await expect(prisma.hotQuery(Prisma.sql`SELECT 1 AS one`)).resolves.toEqual([{ one: 1 }]);
  }, 15_000);

  it('calls a server nobody listens for unreachable', async () => {
    const pool = new Pool({
      connectionString: 'postgresql://jchat@127.0.0.1:1/none',
      connectionTimeoutMillis: 1000,
    });
    try {
      expect(storeFailureOf(await failureOf(pool.query('SELECT 1')))).toBe('unreachable');
    } finally {
      await pool.end();
    }
  });
});
