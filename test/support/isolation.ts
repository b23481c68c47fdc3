// Per-run isolation on shared servers: a fresh database (migrated), a unique NATS/JetStream and
// Redis prefix, a random JWT secret; and the clean-up that removes all three afterwards.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { connect } from 'nats';
import { Client } from 'pg';
import { natsUrl, pgAdminUrl, redisUrl } from './env';

export const ROOT_DIR = path.resolve(__dirname, '..', '..');

export interface Isolation {
  database: string;
  databaseUrl: string;
  prefix: string;
  jwtSecret: string;
}

/** `t` + 10 hex digits: a valid JCHAT_PREFIX no other run will pick. */
export function randomPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgAdminUrl() });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(pgAdminUrl()).host;
    throw new Error(
      `cannot reach PostgreSQL at ${where} (JCHAT_TEST_PG_ADMIN_URL): ${String(error)}`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `jchat_<kind>_<random>`, applies the migrations, and picks a prefix and a secret. */
export async function createIsolation(kind: 'it' | 'e2e'): Promise<Isolation> {
  const id = randomBytes(5).toString('hex');
  const database = `jchat_${kind}_${id}`;
  await admin((client) => client.query(`CREATE DATABASE "${database}"`));
  const databaseUrl = withDatabase(pgAdminUrl(), database);
  // The migration runner is ESM (scripts/lib/migrate.mjs): run it as its own process.
  const migrate = spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts', 'db-migrate.mjs')], {
    cwd: ROOT_DIR,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) {
    await dropDatabase(database).catch(() => undefined);
    throw new Error(
      `applying the migrations to ${database} failed (exit ${migrate.status ?? migrate.signal}):\n` +
        `${migrate.stdout ?? ''}${migrate.stderr ?? ''}${migrate.error?.message ?? ''}`,
    );
  }
  return { database, databaseUrl, prefix: `t${id}`, jwtSecret: randomBytes(32).toString('hex') };
}

/** Makes the isolation the environment of this process (and so of the workers jest starts). */
export function exportIsolation(isolation: Isolation): void {
  process.env.DATABASE_URL = isolation.databaseUrl;
  process.env.JCHAT_PREFIX = isolation.prefix;
  process.env.JWT_SECRET = isolation.jwtSecret;
}

export async function dropDatabase(database: string): Promise<void> {
  if (!/^jchat_(it|e2e)_[0-9a-f]+$/.test(database)) {
    throw new Error(`refusing to drop ${database}: not a test database`);
  }
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

function assertTestPrefix(prefix: string): void {
  if (!prefix || prefix === 'jchat') throw new Error(`refusing to clean prefix "${prefix}"`);
}

/** Deletes the Redis keys `<prefix>:*`; returns how many. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  assertTestPrefix(prefix);
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** True for JetStream streams of this prefix, including KV buckets (KV_x) and object stores (OBJ_x). */
export function isPrefixStream(name: string, prefix: string): boolean {
  const bare = name.replace(/^(KV|OBJ)_/, '');
  return bare === prefix || (bare.startsWith(prefix) && /^[-_.]/.test(bare.slice(prefix.length)));
}

/** Deletes the JetStream streams of this prefix; returns their names. */
export async function deleteStreams(prefix: string): Promise<string[]> {
  assertTestPrefix(prefix);
  const nc = await connect({ servers: natsUrl(), timeout: 5000 });
  const deleted: string[] = [];
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    for (const name of names.filter((n) => isPrefixStream(n, prefix))) {
      await jsm.streams.delete(name);
      deleted.push(name);
    }
  } finally {
    await nc.close();
  }
  return deleted;
}

/** Removes everything of one prefix from Redis and NATS; throws once, naming every failure. */
export async function cleanPrefix(prefix: string): Promise<void> {
  const results = await Promise.allSettled([deleteRedisKeys(prefix), deleteStreams(prefix)]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  if (errors.length > 0) throw new Error(`cleaning up prefix ${prefix}: ${errors.join('; ')}`);
}

/** Drops the database and cleans the prefix; throws once, naming every failure. */
export async function destroyIsolation(isolation: Isolation): Promise<void> {
  const results = await Promise.allSettled([
    dropDatabase(isolation.database),
    cleanPrefix(isolation.prefix),
  ]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  if (errors.length > 0) throw new Error(errors.join('; '));
}

const interruptCleanups = new Set<() => Promise<void>>();
let interrupted = false;

/**
 * jest does not run its global teardown when interrupted (Ctrl-C, or npm test stopping it): run
 * `cleanup` then, and exit. Returns a function that unregisters it (call it from the teardown).
 */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>): () => void {
  interruptCleanups.add(cleanup);
  if (interruptCleanups.size === 1) {
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
  }
  return () => {
    interruptCleanups.delete(cleanup);
    if (interruptCleanups.size === 0 && !interrupted) {
      process.removeListener('SIGINT', onInterrupt);
      process.removeListener('SIGTERM', onInterrupt);
    }
  };
}

function onInterrupt(signal: NodeJS.Signals): void {
  if (interrupted) return; // already cleaning up (Ctrl-C, then npm test's SIGTERM)
  interrupted = true;
  process.stderr.write(`\n${signal}: cleaning up the test database, prefix and processes\n`);
  const cleanups = [...interruptCleanups];
  interruptCleanups.clear();
  void Promise.allSettled(cleanups.map((cleanup) => cleanup())).then(() =>
    process.exit(signal === 'SIGINT' ? 130 : 143),
  );
}
