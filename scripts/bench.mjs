// npm run bench: runs every bench/*.bench.mjs in turn (or those named on the command line),
// after building, with the same servers the tests use (scripts/lib/infra.mjs, test mode).
// Each benchmark writes its own results file under bench/results/ with the machine and date.
// Arguments from the first one beginning with `--` on are passed to the benchmarks:
//   npm run bench -- chat-load --only w1 --seconds 10
// Benchmarks run with the open-file limit raised (ulimit -n), for their thousands of sockets.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { provideServers } from './lib/infra.mjs';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(rootDir, 'bench');
const OPEN_FILES = 65536;
const firstOption = process.argv.slice(2).findIndex((arg) => arg.startsWith('--'));
const wanted = firstOption < 0 ? process.argv.slice(2) : process.argv.slice(2, 2 + firstOption);
const passed = firstOption < 0 ? [] : process.argv.slice(2 + firstOption);
const files = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error('no benchmark matched');
  process.exit(2);
}

const build = spawnSync(process.execPath, [path.join(rootDir, 'scripts', 'build.mjs')], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const servers = await provideServers({
  mode: 'test',
  rootDir,
  log: (line) => console.log(`[bench] ${line}`),
});
let failed = 0;
try {
  for (const file of files) {
    console.log(`[bench] ${file}`);
    // sh raises the limit (as far as it may) and then becomes node: children inherit it.
    const script = `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
    const command = [process.execPath, path.join(benchDir, file), ...passed];
    const run = spawnSync('/bin/sh', ['-c', script, 'sh', ...command], {
      cwd: rootDir,
      stdio: 'inherit',
      env: {
        ...process.env,
        JCHAT_TEST_PG_ADMIN_URL: servers.pgAdminUrl,
        NATS_URL: servers.natsUrl,
        REDIS_URL: servers.redisUrl,
      },
    });
    if (run.status !== 0) failed += 1;
  }
} finally {
  await servers.stop();
}
process.exit(failed === 0 ? 0 : 1);
