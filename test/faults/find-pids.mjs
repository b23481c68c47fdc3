// Finds the processes the fault suite kills: apps by their JCHAT_PREFIX (unique to the suite's
// `npm start`), servers by the pid files under its JCHAT_HOME.
import fs from 'node:fs';
import path from 'node:path';

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the running `app` (gateway, auth, ...) started with JCHAT_PREFIX=prefix. */
export function findAppPid(app, prefix) {
  const entry = `${path.sep}dist${path.sep}apps${path.sep}${app}${path.sep}`;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = read(`/proc/${name}/cmdline`);
    if (!cmdline?.includes(entry)) continue;
    const environ = read(`/proc/${name}/environ`)?.split('\0') ?? [];
    if (environ.includes(`JCHAT_PREFIX=${prefix}`)) return Number(name);
  }
  return undefined;
}

const PID_FILES = {
  'nats-server': (home) => path.join(home, 'run', 'nats.pid'),
  'redis-server': (home) => path.join(home, 'run', 'redis.pid'),
  postgres: (home) => path.join(home, 'postgres', 'postmaster.pid'),
};

/** The pid of a server `npm start` runs with JCHAT_HOME=home. */
export function findServerPid(server, home) {
  const file = PID_FILES[server]?.(home);
  const pid = Number(read(file ?? '')?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}
