// Writes the fault suite's results, with the machine and the commit, beside the benchmarks'.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function commit(rootDir) {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: rootDir, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function writeFaultReport(rootDir, report) {
  const dir = process.env.JCHAT_FAULTS_RESULTS_DIR ?? path.join(rootDir, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/:/g, '-').replace(/\..*$/, '');
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, node ${process.version}`;
  const full = { ...report, machine, commit: commit(rootDir) };
  const json = path.join(dir, `faults-${stamp}.json`);
  fs.writeFileSync(json, `${JSON.stringify(full, null, 2)}\n`);
  const describe = (outcomes) =>
    Object.entries(outcomes ?? {})
      .sort(([, a], [, b]) => b - a)
      .map(([outcome, count]) => `${outcome}: ${count}`)
      .join(', ');
  const rows = report.targets.map(
    (r) =>
      `| ${r.target} | ${r.secondsToHealthy === undefined ? 'not healed' : r.secondsToHealthy.toFixed(1)} | ${describe(r.outcomes)} |`,
  );
  const outcomes = describe(report.sends.outcomes);
  const md = [
    `# Fault suite, ${report.date}`,
    '',
    `Machine: ${machine}. Commit ${full.commit}. Command: \`npm run test:faults\`.`,
    '',
    'Each process killed with SIGKILL under a steady send load (20 messages/s, unique',
    '`clientMessageId`, retried until acknowledged); seconds until `/health/ready` is 200 and a new',
    'send is acknowledged.',
    '',
    '| killed | seconds to healthy | send attempts from the kill until 3 s after healthy |',
    '|---|---|---|',
    ...rows,
    '',
    `Acknowledged: ${report.check.acked}; stored: ${report.check.stored}; missing: ${report.check.missing.length}; ` +
      `duplicated: ${report.check.duplicated.length}; acknowledged with another id: ${report.check.wrongId.length}.`,
    '',
    `Send attempts: ${outcomes}.`,
    '',
  ].join('\n');
  const mdFile = path.join(dir, `faults-${stamp}.md`);
  fs.writeFileSync(mdFile, md);
  return [path.relative(rootDir, mdFile), path.relative(rootDir, json)];
}
