// The peer figures: ejabberd measured by the harness in ../shared/peers/ejabberd (same
// workloads over XMPP), read from the JSON lines it appends to results/results.jsonl.
// Labels `default-*` are runs without the message archive, `mam-*` with it (mod_mam).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { round1 } from './stats.mjs';

const MAX_AGE_HOURS = 6;
const HARNESS_TIMEOUT_MS = 40 * 60 * 1000;

/** Copies the harness to a writable temp dir, runs run_all.sh there; returns its results file. */
export function runHarness(harnessDir, log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ejabberd-harness-'));
  fs.cpSync(harnessDir, dir, { recursive: true });
  // The harness runs ejabberd as the `ejabberd` user, which must be able to enter its directory.
  fs.chmodSync(dir, 0o755);
  spawnSync('chmod', ['-R', 'u+w,go+rX', dir]);
  fs.rmSync(path.join(dir, 'results', 'results.jsonl'), { force: true });
  log(`running the ejabberd harness in ${dir} (about 17 minutes)`);
  const run = spawnSync('bash', ['run_all.sh'], {
    cwd: dir,
    stdio: 'inherit',
    timeout: HARNESS_TIMEOUT_MS,
  });
  if (run.status !== 0) log(`the ejabberd harness exited with ${run.status ?? run.signal}`);
  return path.join(dir, 'results', 'results.jsonl');
}

/** The records of the last MAX_AGE_HOURS in the harness's results file ([] if none). */
export function readPeerRecords(file) {
  if (!fs.existsSync(file)) return [];
  const since = Date.now() - MAX_AGE_HOURS * 3600 * 1000;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter((record) => record && Date.parse(record.ts) >= since);
}

/** "min–max" of the values (one value alone), or null. */
function range(values) {
  const present = values.filter((v) => typeof v === 'number');
  if (present.length === 0) return null;
  const low = round1(Math.min(...present));
  const high = round1(Math.max(...present));
  return low === high ? `${low}` : `${low}–${high}`;
}

/** The figures of one variant ('default' or 'mam') for the rows of the comparison table. */
function variantFigures(records, variant) {
  const mine = records.filter((record) => record.label?.startsWith(`${variant}-`));
  const w1 = mine.filter((record) => record.workload === 'w1');
  const w2 = (rate) =>
    mine.filter((record) => record.workload === 'w2' && record.params?.offered_rate === rate);
  const w3 = mine.filter((record) => record.workload === 'w3');
  return {
    w1_accepted_per_s: range(w1.map((r) => r.accepted_in_window_per_s)),
    w1_deliveries_per_s: range(w1.map((r) => r.deliveries_in_window_per_s)),
    w1_p50_ms: range(w1.map((r) => r.latency_member?.p50_ms)),
    w1_p99_ms: range(w1.map((r) => r.latency_member?.p99_ms)),
    w2_100_p99_ms: range(w2(100).map((r) => r.latency_member?.p99_ms)),
    w2_100_accepted_per_s: range(w2(100).map((r) => r.accepted_in_window_per_s)),
    w2_500_p99_ms: range(w2(500).map((r) => r.latency_member?.p99_ms)),
    w2_500_accepted_per_s: range(w2(500).map((r) => r.accepted_in_window_per_s)),
    w3_kib_per_connection: range(w3.map((r) => r.rss_delta_per_conn_kib)),
    w3_connections_per_s: range(w3.map((r) => r.logins_per_s)),
    runs: mine.map((r) => r.label),
  };
}

export function peerFigures(records) {
  return { default: variantFigures(records, 'default'), mam: variantFigures(records, 'mam') };
}
