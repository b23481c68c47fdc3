// npm run test:faults: kill -9, in turn, every JCHAT app and every server under `npm start`
// while a client sends steadily, and check that the system heals itself and that every
// acknowledged message exists exactly once. Writes bench/results/faults-<date>.md and .json.
//
// It runs its own `npm start` (own embedded PostgreSQL, nats-server and redis-server under a
// temporary JCHAT_HOME, own port and prefix), so it never touches servers others use.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild, forEachLine } from '../../scripts/lib/processes.mjs';
import { FaultClient } from './fault-client.mjs';
import { findAppPid, findServerPid } from './find-pids.mjs';
import { writeFaultReport } from './fault-report.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const APPS = ['messaging', 'conversations', 'rbac', 'presence', 'auth', 'gateway'];
const TARGETS = [...APPS, 'nats-server', 'redis-server', 'postgres'];
const HEAL_TIMEOUT_MS = Number(process.env.JCHAT_FAULTS_HEAL_TIMEOUT_MS ?? 120_000);
const SETTLE_MS = 3000;
const log = (line) => console.log(`[faults] ${line}`);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'jchat-faults-'));
fs.chmodSync(home, 0o755); // run as root, PostgreSQL runs as "postgres" and must reach its data
const prefix = `faults${Date.now().toString(36)}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

const env = { ...process.env, JCHAT_HOME: home, JCHAT_PREFIX: prefix, PORT: String(port) };
// Its own servers: the ones it kills must be ones nobody else uses.
for (const name of ['DATABASE_URL', 'NATS_URL', 'REDIS_URL']) delete env[name];

log(`npm start with JCHAT_HOME=${home}, port ${port}`);
const system = spawn(process.execPath, [path.join(rootDir, 'scripts', 'start.mjs')], {
  cwd: rootDir,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const systemLog = fs.createWriteStream(path.join(home, 'start.log'));
const supervisorLines = [];
let up;
const isUp = new Promise((resolve) => (up = resolve));
for (const stream of [system.stdout, system.stderr]) {
  forEachLine(stream, (line) => {
    systemLog.write(`${line}\n`);
    if (line.startsWith('JCHAT is up')) up();
    if (/^\[start\] .*(exited|restarting)/.test(line)) supervisorLines.push(line);
  });
}
const systemExited = new Promise((resolve) => system.once('exit', resolve));

async function stopSystem() {
  await stopChild(system, { signal: 'SIGINT', timeoutMs: 60_000 });
  systemLog.end();
}

const results = [];
let client;
try {
  await Promise.race([
    isUp,
    systemExited.then((code) => {
      throw new Error(`npm start exited (${code}) before it was up; see ${home}/start.log`);
    }),
  ]);
  client = await FaultClient.create(base);
  client.startSending();
  await sleep(SETTLE_MS);

  for (const target of TARGETS) {
    const pid = pidOf(target);
    if (!pid) throw new Error(`no running ${target} found`);
    const ackedBefore = client.acked.size;
    client.takePhaseOutcomes();
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    log(`kill -9 ${target} (pid ${pid})`);
    // Healthy is measured from a dead process, never from one still going down.
    await waitForDeath(pid);
    const healedAt = await client.waitUntilHealthy(HEAL_TIMEOUT_MS);
    const seconds = healedAt === undefined ? undefined : (healedAt - killedAt) / 1000;
    const restartedPid = pidOf(target);
    log(
      seconds === undefined
        ? `${target}: NOT healthy after ${HEAL_TIMEOUT_MS / 1000} s`
        : `${target}: healthy again after ${seconds.toFixed(1)} s (now pid ${restartedPid})`,
    );
    results.push({
      target,
      killedPid: pid,
      restartedPid,
      secondsToHealthy: seconds,
      ackedDuring: client.acked.size - ackedBefore,
    });
    await sleep(SETTLE_MS);
    results.at(-1).outcomes = client.takePhaseOutcomes();
  }

  await client.stopSending();
  const check = await client.verifyExactlyOnce();
  const report = {
    date: new Date().toISOString(),
    targets: results,
    sends: client.stats(),
    check,
    supervisorLines,
  };
  const files = writeFaultReport(rootDir, report);
  log(`report: ${files.join(', ')}`);
  const failed =
    results.some((r) => r.secondsToHealthy === undefined) ||
    check.missing.length > 0 ||
    check.duplicated.length > 0;
  log(
    `${results.filter((r) => r.secondsToHealthy !== undefined).length}/${results.length} kills healed; ` +
      `${check.acked} acknowledged messages, ${check.missing.length} missing, ${check.duplicated.length} duplicated`,
  );
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  console.error(`[faults] ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await client?.stopSending().catch(() => undefined);
  await stopSystem();
  if (process.exitCode === 0 && !process.env.JCHAT_FAULTS_KEEP) {
    fs.rmSync(home, { recursive: true, force: true });
  } else log(`kept ${home} (start.log and .jchat logs) for a look`);
}

function pidOf(target) {
  return APPS.includes(target) ? findAppPid(target, prefix) : findServerPid(target, home);
}

/** Resolves once `pid` is gone or a zombie (killed, not yet reaped by npm start). */
async function waitForDeath(pid) {
  for (;;) {
    let state;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    await sleep(5);
  }
}
