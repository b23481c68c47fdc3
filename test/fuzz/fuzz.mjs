// npm run test:fuzz (issue #10, "Hard to break"): sends at least 100,000 malformed or hostile
// requests to a running JCHAT, over HTTP and over the RFC 8887 WebSocket, and checks that it
// never answers 5xx or serverFail, never crashes, never leaks or changes another user's private
// data, and that no process's memory grows. Every case is built from the seed and its index
// alone: `--seed S --replay N` sends case N again and prints it. Figures go to
// bench/results/fuzz-<date>.{md,json}; the exit code is 1 when a criterion fails.
//
// It builds (node scripts/build.mjs), uses the servers the tests use (scripts/lib/infra.mjs),
// makes its own database, NATS/Redis prefix and JWT secret, starts the six apps from dist/, makes
// its fixtures through the public API (test/fuzz/lib/fixtures.mjs) and removes everything after.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCase, requestCount, requestText, runCase } from './lib/cases.mjs';
import { makeFixtures, snapshot } from './lib/fixtures.mjs';
import { HttpDriver } from './lib/http-driver.mjs';
import { parseOptions, USAGE } from './lib/options.mjs';
import { gitInfo, machineInfo, writeReport } from './lib/report.mjs';
import { FuzzSystem } from './lib/system.mjs';
import { knownHint, Tally, truncate } from './lib/tally.mjs';
import { heavyWarmUp } from './lib/warm-up.mjs';
import { WsDriver } from './lib/ws-driver.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line) => console.log(`[fuzz] ${line}`);
const MAX_GROWTH_PCT = 30;
const MAX_GROWTH_MIB = 100;
const SETTLE_MS = 3000;
/** Findings printed as they come, with request and answer; the report counts every one by kind
 * and keeps up to three samples of each. */
const MAX_PRINTED = 100;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs cases [from, to) with `concurrency` in flight, none started after `deadline`. */
async function runRange(from, to, concurrency, runOne, deadline) {
  let next = from;
  const worker = async () => {
    while (next < to && performance.now() < deadline) {
      const index = next++;
      await runOne(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function memoryFigures(start, end, max, pidsBefore, pidsAfter) {
  const apps = {};
  for (const app of Object.keys(start)) {
    const [from, to] = [start[app].rssKiB, end[app].rssKiB];
    const growthKiB = from === null || to === null ? null : to - from;
    apps[app] = {
      pid: pidsAfter[app],
      restarted: pidsBefore[app] !== pidsAfter[app],
      startKiB: from,
      endKiB: to,
      maxKiB: max[app],
      growthMiB: growthKiB === null ? null : Math.round((growthKiB / 1024) * 10) / 10,
      growthPct: growthKiB === null ? null : Math.round((growthKiB / from) * 1000) / 10,
      heapStartKiB: start[app].heapUsedKiB ?? null,
      heapEndKiB: end[app].heapUsedKiB ?? null,
      externalStartKiB: start[app].externalKiB ?? null,
      externalEndKiB: end[app].externalKiB ?? null,
    };
  }
  return { apps };
}

function diffSnapshots(before, after) {
  const changed = [];
  for (const key of Object.keys(before)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changed.push(
        `${key}: ${truncate(JSON.stringify(before[key]), 300)} → ${truncate(JSON.stringify(after[key]), 300)}`,
      );
    }
  }
  return changed;
}

/** The first distinct error messages of each app's log. */
function logSummary(system) {
  const lines = system.logLines((line) => /"level":"(error|fatal)"|Error|error/.test(line));
  return Object.fromEntries(
    Object.entries(lines).map(([app, list]) => {
      const distinct = [];
      for (const line of list) {
        const gist = line
          .replace(/"requestId":"[^"]*"/, '')
          .replace(/"(time|pid|hostname)":[^,]*,?/g, '')
          .slice(0, 400);
        if (distinct.length < 8 && !distinct.includes(gist)) distinct.push(gist);
      }
      return [app, { lines: list.length, first: distinct }];
    }),
  );
}

/**
 * Each sample of an HTTP case with the error its request left in an app's log (the gateway
 * passes the fuzzer's X-Request-Id on), and whether another branch is fixing it.
 */
function withLogs(samples, system, runTag) {
  const errors = Object.values(
    system.logLines((line) => line.includes(`"requestId":"${runTag}-`)),
  ).flat();
  return samples.map((sample) => {
    const tag = `"requestId":"${runTag}-${sample.index}`;
    const line = errors.find((entry) => entry.includes(`${tag}"`) || entry.includes(`${tag}-`));
    const withLog = line ? { ...sample, log: truncate(line, 1500) } : sample;
    return { ...withLog, known: knownHint(withLog) };
  });
}

async function replay(options, context) {
  for (const index of options.replay) {
    const fuzzCase = buildCase(options.seed, index, context.fixtures, options.wsShare);
    const answers = await runCase(fuzzCase, index, context);
    const tally = new Tally(context.fixtures);
    const findings = tally.record(index, fuzzCase, requestText(fuzzCase), answers);
    console.log(
      `\n=== case ${index} (${fuzzCase.transport}/${fuzzCase.category}; ${(fuzzCase.mutations ?? []).join(', ')})`,
    );
    console.log(truncate(requestText(fuzzCase), 20_000));
    for (const answer of answers)
      console.log(`--> ${answer.status}\n${truncate(answer.text ?? '', 20_000)}`);
    console.log(
      `findings: ${findings.length === 0 ? 'none' : findings.map((f) => `${f.kind} (${f.detail})`).join('; ')}`,
    );
  }
}

async function fuzz(options, context, system) {
  const { fixtures } = context;
  const tally = new Tally(fixtures);
  const before = await snapshot(system.base, fixtures);
  const cpuBefore = { ...system.cpu(), fuzzer: process.cpuUsage() };
  const startedAt = performance.now();
  let done = 0;
  let printed = 0;
  const runOne = async (index) => {
    let fuzzCase = { category: 'fuzzer-error' };
    let answers;
    const sentAt = performance.now();
    try {
      fuzzCase = buildCase(options.seed, index, fixtures, options.wsShare);
      answers = await runCase(fuzzCase, index, context);
    } catch (error) {
      // a bug of the fuzzer: counted (the run then fails), and the run goes on
      log(`#${index}: the fuzzer failed: ${error.stack}`);
      answers = [{ status: 'fuzzer-error' }];
    }
    const findings = tally.record(
      index,
      fuzzCase,
      requestText(fuzzCase),
      answers,
      performance.now() - sentAt,
      requestCount(fuzzCase),
    );
    for (const finding of findings) {
      printed += 1;
      if (printed > MAX_PRINTED) continue;
      const answer = answers.map((a) => `${a.status} ${truncate(a.text ?? '', 500)}`).join(' | ');
      log(
        `#${index} ${finding.kind}: ${finding.detail} (${fuzzCase.category}; replay with --seed ${options.seed} --replay ${index})\n` +
          `  request: ${truncate(requestText(fuzzCase), 1000)}\n  answer: ${answer}` +
          (printed === MAX_PRINTED ? `\n[fuzz] (further findings only in the report)` : ''),
      );
    }
    done += 1;
  };
  const progress = setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    log(
      `${done}/${options.requests} cases, ${Math.round(done / seconds)}/s; 5xx ${tally.fiveXX}, serverFail ${tally.serverFail}, ` +
        `leaks ${tally.leaks}, timeouts ${tally.timeouts}, crashes ${system.crashes.length}`,
    );
  }, 10_000);
  const maxMemory = system.memory();
  const sampler = setInterval(() => {
    for (const [app, kib] of Object.entries(system.memory()))
      maxMemory[app] = Math.max(maxMemory[app] ?? 0, kib ?? 0);
  }, 2000);
  try {
    log(`warm-up: ${options.warmup} cases`);
    const deadline = startedAt + options.maxSeconds * 1000;
    await runRange(0, options.warmup, options.concurrency, runOne, deadline);
    await heavyWarmUp(context);
    await delay(SETTLE_MS);
    const memoryStart = await system.memoryAfterGc();
    const pidsBefore = system.pids;
    log(`memory after the warm-up (KiB): ${JSON.stringify(memoryStart)}`);
    await runRange(options.warmup, options.requests, options.concurrency, runOne, deadline);
    if (done < options.requests)
      log(`--max-seconds (${options.maxSeconds}) reached: stopped at ${done} cases`);
    const durationSeconds = Math.round((performance.now() - startedAt) / 100) / 10;
    const cpuAfter = system.cpu();
    const cpu = Object.fromEntries(
      Object.keys(cpuAfter).map((app) => [
        app,
        Math.round((cpuAfter[app] - cpuBefore[app]) * 10) / 10,
      ]),
    );
    const fuzzerCpu = process.cpuUsage(cpuBefore.fuzzer);
    cpu.fuzzer = Math.round((fuzzerCpu.user + fuzzerCpu.system) / 1e5) / 10;
    log(`CPU seconds during the run: ${JSON.stringify(cpu)}`);
    await delay(SETTLE_MS);
    const memoryEnd = await system.memoryAfterGc();
    const pidsAfter = system.currentPids();
    log(`memory at the end (KiB): ${JSON.stringify(memoryEnd)}`);
    const after = await snapshot(system.base, fixtures).catch((error) => ({
      error: String(error),
    }));
    const status = (path, headers = {}) =>
      fetch(`${system.base}${path}`, { headers, signal: AbortSignal.timeout(30_000) }).then(
        (response) => response.status,
        (error) => `no answer (${error.name})`,
      );
    const victimSession = await status('/.well-known/jmap', {
      authorization: `Bearer ${fixtures.victim.token}`,
    });
    const ready = await status('/health/ready');
    return {
      tally,
      durationSeconds,
      memory: memoryFigures(memoryStart, memoryEnd, maxMemory, pidsBefore, pidsAfter),
      cpuSeconds: cpu,
      integrity: {
        changed: diffSnapshots(before, after),
        victimSessionLive: victimSession === 200,
      },
      readyAtEnd: ready,
    };
  } finally {
    clearInterval(progress);
    clearInterval(sampler);
  }
}

function criteria(options, result, crashes) {
  const s = result.tally.summary();
  const memory = Object.entries(result.memory.apps);
  const flat = memory.every(
    ([, m]) => m.growthMiB !== null && m.growthMiB < MAX_GROWTH_MIB && m.growthPct < MAX_GROWTH_PCT,
  );
  return [
    {
      name: 'requests sent (all cases built and answered)',
      value: `${s.sent} requests in ${s.requests} of ${options.requests} cases`,
      pass:
        s.requests === options.requests &&
        s.sent >= options.requests &&
        (s.statuses['fuzzer-error'] ?? 0) === 0,
    },
    {
      name: '5xx answers (HTTP status or WebSocket RequestError)',
      value: `${s.fiveXX} (of which 503: ${s.status503})`,
      pass: s.fiveXX === 0,
    },
    { name: 'serverFail / serverPartialFail', value: s.serverFail, pass: s.serverFail === 0 },
    {
      name: 'crashed processes (same pid at the end)',
      value: `${crashes.length}${memory.some(([, m]) => m.restarted) ? ', pids changed' : ''}`,
      pass: crashes.length === 0 && memory.every(([, m]) => !m.restarted),
    },
    { name: "leaks of the victim's private data", value: s.leaks, pass: s.leaks === 0 },
    {
      name: "victim's data unchanged, session live",
      value: `${result.integrity.changed.length} changes, session ${result.integrity.victimSessionLive ? 'live' : 'ended'}`,
      pass: result.integrity.changed.length === 0 && result.integrity.victimSessionLive,
    },
    {
      name: `memory flat (growth < ${MAX_GROWTH_PCT} % and < ${MAX_GROWTH_MIB} MiB per app)`,
      value: memory.map(([app, m]) => `${app} ${m.growthMiB} MiB/${m.growthPct} %`).join(', '),
      pass: flat,
    },
    { name: '/health/ready at the end', value: result.readyAtEnd, pass: result.readyAtEnd === 200 },
  ];
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const system = new FuzzSystem({ rootDir, log });
  /** Stops the apps and removes the run's database and prefix, then exits. */
  const abandon = (why, code) => {
    log(`${why}: stopping`);
    void Promise.race([system.stop({ keepLogs: true }), delay(30_000)]).finally(() =>
      process.exit(code),
    );
  };
  setTimeout(
    () => abandon(`hard limit of ${options.hardLimit} s reached`, 3),
    options.hardLimit * 1000,
  ).unref();
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => abandon(signal, 130));
  if (options.build) {
    log('building');
    const build = spawnSync(process.execPath, [path.join(rootDir, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
    if (build.status !== 0) return 1;
  }
  let http;
  let ws;
  try {
    const base = await system.start();
    log(`JCHAT up at ${base} (prefix ${system.prefix}); seed ${options.seed}`);
    const fixtures = await makeFixtures(base, system.secret);
    http = new HttpDriver(system.port, { maxSockets: options.concurrency * 2 });
    ws = new WsDriver(system.port, fixtures.attackers);
    await ws.open();
    ws.enablePush();
    const context = {
      http,
      ws,
      port: system.port,
      fixtures,
      runTag: `fz${options.seed}`.replace(/[^\w-]/g, '').slice(0, 20),
    };
    if (options.replay) {
      await replay(options, context);
      return 0;
    }
    const date = new Date().toISOString();
    const machine = machineInfo();
    const result = await fuzz(options, context, system);
    const checks = criteria(options, result, system.crashes);
    const summary = result.tally.summary();
    const report = {
      date,
      seed: options.seed,
      settings: {
        requests: options.requests,
        concurrency: options.concurrency,
        wsShare: options.wsShare,
        warmup: options.warmup,
        maxSeconds: options.maxSeconds,
      },
      machine,
      git: gitInfo(rootDir),
      durationSeconds: result.durationSeconds,
      requestsPerSecond: Math.round(summary.sent / result.durationSeconds),
      criteria: checks,
      passed: checks.every((c) => c.pass),
      summary: { ...summary, wsDriver: ws.stats },
      memory: result.memory,
      cpuSeconds: result.cpuSeconds,
      crashes: system.crashes,
      integrity: result.integrity,
      appLogs: logSummary(system),
      samples: withLogs(result.tally.samples, system, context.runTag),
    };
    const files = writeReport(rootDir, report);
    for (const check of checks)
      log(`${check.pass ? 'pass' : 'FAIL'}: ${check.name}: ${check.value}`);
    log(
      `${summary.requests} cases in ${result.durationSeconds} s; statuses ${JSON.stringify(summary.statuses)}`,
    );
    log(`mean ms by category: ${JSON.stringify(summary.meanMsByCategory)}`);
    log(`results in ${files.join(', ')}`);
    if (options.keepLogs) log(`apps' logs kept in ${system.logDir}`);
    return report.passed ? 0 : 1;
  } finally {
    ws?.close();
    http?.close();
    await system.stop({ keepLogs: options.keepLogs });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[fuzz] failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
