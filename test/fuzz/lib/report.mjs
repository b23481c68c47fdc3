// Writes the run's figures to bench/results/fuzz-<date>.{md,json}, with the machine and commit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
}

export function gitInfo(rootDir) {
  const git = (...args) => execFileSync('git', args, { cwd: rootDir, encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no').length > 0,
    };
  } catch {
    return { commit: 'unknown', branch: 'unknown', dirty: false };
  }
}

const mib = (kib) => (kib === null || kib === undefined ? '–' : (kib / 1024).toFixed(1));

function table(counts, limit = 40) {
  const rows = Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .slice(0, limit)
    .map(([key, count]) => `| ${String(key).replace(/\|/g, '\\|')} | ${count} |`);
  return rows.length === 0 ? ['(none)'] : ['| | count |', '|---|---|', ...rows];
}

function markdown(r) {
  const s = r.summary;
  const criteria = r.criteria.map(
    (c) => `| ${c.name} | ${c.value} | ${c.pass ? 'pass' : '**FAIL**'} |`,
  );
  const memory = Object.entries(r.memory.apps).map(
    ([app, m]) =>
      `| ${app} | ${m.pid} | ${mib(m.startKiB)} | ${mib(m.endKiB)} | ${mib(m.maxKiB)} | ${m.growthMiB ?? '–'} | ${m.growthPct ?? '–'} | ${mib(m.heapStartKiB)} → ${mib(m.heapEndKiB)} |`,
  );
  const samples = r.samples
    .slice(0, 60)
    .map((x) =>
      [
        `### #${x.index} ${x.kind} (${x.category}${x.known ? `, ${x.known}` : ''})`,
        '',
        `${x.detail}. Mutations: ${(x.mutations ?? []).join(', ')}. Replay: \`node test/fuzz/fuzz.mjs --seed ${r.seed} --replay ${x.index}\``,
        '',
        '```',
        `${x.method ?? ''} ${x.path ?? ''}`.trim(),
        x.request,
        '--> ',
        ...x.answers.map((a) => `${a.status} ${a.text}`),
        ...(x.log ? ['log:', x.log] : []),
        '```',
        '',
      ].join('\n'),
    );
  return [
    `# Fuzz run, ${r.date}`,
    '',
    `Command: \`npm run test:fuzz -- --seed ${r.seed} --requests ${r.settings.requests}\`. Machine: ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, ${r.machine.kernel}, node ${r.machine.node} (load at start ${r.machine.loadAverageAtStart.join(' ')}). Commit ${r.git.commit.slice(0, 12)}${r.git.dirty ? ' (with uncommitted changes)' : ''} on ${r.git.branch}.`,
    '',
    `${s.sent} requests (${s.requests} cases) in ${r.durationSeconds} s (${r.requestsPerSecond}/s, ${r.settings.concurrency} in flight): ${s.byCategory.ws ?? 0} JMAP Request frames and ${(s.byCategory['ws-invalid'] ?? 0) + (s.byCategory['ws-fresh'] ?? 0) + (s.byCategory['ws-raw'] ?? 0) + (s.byCategory['ws-upgrade'] ?? 0)} other WebSocket cases, ${s.byCategory.jmap ?? 0} JMAP requests over HTTP, the rest other HTTP cases. ${s.methodsCovered} method names called.`,
    '',
    '## Criteria',
    '',
    '| criterion | value | |',
    '|---|---|---|',
    ...criteria,
    '',
    `Overall: **${r.passed ? 'PASS' : 'FAIL'}**.`,
    '',
    '## Memory (RSS, MiB; start after the warm-up, end after the run settled, each after a full GC)',
    '',
    '| app | pid | start | end | max | growth MiB | growth % | V8 heap used, start → end |',
    '|---|---|---|---|---|---|---|---|',
    ...memory,
    '',
    `Crashes: ${r.crashes.length === 0 ? 'none' : r.crashes.map((c) => `${c.app} (${c.signal ?? `code ${c.code}`}) at ${c.at}`).join('; ')}.`,
    '',
    `Victim's private data after the run: ${r.integrity.changed.length === 0 ? 'unchanged' : `CHANGED: ${r.integrity.changed.join('; ')}`}; victim's session ${r.integrity.victimSessionLive ? 'still live' : 'ENDED'}.`,
    '',
    '## Answers by status',
    '',
    ...table(s.statuses),
    '',
    '## JMAP errors',
    '',
    'Method-level:',
    '',
    ...table(s.methodErrors),
    '',
    'Request-level:',
    '',
    ...table(s.requestErrors),
    '',
    'SetError types:',
    '',
    ...table(s.setErrors),
    '',
    'Method calls answered without an error (by method), and /set outcomes:',
    '',
    ...table(s.answered, 60),
    '',
    ...table(s.setOutcomes),
    '',
    '## Findings by signature',
    '',
    ...table(s.signatures, 100),
    '',
    '## Samples',
    '',
    ...(samples.length === 0 ? ['(none)'] : samples),
    '',
  ].join('\n');
}

export function writeReport(rootDir, report) {
  const dir = path.join(rootDir, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-').replace(/-\d+Z$/, '');
  const file = path.join(dir, `fuzz-${stamp}`);
  fs.writeFileSync(`${file}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${file}.md`, markdown(report));
  return [`${path.relative(rootDir, file)}.md`, `${path.relative(rootDir, file)}.json`];
}
