// The JCHAT system under fuzz: the servers the tests use (scripts/lib/infra.mjs, test mode), a
// fresh database with the migrations applied, its own NATS/Redis prefix and JWT secret, and the
// six apps from dist/. Apps that die are recorded as crashes and restarted, so one crash does not
// hide everything after it. stop() removes everything it made.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { provideServers } from '../../../scripts/lib/infra.mjs';
import { applyMigrations } from '../../../scripts/lib/migrate.mjs';
import { ALL_APPS, freePort, startApps } from '../../../scripts/lib/processes.mjs';
import { dropBenchState } from '../../../bench/lib/isolation.mjs';
import { collectGarbage, INSPECT_OPTION, inspectorUrl } from './heap.mjs';

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Resident set size of a process in KiB (null when it is gone). */
export function rssKiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  } catch {
    return null;
  }
}

/** CPU seconds a process has used (user + system; null when it is gone). */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

export class FuzzSystem {
  constructor({ rootDir, log, env = {} }) {
    this.rootDir = rootDir;
    this.log = log;
    this.extraEnv = env;
    this.prefix = `fz${randomBytes(5).toString('hex')}`;
    this.database = `jchat_fuzz_${this.prefix}`;
    this.secret = randomBytes(32).toString('hex');
    this.crashes = [];
  }

  async start() {
    this.servers = await provideServers({ mode: 'test', rootDir: this.rootDir, log: this.log });
    const { pgAdminUrl, natsUrl, redisUrl } = this.servers;
    const admin = new pg.Client({ connectionString: pgAdminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${this.database}"`);
    } finally {
      await admin.end();
    }
    this.databaseCreated = true;
    this.databaseUrl = withDatabase(pgAdminUrl, this.database);
    await applyMigrations(this.databaseUrl);
    this.port = await freePort();
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), `jchat-fuzz-${this.prefix}-`));
    this.apps = startApps({
      rootDir: this.rootDir,
      logDir: this.logDir,
      env: {
        DATABASE_URL: this.databaseUrl,
        NATS_URL: natsUrl,
        REDIS_URL: redisUrl,
        JCHAT_PREFIX: this.prefix,
        JWT_SECRET: this.secret,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        NODE_OPTIONS: [process.env.NODE_OPTIONS, INSPECT_OPTION].filter(Boolean).join(' '),
        ...this.extraEnv,
      },
    });
    this.base = `http://127.0.0.1:${this.port}`;
    await this.apps.waitForHealth(`${this.base}/health/ready`, 120_000);
    this.pids = this.currentPids();
    this.apps.onExit(({ name, code, signal, expected }) => {
      if (expected) return;
      this.crashes.push({
        app: name,
        code,
        signal,
        at: new Date().toISOString(),
        lastOutput: this.apps.tail(name).split('\n').slice(-15),
      });
      this.log(`${name} EXITED (${signal ?? `code ${code}`}): restarting it`);
    });
    this.apps.supervise({ log: this.log });
    return this.base;
  }

  currentPids() {
    return Object.fromEntries(ALL_APPS.map((name) => [name, this.apps.pid(name)]));
  }

  /** {app: RSS KiB} of every app. */
  memory() {
    return Object.fromEntries(ALL_APPS.map((name) => [name, rssKiB(this.apps.pid(name))]));
  }

  /** A full garbage collection in every app, then {app: {rssKiB, heapUsedKiB}}. */
  async memoryAfterGc() {
    const out = {};
    for (const name of ALL_APPS) {
      const url = inspectorUrl(this.logDir, name);
      const heap = url ? await collectGarbage(url) : null;
      out[name] = { rssKiB: rssKiB(this.apps.pid(name)), ...heap };
    }
    return out;
  }

  /** {app: CPU seconds so far} of every app. */
  cpu() {
    return Object.fromEntries(ALL_APPS.map((name) => [name, cpuSeconds(this.apps.pid(name))]));
  }

  /** Error and warning lines of each app's log, for the report. */
  logLines(filter) {
    const lines = {};
    for (const name of ALL_APPS) {
      const file = path.join(this.logDir ?? '', `${name}.log`);
      lines[name] = fs.existsSync(file)
        ? fs.readFileSync(file, 'utf8').split('\n').filter(filter)
        : [];
    }
    return lines;
  }

  async stop({ keepLogs = false } = {}) {
    await this.apps?.stopAll().catch(() => undefined);
    if (this.logDir && !keepLogs) fs.rmSync(this.logDir, { recursive: true, force: true });
    if (this.servers && this.databaseCreated) {
      const { pgAdminUrl, natsUrl, redisUrl } = this.servers;
      await dropBenchState({
        pgAdminUrl,
        database: this.database,
        redisUrl,
        natsUrl,
        prefix: this.prefix,
      }).catch((error) => this.log(`clean-up failed: ${error}`));
    }
    await this.servers?.stop().catch(() => undefined);
  }
}
