// Benchmark: chat load (issue #9), JCHAT beside ejabberd.
//
//   npm run bench -- chat-load [--only w1,w3] [--seconds 10] [--peer] ...   (all options: --help)
//   node bench/chat-load.bench.mjs [options]     (servers from NATS_URL, REDIS_URL and
//                                                 JCHAT_TEST_PG_ADMIN_URL, else the local ports)
//
// Drives JCHAT only through its public API, as real clients do: every user logs in with
// POST /auth/login, holds one RFC 8887 WebSocket, enables push for Message and sends
// Message/set as Request frames on it. Latency = receipt time − send time carried in the body.
//
// - W1 group send: C conversations × M members (10 × 50), all connected with includeObjects;
//   S senders per conversation (10), each with at most `window` (10) sends awaiting their reply;
//   30 s. A refused send is retried with the same clientMessageId after a back-off (50 ms
//   doubling to 2 s, or as long as the server asks), as a real client does.
//   Accepted messages/s, deliveries/s, p50/p95/p99 send→delivery and send→reply, refusals by
//   kind, missing and duplicate deliveries after a drain (≤ 15 s).
// - w1-plain: W1 with clients that do not opt in: StateChange, then Message/changes +
//   Message/get of the created ids in one Request (result reference).
// - w1-2x: W1 with twice the senders (overload: should accept no less than W1 and refuse the
//   excess retryably).
// - W2 steady rate: the same conversations, open loop at 100 and then 500 messages/s in total
//   spread evenly over the senders, 30 s each, measured after --warmup seconds (default 20) at
//   the same rate on the freshly started apps (V8 compiles the hot paths, pools fill), whose
//   messages are not counted.
// - W3 idle connections (run first, on the fresh system): 10,000 users log in (100 at a time;
//   logins/s), then open 10,000 push-enabled WebSockets (100 at a time; connections/s) and hold
//   them 30 s: memory per connection as PSS summed over every process of the system, before
//   (once it holds still after the logins) vs after.
// - W3 runs first on the fresh system; each group workload then runs on freshly restarted apps
//   (same database, vacuumed and checkpointed), as the ejabberd harness restarts its server
//   before every run.
// - Throughout: CPU% and PSS of the gateway, each service, PostgreSQL, NATS and Redis, and the
//   generator's own CPU (all share the machine's cores).
//
// ejabberd's figures come from its harness (../shared/peers/ejabberd): the records of the last
// 6 hours in EJABBERD_RESULTS (default /tmp/ejb-harness/results/results.jsonl), or, with
// --peer, from a run of the harness made first in a temp copy. The comparison table and all
// figures go to bench/results/chat-load-<date>.{md,json}.
//
// Makes its own database (dropped afterwards), NATS/Redis prefix (cleaned) and JWT secret.
// Users are inserted with SQL with one bcrypt hash of cost 4 (login reads the cost from the
// hash), then log in for real; conversations are made with Conversation/set. Every loop is
// bounded in count and time, and the process ends after --hard-limit seconds whatever happens.
// JCHAT_BENCH_KEEP_LOGS=1 keeps the apps' logs; JCHAT_BENCH_TRACE=<path> writes every group
// message's send, reply and first/last delivery times to <path>-<workload>.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startApps, ALL_APPS } from '../scripts/lib/processes.mjs';
import { dropBenchState } from './lib/isolation.mjs';
import { api, login } from './chat-load/clients.mjs';
import { runGroupWorkload } from './chat-load/group.mjs';
import { runIdleWorkload } from './chat-load/idle.mjs';
import { parseOptions, USAGE } from './chat-load/options.mjs';
import { peerFigures, readPeerRecords, runHarness } from './chat-load/peer.mjs';
import { ResourceMonitor, SystemProcesses } from './chat-load/processes.mjs';
import { markdown } from './chat-load/report.mjs';
import { delay, pool, round1 } from './chat-load/stats.mjs';
import { withDatabase } from './lib/results.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const bcrypt = require('bcrypt');
const log = (line) => console.log(`[bench:chat-load] ${line}`);

const HARNESS_DIR = path.resolve(rootDir, '..', 'shared', 'peers', 'ejabberd');
const PEER_RESULTS = process.env.EJABBERD_RESULTS ?? '/tmp/ejb-harness/results/results.jsonl';
const pgAdminUrl =
  process.env.JCHAT_TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `l${randomBytes(5).toString('hex')}`;
const database = `jchat_bench_${prefix}`;
const databaseUrl = withDatabase(pgAdminUrl, database);
const secret = randomBytes(32).toString('hex');
const PASSWORD = 'load-bench-password-7';
const TOKEN_REFRESH_MS = 10 * 60 * 1000; // access tokens live 15 minutes
const QUIET_CPU_PCT = 20;
const QUIET_MAX_S = 60;
const WARM_UP_CONCURRENCY = 10;

/** Everything to stop and remove at the end, whichever way the run ends. */
const state = { apps: null, logDir: null, system: null, cleaned: false };

async function adminQuery(sql) {
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function migrate() {
  const run = spawnSync(process.execPath, [path.join(rootDir, 'scripts', 'db-migrate.mjs')], {
    cwd: rootDir,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`migrations failed: ${run.stderr}`);
}

/** `count` users with one password (a single bcrypt hash, cost 4), in index order. */
async function seedUsers(count) {
  const hash = bcrypt.hashSync(PASSWORD, 4);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `INSERT INTO users (email, password_hash, display_name)
       SELECT 'load-' || g || '@bench.example', $2, 'Load ' || g FROM generate_series(0, $1 - 1) g
       RETURNING id, email`,
      [count, hash],
    );
    return rows
      .map((row) => ({
        index: Number(/^load-(\d+)@/.exec(row.email)[1]),
        id: row.id,
        email: row.email,
        password: PASSWORD,
        token: null,
        loggedInAt: 0,
      }))
      .sort((a, b) => a.index - b.index);
  } finally {
    await db.end();
  }
}

async function startSystem() {
  const port = await freePort();
  state.logDir = fs.mkdtempSync(path.join(os.tmpdir(), `jchat-bench-${prefix}-`));
  state.apps = startApps({
    rootDir,
    logDir: state.logDir,
    env: {
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      REDIS_URL: redisUrl,
      JCHAT_PREFIX: prefix,
      JWT_SECRET: secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOGIN_LIMIT_PER_IP: '100000',
      LOGIN_LIMIT_PER_EMAIL: '1000',
      // W3 asks the apps for a full GC before each memory point (SystemProcesses.collectGarbage).
      NODE_OPTIONS: [
        process.env.NODE_OPTIONS,
        '--expose-gc',
        `--require ${path.join(rootDir, 'bench', 'lib', 'collect-on-signal.cjs')}`,
      ]
        .filter(Boolean)
        .join(' '),
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await state.apps.waitForHealth(`${base}/health/ready`, 120_000);
  state.system = new SystemProcesses({ prefix, databaseUrl, natsUrl, redisUrl });
  const pids = await state.system.discover();
  log(`system up at ${base}; pids ${JSON.stringify(pids)}`);
  return base;
}

/** Logs in every user whose token is missing or at least maxAgeMs old. */
async function logIn(base, users, concurrency, maxAgeMs) {
  const stale = users.filter((user) => Date.now() - user.loggedInAt >= maxAgeMs);
  const startedAt = performance.now();
  const { ok, errors } = await pool(stale, concurrency, (user) => login(base, user));
  const seconds = (performance.now() - startedAt) / 1000;
  if (errors.total() > 0) log(`login errors: ${JSON.stringify(errors.counts)}`);
  return { ok, errors: errors.counts, per_s: round1(ok / seconds) };
}

/** Each conversation made by its first member with Conversation/set, the others as participants. */
async function createConversations(base, users, options) {
  const conversations = [];
  for (let c = 0; c < options.conversations; c += 1) {
    const members = users.slice(c * options.members, (c + 1) * options.members);
    const [creator, ...others] = members;
    const [[name, result]] = await api(base, creator, [
      [
        'Conversation/set',
        {
          accountId: creator.id,
          create: {
            c: {
              conversationType: 'group',
              privacyLevel: 'private',
              title: `load ${c}`,
              participantIds: others.map((user) => user.id),
            },
          },
        },
        's',
      ],
    ]);
    const id = result?.created?.c?.id;
    if (name !== 'Conversation/set' || !id) {
      throw new Error(`Conversation/set: ${JSON.stringify(result).slice(0, 300)}`);
    }
    conversations.push({ id, members });
  }
  return conversations;
}

/** Every sender posts one message over HTTP first, so the first run does not start cold. */
async function warmUp(base, conversations, senders, concurrency) {
  const posters = conversations.flatMap((conversation) =>
    conversation.members.slice(0, senders).map((user) => ({ user, conversation })),
  );
  const { errors } = await pool(posters, concurrency, async ({ user, conversation }) => {
    const create = { conversationId: conversation.id, body: 'warm-up' };
    const [[name, result]] = await api(base, user, [
      ['Message/set', { accountId: user.id, create: { w: create } }, 'w'],
    ]);
    if (name !== 'Message/set' || !result.created?.w) throw new Error(`warm-up: ${name}`);
  });
  if (errors.total() > 0) log(`warm-up refusals: ${JSON.stringify(errors.counts)}`);
}

/**
 * Vacuums what the previous workloads left (dead row versions, their index entries) and writes
 * their dirty pages out (a PostgreSQL CHECKPOINT), so that neither lands in the next workload's
 * window: each run starts from the same clean state, as the ejabberd harness's restart gives its
 * server. Autovacuum is off on this project's machines; in production it does this as it goes.
 * (Checkpoints and dead rows under a run's own writes still count in it.)
 */
async function startClean() {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('VACUUM (ANALYZE)');
    await db.query('CHECKPOINT');
  } finally {
    await db.end();
  }
}

/** Waits (at most QUIET_MAX_S) until the system is nearly idle, so runs do not overlap. */
async function settle() {
  const startedAt = performance.now();
  while ((performance.now() - startedAt) / 1000 < QUIET_MAX_S) {
    if ((await state.system.cpuPct(1000)) < QUIET_CPU_PCT) break;
  }
  return round1((performance.now() - startedAt) / 1000);
}

function groupSpecs(options) {
  const base = {
    sendersPerConversation: options.senders,
    window: options.window,
    seconds: options.seconds,
    drainSeconds: options.drain,
    pushObjects: true,
  };
  const specs = [];
  const wanted = (name) => options.only.includes(name);
  if (wanted('w1')) specs.push({ ...base, name: 'w1' });
  // Right after W1, so that the two are compared on a machine in the same state.
  if (wanted('w1-2x')) {
    specs.push({ ...base, name: 'w1-2x', sendersPerConversation: 2 * options.senders });
  }
  if (wanted('w1-plain')) specs.push({ ...base, name: 'w1-plain', pushObjects: false });
  if (wanted('w2')) {
    for (const rate of options.rates) {
      specs.push({ ...base, name: `w2-${rate}`, rate, warmupSeconds: options.warmup });
    }
  }
  return specs.map((spec, i) => ({ ...spec, tag: String.fromCharCode(97 + i) }));
}

function describeGroup(record) {
  const l = record.latency_delivery;
  return (
    `${record.workload}: ${record.messages_per_s} messages/s (${record.attempts_per_s} attempts/s), ` +
    `accepted ${record.accepted_in_window_per_s}/s, ` +
    `deliveries ${record.deliveries_in_window_per_s}/s, delivery p50/p99 ${l.p50_ms}/${l.p99_ms} ms, ` +
    `missing ${record.missing_after_drain}, duplicates ${record.duplicate_deliveries}, ` +
    `refusals ${JSON.stringify(record.refusals)}`
  );
}

async function restartApps(base) {
  for (const name of ALL_APPS) await state.apps.stop(name);
  for (const name of ALL_APPS) state.apps.start(name);
  await state.apps.waitForHealth(`${base}/health/ready`, 120_000);
  await state.system.discover();
}

/** W3 first, on the fresh system (as the ejabberd harness restarts its server for it). */
async function runWorkloads(base, users, options) {
  const workloads = {};
  const failures = {};
  /** A workload that throws is reported as failed; the others still run. */
  const attempt = async (name, run) => {
    try {
      workloads[name] = await run();
    } catch (error) {
      failures[name] = String(error?.message ?? error);
      log(`${name} failed: ${failures[name]}`);
    }
  };
  if (options.only.includes('w3')) await attempt('w3', () => runIdle(base, users, options));
  const setup = { users: users.length, conversations: 0, logins: { ok: 0, per_s: null } };
  const specs = groupSpecs(options);
  if (specs.length === 0) return { setup, workloads, failures };
  const groupUsers = users.slice(0, options.conversations * options.members);
  setup.logins = await logIn(base, groupUsers, options.concurrency, 0);
  const conversations = await createConversations(base, groupUsers, options);
  setup.conversations = conversations.length;
  for (const spec of specs) {
    // Each workload on freshly started apps (same database, Redis and NATS), as the ejabberd
    // harness restarts its server before every run: an overloaded run's backlog (pushes still
    // queued, receipts, presence changes) must not be measured as the next one's latency.
    await restartApps(base);
    await startClean();
    await warmUp(base, conversations, options.senders, WARM_UP_CONCURRENCY);
    await logIn(base, groupUsers, options.concurrency, TOKEN_REFRESH_MS);
    await attempt(spec.name, () => runGroup(base, conversations, spec, options));
  }
  return { setup, workloads, failures };
}

const monitor = () => new ResourceMonitor(state.system);

async function runGroup(base, conversations, spec, options) {
  const settledIn = await settle();
  log(`${spec.name}: starting (system settled in ${settledIn} s)`);
  const ctx = { base, conversations, concurrency: options.concurrency, monitor };
  const record = { ...(await runGroupWorkload(ctx, spec)), settled_s: settledIn };
  log(describeGroup(record));
  return record;
}

async function runIdle(base, users, options) {
  const settledIn = await settle();
  log(`w3: ${options.connections} logins, then as many WebSockets`);
  const ctx = { base, users, concurrency: options.concurrency, system: state.system, monitor };
  const spec = { connections: options.connections, holdSeconds: options.seconds };
  const w3 = { ...(await runIdleWorkload(ctx, spec)), settled_s: settledIn };
  log(
    `w3: ${w3.logins_per_s} logins/s, ${w3.connections_per_s} connections/s, ` +
      `${w3.pss_kib_per_connection} KiB per connection, ${w3.alive_after_hold} alive`,
  );
  return w3;
}

function machineInfo() {
  return {
    hostname: os.hostname(),
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memoryGiB: round1(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map(round1),
  };
}

function gitInfo() {
  const git = (...args) => execFileSync('git', args, { cwd: rootDir, encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** Error and warning lines of each app's log, with the first few distinct messages. */
function summariseLogs() {
  const summary = {};
  for (const name of ALL_APPS) {
    const file = path.join(state.logDir, `${name}.log`);
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
    const entry = { errors: 0, warnings: 0, samples: [] };
    for (const line of lines) {
      const level = /"level":"(error|warn)"/.exec(line)?.[1];
      if (!level) continue;
      entry[level === 'error' ? 'errors' : 'warnings'] += 1;
      const sample = logMessage(line);
      if (entry.samples.length < 3 && !entry.samples.includes(sample)) entry.samples.push(sample);
    }
    summary[name] = entry;
  }
  return summary;
}

/** The gist of a JSON log line: its message, or the error it carries without the stack. */
function logMessage(line) {
  let message;
  try {
    message = JSON.parse(line).message;
  } catch {
    return line.slice(0, 200);
  }
  const text =
    typeof message === 'string'
      ? message
      : `${message?.method ?? ''} ${message?.error ?? JSON.stringify(message)}`;
  return text
    .split('\n')
    .filter((part) => part.trim() && !/^\s+at /.test(part))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function writeResults(results) {
  const dir = path.join(rootDir, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, '');
  const file = path.join(dir, `chat-load-${stamp}`);
  fs.writeFileSync(`${file}.json`, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(`${file}.md`, markdown(results));
  log(`results in ${path.relative(rootDir, file)}.{json,md}`);
}

function checkOpenFiles(options) {
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1]);
  if (options.only.includes('w3') && soft < options.connections + 1000) {
    log(`warning: ulimit -n is ${soft}, short of ${options.connections} connections (raise it)`);
  }
}

async function cleanUp() {
  if (state.cleaned) return;
  state.cleaned = true;
  await state.system?.close();
  await state.apps?.stopAll().catch(() => undefined);
  // JCHAT_BENCH_KEEP_LOGS=1 keeps the apps' logs (to read them, or profiles written there).
  if (state.logDir && process.env.JCHAT_BENCH_KEEP_LOGS) log(`apps' logs kept in ${state.logDir}`);
  else if (state.logDir) fs.rmSync(state.logDir, { recursive: true, force: true });
  await dropBenchState({ pgAdminUrl, database, redisUrl, natsUrl, prefix }).catch((error) =>
    log(`clean-up failed: ${error}`),
  );
}

function armHardLimit(seconds) {
  setTimeout(() => {
    log(`hard limit of ${seconds} s reached: stopping`);
    void Promise.race([cleanUp(), delay(30_000)]).finally(() => process.exit(3));
  }, seconds * 1000).unref();
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const peerFile = options.peer ? runHarness(HARNESS_DIR, log) : PEER_RESULTS;
  armHardLimit(options.hardLimit);
  checkOpenFiles(options);
  const results = { benchmark: 'chat-load', date: new Date().toISOString(), git: gitInfo() };
  results.machine = machineInfo();
  results.settings = { ...options };
  try {
    await adminQuery(`CREATE DATABASE "${database}"`);
    migrate();
    const grouped = options.only.some((name) => name.startsWith('w1') || name === 'w2');
    const userCount = Math.max(
      grouped ? options.conversations * options.members : 0,
      options.only.includes('w3') ? options.connections : 0,
    );
    const users = await seedUsers(userCount);
    const base = await startSystem();
    Object.assign(results, await runWorkloads(base, users, options));
    results.appLogs = summariseLogs();
  } finally {
    await cleanUp();
  }
  const records = readPeerRecords(peerFile);
  results.peer = { file: peerFile, records: records.length, figures: peerFigures(records) };
  writeResults(results);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[bench:chat-load] failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
