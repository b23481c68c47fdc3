// Compiles every app and lib into dist/ (one tsc program; incremental), then the web client
// (apps/web, Vite) into dist/apps/web, which the gateway serves at `/`. The client is rebuilt
// only when a file of it (or of the libs it bundles) is newer than its last build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const webSources = ['apps/web', 'libs/jmap-client/src', 'package-lock.json'];
const webBuilt = path.join(root, 'dist', 'apps', 'web', 'index.html');

function newest(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'node_modules') continue;
    latest = Math.max(latest, newest(path.join(target, entry)));
  }
  return latest;
}

const builtAt = fs.statSync(webBuilt, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const changedAt = Math.max(...webSources.map((source) => newest(path.join(root, source))));
if (builtAt >= changedAt && process.env.JCHAT_FORCE_WEB_BUILD !== '1') {
  console.log('[build] web client up to date (dist/apps/web)');
  process.exit(0);
}
const vite = spawnSync(
  bin('vite'),
  ['build', '--config', 'apps/web/vite.config.mts', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  },
);
if (vite.status === 0) console.log('[build] web client built (dist/apps/web)');
process.exit(vite.status ?? 1);
