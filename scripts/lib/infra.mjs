// PostgreSQL, NATS (JetStream) and Redis for JCHAT, real servers on loopback. One module per
// server under infra/ (postgres.mjs and embedded-postgres.mjs, nats.mjs, redis.mjs), each probing
// its server with that server's own client; server-process.mjs runs and supervises them.
//
// mode 'test':  use what runs already (env URL, else the standard local port), else start a
//               throwaway server (Debian packages, installed when missing and root) on a free
//               port with a temp data dir; stop() stops only those and deletes their dirs.
// mode 'start': DATABASE_URL / NATS_URL / REDIS_URL when set, else our own servers with their
//               data under .jchat/ (embedded-postgres, nats-server, redis-server).
import fsp from 'node:fs/promises';
import path from 'node:path';
import { embeddedPostgres } from './infra/embedded-postgres.mjs';
import { findBinary, ensurePackages } from './infra/host.mjs';
import { natsForTests, ownNats } from './infra/nats.mjs';
import { postgresForTests } from './infra/postgres.mjs';
import { ownRedis, redisForTests } from './infra/redis.mjs';
import { serverGroup } from './infra/server-process.mjs';
import { readJson } from './infra/start-state.mjs';

export { InfraError } from './infra/errors.mjs';

/** Where npm start keeps its servers' data, logs and pid files: JCHAT_HOME, else .jchat/. */
export function jchatHome(rootDir) {
  return path.resolve(process.env.JCHAT_HOME ?? path.join(rootDir, '.jchat'));
}

/**
 * mode 'test'  → { pgAdminUrl, natsUrl, redisUrl, stop }
 * mode 'start' → { databaseUrl, natsUrl, redisUrl, stop, supervise }
 * stop() stops only the servers started here (throwaway dirs are deleted; .jchat/ data is kept).
 */
export async function provideServers({ mode, rootDir, log = (line) => console.log(line) }) {
  switch (mode) {
    case 'test':
      return provideTestServers(log);
    case 'start':
      return provideStartServers(rootDir, log);
    default:
      throw new Error(`provideServers: unknown mode ${mode}`);
  }
}

async function provideTestServers(log) {
  const group = serverGroup(log);
  try {
    const pgAdminUrl = await postgresForTests(group, log);
    const natsUrl = await natsForTests(group, log);
    const redisUrl = await redisForTests(group, log);
    return { pgAdminUrl, natsUrl, redisUrl, stop: () => group.stop() };
  } catch (error) {
    await group.stop();
    throw error;
  }
}

async function provideStartServers(rootDir, log) {
  const home = jchatHome(rootDir);
  const logs = path.join(home, 'logs');
  const run = path.join(home, 'run');
  await fsp.mkdir(logs, { recursive: true });
  await fsp.mkdir(run, { recursive: true });
  const stateFile = path.join(home, 'state.json');
  const context = { home, logs, run, state: readJson(stateFile), stateFile, log };

  // Check for missing binaries first, so one apt-get run installs both.
  const needed = [];
  if (!process.env.NATS_URL && !findBinary('nats-server')) needed.push('nats-server');
  if (!process.env.REDIS_URL && !findBinary('redis-server')) needed.push('redis-server');
  ensurePackages(
    needed,
    'npm start (its own NATS and Redis, as NATS_URL / REDIS_URL are not set)',
    log,
  );

  const group = serverGroup(log);
  context.group = group;
  const given = (name, what) => (log(`${what}: using ${name}`), process.env[name]);
  try {
    const databaseUrl = process.env.DATABASE_URL
      ? given('DATABASE_URL', 'postgres')
      : await embeddedPostgres(context);
    const natsUrl = process.env.NATS_URL ? given('NATS_URL', 'nats') : await ownNats(context);
    const redisUrl = process.env.REDIS_URL ? given('REDIS_URL', 'redis') : await ownRedis(context);
    return {
      databaseUrl,
      natsUrl,
      redisUrl,
      stop: () => group.stop(),
      supervise: () => group.supervise(),
    };
  } catch (error) {
    await group.stop();
    throw error;
  }
}
