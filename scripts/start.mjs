// npm start: the whole JCHAT system on this machine. Installs npm dependencies if missing, builds,
// provides PostgreSQL/NATS/Redis (yours via DATABASE_URL/NATS_URL/REDIS_URL, else our own with
// data under .jchat/), applies migrations, starts the six apps and waits for /health.
// Once up, an app or server that dies is restarted with back-off (and logged) while the rest keeps
// serving. Ctrl-C (SIGINT) or SIGTERM stops the apps, then the servers it started.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const home = path.resolve(process.env.JCHAT_HOME ?? path.join(rootDir, '.jchat'));
const log = (line) => console.log(`[start] ${line}`);

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: rootDir, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

/** One `npm start` per clone: a second one would fight the first over .jchat/. */
function takeLock() {
  fs.mkdirSync(path.join(home, 'run'), { recursive: true });
  const lock = path.join(home, 'run', 'start.pid');
  try {
    const pid = Number(fs.readFileSync(lock, 'utf8').trim());
    if (pid && pid !== process.pid) {
      process.kill(pid, 0);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('start.mjs')) {
        console.error(`[start] JCHAT is already running from this directory (pid ${pid})`);
        process.exit(1);
      }
    }
  } catch {
    // no lock, or its process is gone
  }
  fs.writeFileSync(lock, `${process.pid}\n`);
  return () => fs.rmSync(lock, { force: true });
}

function jwtSecret() {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = path.join(home, 'secret');
  if (fs.existsSync(file)) {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  const secret = randomBytes(48).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  log(`generated a JWT secret in ${path.relative(rootDir, file)}`);
  return secret;
}

if (!fs.existsSync(path.join(rootDir, 'node_modules'))) {
  log('node_modules is missing: npm install');
  run('npm', ['install'], 'npm install');
}
log('building (node scripts/build.mjs)');
run(process.execPath, [path.join(rootDir, 'scripts', 'build.mjs')], 'the build');

// Imported after npm install: they need pg and the embedded PostgreSQL binaries.
const { provideServers, InfraError } = await import('./lib/infra.mjs');
const { startApps, isPortFree, freePort, reservePort, ALL_APPS } = await import(
  './lib/processes.mjs'
);
const { applyMigrations } = await import('./lib/migrate.mjs');

const port = Number(process.env.PORT ?? 8080);
// The servers and the apps' metrics ports are picked before the gateway binds it.
reservePort(port);
const host = process.env.HOST ?? '127.0.0.1';
const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
const baseUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

const releaseLock = takeLock();
let serversPromise;
let servers;
let apps;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  try {
    if (apps) {
      log('stopping the apps');
      await apps.stopAll();
    }
    // A signal during start-up: wait for the servers being started, then stop them.
    servers ??= await serversPromise?.catch(() => undefined);
    if (servers) await servers.stop();
  } finally {
    releaseLock();
  }
  process.exit(code);
}

/** Where each service serves /metrics and /health: a free port each, on this host only. */
const observabilityHost = process.env.OBSERVABILITY_HOST ?? '127.0.0.1';
async function observabilityPorts() {
  const ports = {};
  for (const app of ALL_APPS.filter((name) => name !== 'gateway')) {
    ports[app] = await freePort(observabilityHost);
  }
  return ports;
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) {
      console.error('[start] second signal: exiting now');
      process.exit(1); // the 'exit' hooks still SIGKILL the apps and signal the servers
    }
    log(`${signal}: shutting down`);
    void shutdown(0);
  });
}

function fail(error) {
  console.error(`[start] ${error instanceof InfraError ? error.message : (error?.stack ?? error)}`);
  void shutdown(1);
}

try {
  if (!(await isPortFree(port, shownHost))) {
    throw new InfraError(`port ${port} on ${shownHost} is in use: stop what uses it or set PORT`);
  }
  serversPromise = provideServers({ mode: 'start', rootDir, log });
  servers = await serversPromise;
  if (stopping) await new Promise(() => {}); // shutdown() is stopping them and will exit
  const secret = jwtSecret();
  log('applying migrations');
  const applied = await applyMigrations(servers.databaseUrl, (line) => log(line));
  if (applied.length === 0) log('database is up to date');

  const observability = await observabilityPorts();
  apps = startApps({
    rootDir,
    appEnv: Object.fromEntries(
      Object.entries(observability).map(([app, appPort]) => [
        app,
        { OBSERVABILITY_PORT: appPort, OBSERVABILITY_HOST: observabilityHost },
      ]),
    ),
    env: {
      DATABASE_URL: servers.databaseUrl,
      NATS_URL: servers.natsUrl,
      REDIS_URL: servers.redisUrl,
      JCHAT_PREFIX: process.env.JCHAT_PREFIX ?? 'jchat',
      JWT_SECRET: secret,
      PORT: String(port),
      HOST: host,
      PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL,
      // The web client served at / may receive a provider login's tokens (returnTo).
      WEB_CLIENT_ORIGINS:
        process.env.WEB_CLIENT_ORIGINS ?? new URL(process.env.PUBLIC_BASE_URL ?? baseUrl).origin,
    },
  });
  // Until the first healthy answer an exit is a start-up failure (a bad setting, say): stop and
  // show its output. From then on, supervise.
  await apps.waitForHealth(
    `${baseUrl}/health/ready`,
    Number(process.env.JCHAT_START_TIMEOUT_MS ?? 120000),
  );
  apps.supervise({ log: (line) => log(line) });
  servers.supervise?.();
  log(
    `metrics: gateway ${baseUrl}/metrics, ${Object.entries(observability)
      .map(([app, appPort]) => `${app} http://${observabilityHost}:${appPort}/metrics`)
      .join(', ')}`,
  );
  log(`web client: ${baseUrl}/ (open it in a browser)`);
  console.log(`JCHAT is up at ${baseUrl}`);
} catch (error) {
  if (!stopping) fail(error);
}
