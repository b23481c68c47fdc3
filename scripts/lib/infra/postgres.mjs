// PostgreSQL: probing a server with the pg client, and for the tests the one on 5432 or a
// throwaway server from Debian's packages (embedded-postgres.mjs is npm start's own server).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { InfraError } from './errors.mjs';
import { ensurePackages, isRoot, localUser } from './host.mjs';
import {
  forcedThrowaway,
  nothingListens,
  spawnServer,
  throwawayDir,
  waitUntilReady,
} from './server-process.mjs';
import { freePort } from '../processes.mjs';

const STANDARD_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Runs one query against a PostgreSQL URL on a connection of its own. */
export async function pgQuery(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves true when the server at `url` answers a query; throws the client's error if not. */
export const probePostgres = (url) => pgQuery(url, 'SELECT 1').then(() => true);

/** Creates database `name` unless it exists; returns whether it did. */
export async function ensureDatabase(adminUrl, name) {
  const exists = await pgQuery(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount > 0) return false;
  await pgQuery(adminUrl, `CREATE DATABASE "${name}"`);
  return true;
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

// PostgreSQL flags for our own servers: TCP on loopback only, no Unix socket (so nothing clashes
// with a system cluster's socket), more connections than the default for six services + tests.
export function pgServerArgs(dataDir, port, extra = []) {
  return [
    ...['-D', dataDir, '-p', String(port)],
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    ...['-c', 'max_connections=300'],
    ...extra,
  ];
}

/** The bin dir of the newest Debian PostgreSQL (/usr/lib/postgresql/<v>/bin), if installed. */
function debianPgBin() {
  const base = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = fs
      .readdirSync(base)
      .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

/**
 * An admin URL (may create databases) for the tests: JCHAT_TEST_PG_ADMIN_URL, else the server on
 * 127.0.0.1:5432, else a throwaway server of `group` (stopped and deleted with it).
 */
export async function postgresForTests(group, log) {
  if (!forcedThrowaway('postgres')) {
    if (process.env.JCHAT_TEST_PG_ADMIN_URL) {
      log('postgres: using JCHAT_TEST_PG_ADMIN_URL');
      return process.env.JCHAT_TEST_PG_ADMIN_URL;
    }
    try {
      await probePostgres(STANDARD_URL);
      log('postgres: using the server on 127.0.0.1:5432');
      return STANDARD_URL;
    } catch (error) {
      if (!nothingListens(error))
        log(`postgres: 127.0.0.1:5432 refused us (${error.message}); starting a throwaway one`);
    }
  }
  return throwawayPostgres(group, log);
}

async function throwawayPostgres(group, log) {
  let bin = debianPgBin();
  if (!bin) {
    ensurePackages(['postgresql'], 'a throwaway PostgreSQL for the tests', log);
    bin = debianPgBin();
    if (!bin)
      throw new InfraError(
        'postgresql is installed but /usr/lib/postgresql/*/bin/initdb is missing',
      );
  }
  let user;
  if (isRoot) {
    user = localUser('postgres');
    if (!user)
      throw new InfraError('PostgreSQL cannot run as root and there is no "postgres" user');
  }
  const dir = await throwawayDir(group, 'pg', user);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const init = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { cwd: dir, encoding: 'utf8', ...(user ? { uid: user.uid, gid: user.gid } : {}) },
  );
  if (init.status !== 0) {
    throw new InfraError(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  }
  const port = await freePort();
  // Durability is pointless for a throwaway test database; speed is not.
  const args = pgServerArgs(dataDir, port, [
    ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  ]);
  const child = spawnServer(path.join(bin, 'postgres'), args, { logFile, user, cwd: dir });
  group.add({ name: `throwaway postgres (port ${port})`, child, signal: 'SIGINT' });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilReady('throwaway postgres', () => probePostgres(url), { child, logFile });
  log(`postgres: started a throwaway server on 127.0.0.1:${port} (data in ${dir})`);
  return url;
}
