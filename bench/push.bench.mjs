// Benchmark: push over WebSocket (RFC 8887).
//
//   npm run bench push        (or: node bench/push.bench.mjs [--idle 2000] [--receivers 20]
//                                   [--rate 5] [--seconds 30] [--fanout 10000])
//
// 1. Idle memory: the gateway's resident memory before and after N push-enabled WebSockets of
//    N distinct accounts, per socket.
// 2. Latency at a steady rate: one sender posts messages with Message/set (HTTP) into a
//    conversation with R receivers; half are standard clients (StateChange, then
//    Message/changes + Message/get on the same socket), half asked for includeObjects
//    (MessagePush). Reports p50/p99 from just before the send to the moment each client holds
//    the message.
// 3. Fan-out cost of one message to a channel of F members as push deliveries (NATS only, no
//    services): one message per 4096 accounts to a gateway-like subscriber that hands the push
//    to each account's listener.
//
// Builds nothing (npm run bench builds first); makes its own database (dropped afterwards),
// NATS/Redis prefix (cleaned) and JWT secret; users and sessions are inserted with SQL and
// their access tokens minted with the secret (registering thousands through bcrypt would
// measure bcrypt). Results with the machine and date go to bench/results/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startApps, freePort } from '../scripts/lib/processes.mjs';
import { dropBenchState } from './lib/isolation.mjs';
import { percentile, withDatabase } from './lib/results.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const WebSocket = require('ws');
const jwt = require('jsonwebtoken');
const { connect } = require('nats');
const log = (line) => console.log(`[bench:push] ${line}`);

function arg(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const IDLE_SOCKETS = arg('idle', 2000);
const RECEIVERS = arg('receivers', 20);
const RATE = arg('rate', 5);
const SECONDS = arg('seconds', 30);
const FANOUT_MEMBERS = arg('fanout', 10000);
const WARMUP_MESSAGES = 20;

const pgAdminUrl =
  process.env.JCHAT_TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `b${randomBytes(5).toString('hex')}`;
const database = `jchat_bench_${prefix}`;
const secret = randomBytes(32).toString('hex');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
  };
}

const round = (value) => Math.round(value * 10) / 10;

/** Resident memory of a process, in KiB (Linux). */
function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

/** The pid of this benchmark's gateway (found by its prefix in the environment). */
function gatewayPid() {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('apps/gateway/src/main.js')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`JCHAT_PREFIX=${prefix}`)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error('gateway process not found');
}

async function seedUsers(db, count, tag) {
  const { rows } = await db.query(
    `INSERT INTO users (email, display_name)
     SELECT 'bench-' || $2 || '-' || g || '@example.test', 'Bench ' || g FROM generate_series(1, $1) g
     RETURNING id`,
    [count, tag],
  );
  const ids = rows.map((row) => row.id);
  const sessions = await db.query(
    `INSERT INTO sessions (user_id, expires_at)
     SELECT u, now() + interval '1 day' FROM unnest($1::uuid[]) u RETURNING id, user_id`,
    [ids],
  );
  return sessions.rows.map((row) => ({
    id: row.user_id,
    token: jwt.sign({ sub: row.user_id, sid: row.id, typ: 'access' }, secret, {
      algorithm: 'HS256',
      expiresIn: 3600,
    }),
  }));
}

function openSocket(base, user) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/jmap/ws`, 'jmap', {
      headers: { authorization: `Bearer ${user.token}` },
      perMessageDeflate: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade ${res.statusCode}`)));
  });
}

/** Sends PushEnable then waits for an echo: the enable is in effect afterwards. */
function enable(ws, extra = {}) {
  return new Promise((resolve) => {
    const onMessage = (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.requestId === 'enabled') {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: ['Message'], ...extra }));
    ws.send(
      JSON.stringify({
        '@type': 'Request',
        id: 'enabled',
        using: ['urn:ietf:params:jmap:core'],
        methodCalls: [['Core/echo', {}, 'e']],
      }),
    );
  });
}

async function api(base, user, methodCalls) {
  const response = await fetch(`${base}/jmap/api`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
      methodCalls,
    }),
  });
  if (response.status !== 200) throw new Error(`API ${response.status}: ${await response.text()}`);
  return (await response.json()).methodResponses;
}

/** A standard client: on StateChange, Message/changes + Message/get over the socket. */
function standardClient(ws, user, state, onMessage) {
  let current = state;
  let fetching = false;
  let again = false;
  let counter = 0;
  const fetchChanges = () => {
    fetching = true;
    again = false;
    counter += 1;
    ws.send(
      JSON.stringify({
        '@type': 'Request',
        id: `f${counter}`,
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
        methodCalls: [
          ['Message/changes', { accountId: user.id, sinceState: current, maxChanges: 500 }, 'c'],
          [
            'Message/get',
            {
              accountId: user.id,
              '#ids': { resultOf: 'c', name: 'Message/changes', path: '/created' },
              properties: ['id', 'body'],
            },
            'g',
          ],
        ],
      }),
    );
  };
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame['@type'] === 'StateChange') {
      if (fetching) again = true;
      else fetchChanges();
    } else if (frame['@type'] === 'Response' && String(frame.requestId).startsWith('f')) {
      const [[, changes], [, got]] = frame.methodResponses;
      const now = performance.now();
      current = changes.newState;
      for (const message of got.list ?? []) onMessage(message.body, now);
      fetching = false;
      if (again || changes.hasMoreChanges) fetchChanges();
    }
  });
}

function inlineClient(ws, onMessage) {
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame['@type'] === 'MessagePush') onMessage(frame.message.body, performance.now());
  });
}

/**
 * One push to `members` accounts, shaped as the fan-out sends it (EventBus.deliver: one
 * `push.deliver` message per 4096 accounts) to a gateway that holds all of them and hands the
 * push to each account's listener.
 */
async function measureFanout(members) {
  const publisher = await connect({ servers: natsUrl });
  const gateway = await connect({ servers: natsUrl });
  const subject = `${prefix}.push.deliver`;
  const perMessage = 4096;
  let received = 0;
  let done = () => undefined;
  const accountIds = Array.from({ length: members }, (_, i) => `fanout-${i}`);
  const listeners = new Map(
    accountIds.map((id) => [
      id,
      () => {
        received += 1;
        if (received === members) done();
      },
    ]),
  );
  const decoder = new TextDecoder();
  const subscription = gateway.subscribe(subject, {
    callback: (_error, message) => {
      const delivery = JSON.parse(decoder.decode(message.data));
      for (const id of delivery.accountIds) listeners.get(id)?.(delivery.push);
    },
  });
  await gateway.flush();
  const push = JSON.stringify({
    kind: 'state',
    types: ['Message'],
    states: { Message: 'abcdef' },
    messageId: '00000000-0000-4000-8000-000000000000',
    conversationId: '00000000-0000-4000-8000-000000000001',
  });
  const publishAll = () => {
    for (let start = 0; start < members; start += perMessage) {
      const ids = JSON.stringify(accountIds.slice(start, start + perMessage));
      publisher.publish(subject, Buffer.from(`{"accountIds":${ids},"push":${push}}`));
    }
  };
  const rounds = [];
  for (let round = 0; round < 5; round += 1) {
    received = 0;
    const finished = new Promise((resolve) => (done = resolve));
    const start = performance.now();
    publishAll();
    const published = performance.now();
    await finished;
    rounds.push({ publishMs: published - start, deliveredMs: performance.now() - start });
  }
  subscription.unsubscribe();
  await publisher.close();
  await gateway.close();
  const best = rounds.slice(1);
  return {
    members,
    publishMs: summary(best.map((r) => r.publishMs)).p50,
    deliveredMs: summary(best.map((r) => r.deliveredMs)).p50,
  };
}

async function cleanUp(apps) {
  await apps?.stopAll().catch(() => undefined);
  await dropBenchState({ pgAdminUrl, database, redisUrl, natsUrl, prefix });
}

async function main() {
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  let apps;
  try {
    apps = await run((started) => (apps = started));
  } finally {
    await cleanUp(apps);
  }
}

async function run(onStarted) {
  const databaseUrl = withDatabase(pgAdminUrl, database);
  const migrate = spawnSync(process.execPath, [path.join(rootDir, 'scripts', 'db-migrate.mjs')], {
    cwd: rootDir,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const [sender, ...receivers] = await seedUsers(db, 1 + RECEIVERS, 'latency');
  const idleUsers = await seedUsers(db, IDLE_SOCKETS, 'idle');
  await db.end();

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `jchat-bench-${prefix}-`));
  const apps = startApps({
    rootDir,
    logDir,
    env: {
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      REDIS_URL: redisUrl,
      JCHAT_PREFIX: prefix,
      JWT_SECRET: secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
  });
  onStarted(apps);
  const sockets = [];
  try {
    await apps.waitForHealth(`${base}/health/ready`, 120_000);
    const pid = gatewayPid();
    const results = {
      benchmark: 'push',
      date: new Date().toISOString(),
      machine: {
        hostname: os.hostname(),
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
        memoryGiB: round(os.totalmem() / 2 ** 30),
        node: process.version,
        os: `${os.type()} ${os.release()}`,
        loadAverageAtStart: os.loadavg().map(round),
      },
      settings: { IDLE_SOCKETS, RECEIVERS, RATE, SECONDS, FANOUT_MEMBERS, pushIntervalMs: 200 },
    };

    // --- 1. idle memory per WebSocket
    await api(base, sender, [['Core/echo', {}, 'warm']]);
    const warm = await openSocket(base, idleUsers[0]);
    await enable(warm);
    warm.close();
    await delay(2000);
    const before = rssKiB(pid);
    log(`opening ${IDLE_SOCKETS} idle push sockets (gateway RSS before: ${before} KiB)`);
    for (let i = 0; i < idleUsers.length; i += 50) {
      const batch = await Promise.all(
        idleUsers.slice(i, i + 50).map((user) => openSocket(base, user)),
      );
      await Promise.all(batch.map((ws) => enable(ws)));
      sockets.push(...batch);
    }
    await delay(3000);
    const after = rssKiB(pid);
    results.idleMemory = {
      sockets: IDLE_SOCKETS,
      rssBeforeKiB: before,
      rssAfterKiB: after,
      perSocketKiB: round((after - before) / IDLE_SOCKETS),
    };
    log(`idle: ${results.idleMemory.perSocketKiB} KiB per push-enabled WebSocket`);

    // --- 2. latency at a steady rate
    const created = await api(base, sender, [
      [
        'Conversation/set',
        {
          accountId: sender.id,
          create: {
            c: {
              conversationType: 'group',
              privacyLevel: 'private',
              title: 'bench',
              participantIds: receivers.map((r) => r.id),
            },
          },
        },
        's',
      ],
    ]);
    const conversationId = created[0][1].created.c.id;
    const sentAt = new Map();
    const latencies = { standard: [], inline: [] };
    let measuring = false;
    // One recorder per receiver: a message reported twice (JMAP allows it) counts once.
    const record = (kind) => {
      const seen = new Set();
      return (body, at) => {
        const sent = sentAt.get(body);
        if (sent === undefined || !measuring || !body.startsWith('m ') || seen.has(body)) return;
        seen.add(body);
        latencies[kind].push(at - sent);
      };
    };
    for (const [index, receiver] of receivers.entries()) {
      const ws = await openSocket(base, receiver);
      sockets.push(ws);
      if (index % 2 === 0) {
        const [[, got]] = await api(base, receiver, [
          ['Message/get', { accountId: receiver.id, ids: [] }, 'g'],
        ]);
        await enable(ws);
        standardClient(ws, receiver, got.state, record('standard'));
      } else {
        await enable(ws, { includeObjects: ['Message'] });
        inlineClient(ws, record('inline'));
      }
    }
    const sendTimes = [];
    let sendErrors = 0;
    const send = async (body) => {
      const start = performance.now();
      sentAt.set(body, start);
      try {
        await api(base, sender, [
          ['Message/set', { accountId: sender.id, create: { m: { conversationId, body } } }, 'm'],
        ]);
        if (measuring) sendTimes.push(performance.now() - start);
      } catch (error) {
        sendErrors += 1;
        if (sendErrors === 1) log(`a send failed: ${error.message}`);
      }
    };
    for (let i = 0; i < WARMUP_MESSAGES; i += 1) await send(`w ${i}`);
    await delay(1000);
    measuring = true;
    const total = RATE * SECONDS;
    log(`sending ${total} messages at ${RATE}/s to ${RECEIVERS} receivers`);
    const start = performance.now();
    const sends = [];
    for (let i = 0; i < total; i += 1) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      sends.push(send(`m ${i}`));
    }
    await Promise.all(sends);
    const expected = (total * RECEIVERS) / 2;
    const deadline = Date.now() + 10_000;
    while (
      (latencies.standard.length < expected || latencies.inline.length < expected) &&
      Date.now() < deadline
    ) {
      await delay(100);
    }
    measuring = false;
    results.latencyMs = {
      note: 'from just before Message/set to the client holding the message',
      messageSetRoundTrip: summary(sendTimes),
      sendErrors,
      standardStateChangeAndFetch: summary(latencies.standard),
      includeObjectsMessagePush: summary(latencies.inline),
      expectedPerKind: expected,
    };
    log(`latency: ${JSON.stringify(results.latencyMs)}`);

    // --- 3. fan-out of one message to a big channel as push deliveries
    results.fanout = await measureFanout(FANOUT_MEMBERS);
    log(`fan-out: ${JSON.stringify(results.fanout)}`);

    results.machine.loadAverageAtEnd = os.loadavg().map(round);
    writeResults(results);
  } finally {
    for (const ws of sockets) ws.terminate();
    await apps.stopAll().catch(() => undefined);
    fs.rmSync(logDir, { recursive: true, force: true });
  }
  return apps;
}

function writeResults(results) {
  const dir = path.join(rootDir, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, '');
  const file = path.join(dir, `push-${stamp}`);
  fs.writeFileSync(`${file}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const l = results.latencyMs;
  const md = [
    `# Push benchmark, ${results.date}`,
    '',
    `Machine: ${results.machine.cpus}, ${results.machine.memoryGiB} GiB, ${results.machine.os}, Node ${results.machine.node}; load average ${results.machine.loadAverageAtStart.join(' ')} at the start, ${results.machine.loadAverageAtEnd.join(' ')} at the end (other work shares this machine).`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| idle memory per push-enabled WebSocket (gateway RSS, ${results.idleMemory.sockets} sockets of distinct accounts) | ${results.idleMemory.perSocketKiB} KiB |`,
    `| Message/set round trip of the sender, p50 / p99 | ${l.messageSetRoundTrip.p50} / ${l.messageSetRoundTrip.p99} ms |`,
    `| StateChange + Message/changes + Message/get, p50 / p99 (${l.standardStateChangeAndFetch.count} deliveries) | ${l.standardStateChangeAndFetch.p50} / ${l.standardStateChangeAndFetch.p99} ms |`,
    `| includeObjects MessagePush, p50 / p99 (${l.includeObjectsMessagePush.count} deliveries) | ${l.includeObjectsMessagePush.p50} / ${l.includeObjectsMessagePush.p99} ms |`,
    `| one message to ${results.fanout.members} accounts (push deliveries): publish / all delivered | ${round(results.fanout.publishMs)} / ${round(results.fanout.deliveredMs)} ms |`,
    '',
    `Steady rate: ${results.settings.RATE} messages/s for ${results.settings.SECONDS} s into a conversation of ${results.settings.RECEIVERS} receivers (half of each kind), push interval ${results.settings.pushIntervalMs} ms. Latency runs from just before the sender's Message/set to the moment the receiving client holds the message. All services, NATS, Redis and PostgreSQL on this one machine.`,
    '',
  ].join('\n');
  fs.writeFileSync(`${file}.md`, md);
  log(`results in ${path.relative(rootDir, file)}.{json,md}`);
}

main().catch((error) => {
  console.error(`[bench:push] failed: ${error?.stack ?? error}`);
  process.exit(1);
});
