// npm test [unit|integration|e2e|browser|faults] [jest args...]: the test layers against real servers.
// Provides PostgreSQL/NATS/Redis (running ones when reachable, else throwaway ones; see
// lib/infra.mjs), builds dist/ for the end-to-end layer, runs jest once per jest layer, then the
// fault suite (test/faults: kills every process of its own `npm start` under load), stops what
// it started, and ends with one line "N passed, N failed" (summed over the layers).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { provideServers, InfraError } from './lib/infra.mjs';
import { stopChild } from './lib/processes.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAYERS = ['unit', 'integration', 'e2e', 'browser', 'faults'];
/** Layers that run the whole system from dist/ (built first). */
const SYSTEM_LAYERS = ['e2e', 'browser'];
const log = (line) => console.log(`[test] ${line}`);

const args = process.argv.slice(2);
const chosen = LAYERS.includes(args[0]) ? [args.shift()] : undefined;
if (args[0] === '--') args.shift();
const jestArgs = args; // passed through to every jest run, e.g. -t 'result references'
// Jest arguments pick tests; the fault suite is then left out unless asked for by name.
const layers = chosen ?? LAYERS.filter((layer) => layer !== 'faults' || jestArgs.length === 0);
const layerTimeoutMs = Number(process.env.JCHAT_TEST_LAYER_TIMEOUT_MS ?? 30 * 60 * 1000);

let servers;
let current; // the running jest child
let interrupted = false;
const results = []; // { layer, passed, failed, ok }

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping`);
    // jest's set-up cleans up (stops the apps, drops the database) on SIGTERM, then exits.
    if (current) void stopChild(current, { signal: 'SIGTERM', timeoutMs: 30000 });
  });
}

function countFrom(file) {
  try {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    return {
      passed: report.numPassedTests ?? 0,
      // A suite that fails to load (syntax error, failing beforeAll) has no failed tests.
      failed: (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0),
    };
  } catch {
    return undefined;
  }
}

function runJest(layer, env, reportFile) {
  const jest = path.join(rootDir, 'node_modules', '.bin', 'jest');
  const argv = [
    '--selectProjects',
    layer,
    // A layer without tests is broken (a moved file, a bad pattern), unless arguments chose tests.
    ...(jestArgs.length > 0 ? ['--passWithNoTests'] : []),
    '--json',
    '--outputFile',
    reportFile,
    ...(SYSTEM_LAYERS.includes(layer) ? ['--runInBand'] : []),
    ...jestArgs,
  ];
  log(`jest ${argv.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(jest, argv, { cwd: rootDir, env, stdio: 'inherit' });
    current = child;
    const timer = setTimeout(() => {
      console.error(`[test] ${layer}: still running after ${layerTimeoutMs} ms; stopping jest`);
      void stopChild(child, { signal: 'SIGTERM', timeoutMs: 10000 });
    }, layerTimeoutMs);
    child.on('error', (error) => console.error(`[test] cannot run jest: ${error.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}

/** The fault suite: each kill healed and the exactly-once check count as one test each. */
function runFaults(env, reportDir) {
  log('fault suite (node test/faults/fault-suite.mjs)');
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(rootDir, 'test', 'faults', 'fault-suite.mjs')],
      {
        cwd: rootDir,
        env: { ...env, JCHAT_FAULTS_RESULTS_DIR: reportDir },
        stdio: 'inherit',
      },
    );
    current = child;
    const timer = setTimeout(() => void stopChild(child, { timeoutMs: 60000 }), layerTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      const file = fs.readdirSync(reportDir).find((name) => /^faults-.*\.json$/.test(name));
      const report = file ? JSON.parse(fs.readFileSync(path.join(reportDir, file), 'utf8')) : null;
      const kills = report?.targets ?? [];
      const healed = kills.filter((kill) => kill.secondsToHealthy !== undefined).length;
      const exact =
        report && report.check.missing.length === 0 && report.check.duplicated.length === 0;
      const passed = healed + (exact ? 1 : 0);
      const failed = Math.max(kills.length - healed + (exact ? 0 : 1), code === 0 ? 0 : 1);
      resolve({ passed, failed, ok: code === 0 });
    });
  });
}

async function main() {
  const needServers = layers.some((layer) => layer !== 'unit' && layer !== 'faults');
  if (needServers) {
    try {
      servers = await provideServers({ mode: 'test', rootDir, log });
    } catch (error) {
      console.error(
        `[test] ${error instanceof InfraError ? error.message : (error?.stack ?? error)}`,
      );
      results.push({ layer: 'servers', passed: 0, failed: 1, ok: false });
      return;
    }
  }
  let built = true;
  if (layers.some((layer) => SYSTEM_LAYERS.includes(layer)) && !interrupted) {
    log('building (node scripts/build.mjs)');
    const build = spawnSync(process.execPath, [path.join(rootDir, 'scripts', 'build.mjs')], {
      cwd: rootDir,
      stdio: 'inherit',
    });
    built = build.status === 0;
    if (!built) console.error('[test] the build failed: the e2e and browser layers cannot run');
  }

  const env = { ...process.env };
  // The set-up of each layer makes its own database, prefix and secret; never reuse a caller's.
  for (const name of ['DATABASE_URL', 'JCHAT_PREFIX', 'JWT_SECRET', 'JCHAT_TEST_GATEWAY_URL']) {
    delete env[name];
  }
  if (servers) {
    env.JCHAT_TEST_PG_ADMIN_URL = servers.pgAdminUrl;
    env.NATS_URL = servers.natsUrl;
    env.REDIS_URL = servers.redisUrl;
  }

  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'jchat-jest-'));
  try {
    for (const layer of layers) {
      if (interrupted) break;
      if (SYSTEM_LAYERS.includes(layer) && !built) {
        results.push({ layer, passed: 0, failed: 1, ok: false });
        continue;
      }
      if (layer === 'faults') {
        const faults = await runFaults(env, fs.mkdtempSync(path.join(reports, 'faults-')));
        results.push({ layer, ...faults });
        log(`faults: ${faults.passed} passed, ${faults.failed} failed`);
        continue;
      }
      const reportFile = path.join(reports, `${layer}.json`);
      const code = await runJest(layer, env, reportFile);
      const counts = countFrom(reportFile) ?? { passed: 0, failed: 0 };
      // jest failed without a failed test to show for it (global set-up, open handles...).
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      results.push({ layer, ...counts, ok: code === 0 });
      log(
        `${layer}: ${counts.passed} passed, ${counts.failed} failed${code === 0 ? '' : ` (jest exit ${code})`}`,
      );
    }
  } finally {
    fs.rmSync(reports, { recursive: true, force: true });
  }
}

try {
  await main();
} finally {
  if (servers) await servers.stop();
}
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const ok = !interrupted && results.length > 0 && results.every((r) => r.ok);
console.log(`${passed} passed, ${failed} failed`);
process.exit(interrupted ? 130 : ok ? 0 : 1);
