// Benchmark: the cost of Message/changes with 10 changes, on an account whose history holds
// 10,000 and then 1,000,000 messages. It must not grow with the history.
//
//   npm run bench            (or: node bench/messages-changes.bench.mjs [--sizes 10000,1000000])
//
// Builds dist/, creates a dedicated database (dropped afterwards), generates the history with
// SQL (generate_series; triggers and the GIN indexes are off during the load, as in a restore),
// starts the messaging service from dist/ on its own NATS/Redis prefix, makes 10 changes (8
// sends, 1 edit, 1 reaction, each its own transaction) and calls Message/changes over NATS as
// the gateway does. Reports latency and the PostgreSQL buffers each call touched, and writes
// the results with the machine and date to bench/results/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { provideServers } from '../scripts/lib/infra.mjs';
import { startApps } from '../scripts/lib/processes.mjs';
import { dropBenchState } from './lib/isolation.mjs';
import {
  machine,
  machineLine,
  percentile,
  withDatabase,
  writeResults as writeResultFiles,
} from './lib/results.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const log = (line) => console.log(`[bench] ${line}`);

const sizesArg = process.argv.indexOf('--sizes');
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : '10000,1000000').split(',').map(Number);
const CONVERSATIONS_PER_ACCOUNT = 5;
const WARMUP_CALLS = 30;
const MEASURED_CALLS = 300;
const ROUNDS = 10;
const BUFFER_CALLS = 100;
// PostgreSQL 15 backends publish their I/O counters at most every 10 s when idle.
const STATS_FLUSH_WAIT_MS = 11_000;

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: rootDir, env, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status})`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Users, conversations and `size` messages for one account, loaded in bulk. */
async function loadHistory(db, size) {
  const account = randomUUID();
  const sender = randomUUID();
  const conversations = Array.from({ length: CONVERSATIONS_PER_ACCOUNT }, () => randomUUID());
  const perConversation = Math.ceil(size / CONVERSATIONS_PER_ACCOUNT);
  const { rows } = await db.query('SELECT pg_current_xact_id()::text::bigint AS xid');
  // History modseqs lie well below every state the benchmark reads (the transaction ids of now).
  const oldest = Math.max(2, Math.floor(Number(rows[0].xid) / 2));
  await db.query('BEGIN');
  await db.query("SET LOCAL session_replication_role = 'replica'"); // no triggers, no FK checks
  await db.query(
    `INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'Bench account'), ($3, $4, 'Bench sender')`,
    [account, `bench-${account}@example.test`, sender, `bench-${sender}@example.test`],
  );
  for (const id of conversations) {
    await db.query(
      `INSERT INTO conversations (id, conversation_type, privacy_level, created_by, last_message_seq, message_count, modseq)
       VALUES ($1, 'group', 'private', $2, $3::bigint, $3::int, 1)`,
      [id, account, perConversation],
    );
    await db.query(
      `INSERT INTO participants (conversation_id, user_id, display_name, role, last_read_seq, last_delivered_seq, modseq, membership_modseq)
       VALUES ($1, $2, 'Account', 'owner', $4, $4, 1, 1), ($1, $3, 'Sender', 'member', $4, $4, 1, 1)`,
      [id, account, sender, perConversation],
    );
  }
  await db.query(
    `INSERT INTO messages (id, conversation_id, sender_id, body, body_type, sent_at, received_at, seq, modseq, created_modseq)
     SELECT gen_random_uuid(), c.id, CASE WHEN i % 3 = 0 THEN $2::uuid ELSE $3::uuid END,
            'message ' || i || ' about the ' || (ARRAY['lunch', 'release', 'deploy', 'coffee', 'review'])[1 + i % 5],
            'text/plain', ts, ts, i, m, m
       FROM unnest($1::uuid[]) AS c(id),
            generate_series(1, $4::int) AS i,
            LATERAL (SELECT timestamptz '2025-01-01' + i * interval '1 second' AS ts,
                            1 + (i::bigint * ($5::bigint - 2)) / $4::bigint AS m) AS x`,
    [conversations, account, sender, perConversation, oldest],
  );
  await db.query('COMMIT');
  return { account, sender, conversations, perConversation };
}

/** 10 changes, each its own transaction: 8 sends, 1 edit, 1 reaction. */
async function makeTenChanges(db, { sender, conversations }) {
  for (let i = 0; i < 8; i++) {
    await db.query(
      `WITH c AS (UPDATE conversations SET last_message_seq = last_message_seq + 1, message_count = message_count + 1
                   WHERE id = $1 RETURNING id, last_message_seq)
       INSERT INTO messages (conversation_id, sender_id, body, sent_at, seq)
       SELECT c.id, $2, 'fresh message ' || $3, now(), c.last_message_seq FROM c`,
      [conversations[i % conversations.length], sender, i],
    );
  }
  await db.query(
    `UPDATE messages SET body = 'edited', edited_at = now() WHERE conversation_id = $1 AND seq = 100`,
    [conversations[0]],
  );
  await db.query(`UPDATE messages SET reactions = $3 WHERE conversation_id = $1 AND seq = $2`, [
    conversations[1],
    200,
    JSON.stringify({ '👍': { [sender]: true } }),
  ]);
}

async function buffersTouched(db) {
  const { rows } = await db.query(
    'SELECT blks_hit + blks_read AS blocks FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].blocks);
}

async function main() {
  log('building dist/');
  run(process.execPath, ['scripts/build.mjs']);
  require('../scripts/register-paths.cjs');

  const servers = await provideServers({ mode: 'test', rootDir, log });
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  process.env.JCHAT_PREFIX = prefix; // subjects are read at call time
  const database = `jchat_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: servers.pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const databaseUrl = withDatabase(servers.pgAdminUrl, database);
  let apps;
  let bus;
  const db = new pg.Client({ connectionString: databaseUrl });
  const results = [];
  try {
    run(process.execPath, ['scripts/db-migrate.mjs'], {
      ...process.env,
      DATABASE_URL: databaseUrl,
    });
    await db.connect();
    const { BusClient } = require('../dist/libs/bus/src/index.js');
    const { HealthSubjects, JmapCallSubjects } = require('../dist/libs/contracts/src/index.js');

    // Bulk load as a restore would: the GIN indexes are built once afterwards.
    await db.query('DROP INDEX IF EXISTS "messages_search_idx", "messages_attachments_idx"');
    const accounts = [];
    for (const size of SIZES) {
      const started = Date.now();
      log(`generating a history of ${size.toLocaleString('en')} messages`);
      accounts.push({ size, ...(await loadHistory(db, size)) });
      log(`  loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    log('building the full-text and attachment indexes, analysing');
    await db.query(
      `CREATE INDEX IF NOT EXISTS "messages_search_idx" ON "messages" USING GIN ("search")`,
    );
    await db.query(
      `CREATE INDEX IF NOT EXISTS "messages_attachments_idx" ON "messages" USING GIN ("attachments" jsonb_path_ops)`,
    );
    await db.query('VACUUM ANALYZE');

    log('starting the messaging service');
    apps = startApps({
      rootDir,
      apps: ['messaging'],
      log: () => undefined,
      env: {
        DATABASE_URL: databaseUrl,
        NATS_URL: servers.natsUrl,
        REDIS_URL: servers.redisUrl,
        JCHAT_PREFIX: prefix,
        LOG_LEVEL: 'warn',
      },
    });
    bus = BusClient.connect(servers.natsUrl);
    await bus.ready();
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.request(HealthSubjects.messaging, { probe: 'bench' }, { timeoutMs: 500 });
        break;
      } catch (error) {
        if (attempt > 120) throw new Error(`messaging did not start: ${apps.tail('messaging')}`);
        await sleep(250);
      }
    }

    const call = async (userId, name, args) => {
      const reply = await bus.request(JmapCallSubjects.messaging, {
        userId,
        sessionId: 'bench',
        name,
        arguments: { accountId: userId, ...args },
        callId: 'c',
        createdIds: {},
      });
      const [response] = reply.methodResponses;
      if (response[0] !== name) throw new Error(`${name}: ${JSON.stringify(response)}`);
      return response[1];
    };

    // 1. Each account: its state, 10 changes, and the check that /changes reports exactly them.
    for (const account of accounts) {
      const { state } = await call(account.account, 'Message/get', { ids: [] });
      await makeTenChanges(db, account);
      const first = await call(account.account, 'Message/changes', { sinceState: state });
      if (first.created.length + first.updated.length !== 10 || first.hasMoreChanges) {
        throw new Error(
          `history ${account.size}: expected 10 changes, got ${JSON.stringify(first)}`,
        );
      }
      Object.assign(account, {
        state,
        created: first.created.length,
        updated: first.updated.length,
        latencies: [],
      });
      for (let i = 0; i < WARMUP_CALLS; i++)
        await call(account.account, 'Message/changes', { sinceState: state });
    }
    // 2. Latency, in interleaved rounds so that noise from other work on the machine hits all sizes alike.
    log(`timing ${MEASURED_CALLS} calls per history size in ${ROUNDS} interleaved rounds`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const account of accounts) {
        for (let i = 0; i < MEASURED_CALLS / ROUNDS; i++) {
          const t0 = process.hrtime.bigint();
          await call(account.account, 'Message/changes', { sinceState: account.state });
          account.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }
    }
    // 3. PostgreSQL buffers touched per call, one size at a time (the counters are per database).
    for (const account of accounts) {
      log(`counting PostgreSQL buffers for the history of ${account.size.toLocaleString('en')}`);
      await sleep(STATS_FLUSH_WAIT_MS);
      const blocksBefore = await buffersTouched(db);
      for (let i = 0; i < BUFFER_CALLS; i++)
        await call(account.account, 'Message/changes', { sinceState: account.state });
      await sleep(STATS_FLUSH_WAIT_MS);
      // Our own two stats queries count too; they touch a handful of catalog blocks.
      const blocks = (await buffersTouched(db)) - blocksBefore;
      const latencies = [...account.latencies].sort((a, b) => a - b);
      const result = {
        historyMessages: account.size,
        conversations: CONVERSATIONS_PER_ACCOUNT,
        created: account.created,
        updated: account.updated,
        calls: latencies.length,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        meanMs: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
        buffersPerCall: blocks / BUFFER_CALLS,
      };
      results.push(result);
      log(
        `  p50 ${result.p50Ms.toFixed(2)} ms, p95 ${result.p95Ms.toFixed(2)} ms, ` +
          `${result.buffersPerCall.toFixed(1)} PostgreSQL buffers per call`,
      );
    }

    const { rows } = await db.query('SHOW server_version');
    writeResults(results, rows[0].server_version);
  } finally {
    await bus?.close().catch(() => undefined);
    await apps?.stopAll().catch(() => undefined);
    await db.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await dropBenchState({
      pgAdminUrl: servers.pgAdminUrl,
      database,
      redisUrl: servers.redisUrl,
      natsUrl: servers.natsUrl,
      prefix,
    }).catch(() => undefined);
    await servers.stop();
  }
}

function writeResults(results, postgresVersion) {
  const date = new Date();
  const onMachine = machine(postgresVersion);
  const lines = [
    `# Message/changes benchmark, ${date.toISOString()}`,
    '',
    'Command: `npm run bench` (bench/messages-changes.bench.mjs).',
    '',
    machineLine(onMachine),
    '',
    `One account in ${CONVERSATIONS_PER_ACCOUNT} conversations; 10 changes since its state (8 sends, 1 edit, 1 reaction);`,
    'Message/changes called over NATS through the messaging service, as the gateway does (latency includes',
    `NATS and the sync-horizon and membership checks). ${MEASURED_CALLS} timed calls per size after ${WARMUP_CALLS} warm-up calls,`,
    `in ${ROUNDS} rounds alternating between the sizes.`,
    `Buffers: PostgreSQL shared buffers touched (hit + read) per call, from pg_stat_database over ${BUFFER_CALLS} more calls.`,
    '',
    '| history (messages) | reported | p50 ms | p95 ms | mean ms | buffers per call |',
    '| ---: | :---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.historyMessages.toLocaleString('en')} | ${r.created} created, ${r.updated} updated | ${r.p50Ms.toFixed(2)} | ` +
        `${r.p95Ms.toFixed(2)} | ${r.meanMs.toFixed(2)} | ${r.buffersPerCall.toFixed(1)} |`,
    ),
    '',
  ];
  const file = writeResultFiles('messages-changes', date, lines, { machine: onMachine, results });
  log(`results written to ${file}`);
}

main().catch((error) => {
  console.error(`[bench] ${error?.stack ?? error}`);
  process.exit(1);
});
