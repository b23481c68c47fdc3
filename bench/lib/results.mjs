// What every benchmark needs around its measurement: a database URL of its own, percentiles, and
// its results written with the machine, the date and the commit to bench/results/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `url` pointing at another database of the same server. */
export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The p-th percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** This machine as the results name it. */
export function machine(postgresVersion) {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
  };
}

/** Its one-line description, for the Markdown. */
export const machineLine = (m) =>
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}.`;

/** The short commit being measured, or 'unknown' outside a git checkout. */
export function commitOf() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Writes bench/results/<name>-<date>.md (`lines`) and .json (`record` with its date), prints the
 * Markdown and returns the .md's path relative to the repository.
 */
export function writeResults(name, date, lines, record) {
  const dir = path.join(rootDir, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = date.toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const file = path.join(dir, `${name}-${stamp}.md`);
  fs.writeFileSync(file, lines.join('\n'));
  fs.writeFileSync(
    path.join(dir, `${name}-${stamp}.json`),
    JSON.stringify({ date: date.toISOString(), ...record }, null, 2),
  );
  console.log(lines.join('\n'));
  return path.relative(rootDir, file);
}
