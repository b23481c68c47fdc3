// Benchmark: writing a channel's delivered positions to PostgreSQL (jchat_flush_delivered), as the
// messaging service does every DELIVERED_FLUSH_MS for each conversation whose members received
// messages. A statement holds the conversation's row (its sends wait for it) and must cost what
// its members cost, not their square; its cost per member sets how many the service writes per
// statement (FLUSH_CHUNK_POSITIONS). Here one statement moves every member of the channel.
//
//   npm run bench -- delivered-flush      (or: node bench/delivered-flush.bench.mjs [--members 1000,10000])
//
// Creates a dedicated database (dropped afterwards) with the migrations, loads one channel per
// size with SQL, then runs flushes that each move every member one message further, with two
// read-position updates (as two sends make) before each. Reports the flush's latency, its cost
// per member, the share of the participant updates that were HOT (no index entries written) and
// what the table and its indexes grew to, and writes the results with the machine and date to
// bench/results/.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { provideServers } from '../scripts/lib/infra.mjs';
import { applyMigrations } from '../scripts/lib/migrate.mjs';
import {
  commitOf,
  machine,
  machineLine,
  percentile,
  withDatabase,
  writeResults as writeResultFiles,
} from './lib/results.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line) => console.log(`[bench] ${line}`);

const membersArg = process.argv.indexOf('--members');
const SIZES = (membersArg > 0 ? process.argv[membersArg + 1] : '1000,10000').split(',').map(Number);
// PL/pgSQL plans a statement for its arguments the first five times, then may keep a generic
// plan: the warm-up flushes get past those, so the measured ones run as in a long-lived service.
const WARMUP_FLUSHES = 6;
const MEASURED_FLUSHES = 20;
const READS_PER_FLUSH = 2;

/** A channel with `members` members besides its owner, and `messages` messages from the owner. */
async function loadChannel(db, members, messages) {
  const tag = randomBytes(4).toString('hex');
  await db.query('BEGIN');
  await db.query("SET LOCAL session_replication_role = 'replica'"); // no triggers, as in a restore
  const { rows } = await db.query(
    `INSERT INTO users (email, display_name)
     SELECT 'flush-' || $1 || '-' || g || '@example.test', 'Member ' || g FROM generate_series(0, $2::int) g
     RETURNING id`,
    [tag, members],
  );
  const [owner, ...others] = rows.map((row) => row.id);
  const {
    rows: [{ id: channel }],
  } = await db.query(
    `INSERT INTO conversations (conversation_type, privacy_level, created_by, last_message_seq, message_count)
     VALUES ('channel', 'public', $1, $2::bigint, $2::int) RETURNING id`,
    [owner, messages],
  );
  await db.query(
    `INSERT INTO participants (conversation_id, user_id, display_name, role)
     SELECT $1, id, 'Member', CASE WHEN id = $2 THEN 'owner' ELSE 'member' END
       FROM unnest($3::uuid[]) AS id`,
    [channel, owner, rows.map((row) => row.id)],
  );
  await db.query(
    `INSERT INTO messages (conversation_id, sender_id, body, seq, sent_at)
     SELECT $1, $2, 'message ' || g, g, now() FROM generate_series(1, $3::int) g`,
    [channel, owner, messages],
  );
  await db.query('COMMIT');
  await db.query('VACUUM ANALYZE participants');
  return { channel, others };
}

async function participantUpdates(db) {
  await db.query('SELECT pg_stat_force_next_flush()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query(
    `SELECT n_tup_upd::bigint AS updated, n_tup_hot_upd::bigint AS hot
       FROM pg_stat_user_tables WHERE relname = 'participants'`,
  );
  return { updated: Number(rows[0].updated), hot: Number(rows[0].hot) };
}

async function measure(db, members) {
  const flushes = WARMUP_FLUSHES + MEASURED_FLUSHES;
  const { channel, others } = await loadChannel(db, members, flushes);
  const seqsOf = (seq) => others.map(() => String(seq));
  const timings = [];
  let before = null;
  for (let seq = 1; seq <= flushes; seq += 1) {
    if (seq === WARMUP_FLUSHES + 1) before = await participantUpdates(db);
    for (let read = 0; read < READS_PER_FLUSH; read += 1) {
      const reader = others[Math.floor(Math.random() * others.length)];
      await db.query(
        `UPDATE participants SET last_read_message_id =
           (SELECT id FROM messages WHERE conversation_id = $1 AND seq = $3)
          WHERE conversation_id = $1 AND user_id = $2`,
        [channel, reader, seq],
      );
    }
    const started = process.hrtime.bigint();
    await db.query(`SELECT sender FROM jchat_flush_delivered($1, $2::uuid[], $3::bigint[], 10)`, [
      channel,
      others,
      seqsOf(seq),
    ]);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (seq > WARMUP_FLUSHES) timings.push(ms);
  }
  const after = await participantUpdates(db);
  const moved = await db.query(
    `SELECT count(*)::int AS n FROM participants WHERE conversation_id = $1 AND last_delivered_seq = $2`,
    [channel, flushes],
  );
  if (moved.rows[0].n !== members) {
    throw new Error(`${moved.rows[0].n} of ${members} delivered positions reached ${flushes}`);
  }
  const size = await db.query(`SELECT pg_total_relation_size('participants')::bigint AS bytes`);
  const sorted = [...timings].sort((a, b) => a - b);
  const updated = after.updated - before.updated;
  return {
    members,
    flushes: MEASURED_FLUSHES,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted[sorted.length - 1],
    microsPerMember: (percentile(sorted, 50) * 1000) / members,
    hotShare: updated > 0 ? (after.hot - before.hot) / updated : 0,
    participantsMiB: Number(size.rows[0].bytes) / 2 ** 20,
  };
}

/** Measures one size in a database of its own (created with the migrations, then dropped). */
async function measureInOwnDatabase(admin, adminUrl, members) {
  const database = `jchat_bench_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  try {
    const url = withDatabase(adminUrl, database);
    await applyMigrations(url);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      return await measure(db, members);
    } finally {
      await db.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  }
}

async function main() {
  const servers = await provideServers({ mode: 'test', rootDir, log });
  const admin = new pg.Client({ connectionString: servers.pgAdminUrl });
  await admin.connect();
  try {
    const results = [];
    for (const members of SIZES) {
      log(`channel of ${members.toLocaleString('en')} members`);
      results.push(await measureInOwnDatabase(admin, servers.pgAdminUrl, members));
    }
    const { rows } = await admin.query('SHOW server_version');
    writeResults(results, rows[0].server_version);
  } finally {
    await admin.end();
    await servers.stop();
  }
}

function writeResults(results, postgresVersion) {
  const date = new Date();
  const commit = commitOf();
  const onMachine = machine(postgresVersion);
  const lines = [
    `# Delivered-position flush benchmark, ${date.toISOString()}`,
    '',
    'Command: `npm run bench -- delivered-flush` (bench/delivered-flush.bench.mjs).',
    '',
    `${machineLine(onMachine)} Commit ${commit}.`,
    '',
    `One channel per size; each flush is one jchat_flush_delivered statement moving every member one message`,
    `further (the messaging service writes 1,000 per statement), after ${READS_PER_FLUSH} read-position updates;`,
    `${MEASURED_FLUSHES} timed flushes after ${WARMUP_FLUSHES} warm-up ones.`,
    'HOT: participant updates that wrote no index entry, over the timed flushes. Size: the participants',
    'table with its indexes at the end (a database per size).',
    '',
    '| members | p50 ms | p95 ms | max ms | µs per member | HOT updates | participants MiB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.members.toLocaleString('en')} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${r.maxMs.toFixed(1)} | ` +
        `${r.microsPerMember.toFixed(1)} | ${(r.hotShare * 100).toFixed(0)} % | ${r.participantsMiB.toFixed(1)} |`,
    ),
    '',
  ];
  const file = writeResultFiles('delivered-flush', date, lines, {
    commit,
    machine: onMachine,
    results,
  });
  log(`results written to ${file}`);
}

main().catch((error) => {
  console.error(`[bench] ${error?.stack ?? error}`);
  process.exit(1);
});
