// What `npm start` keeps between runs in .jchat/: the ports it chose (state.json) and the pid
// files of its servers, so a server left running by a start that was killed hard is stopped.
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, isPortFree } from '../processes.mjs';

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

export function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

function processAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * A server of ours left running by an earlier `npm start` that was killed hard (its pid file
 * names it, and its command line names our data dir): stop it before starting afresh.
 */
export async function stopLeftover(pidFile, marker, signal, log) {
  let pid;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0].trim());
  } catch {
    return;
  }
  if (!processAlive(pid) || !cmdline(pid).includes(marker)) return;
  log(`stopping a leftover server of ours (pid ${pid}, ${marker})`);
  process.kill(pid, signal);
  const deadline = Date.now() + 20000;
  while (processAlive(pid) && Date.now() < deadline) await delay(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The port kept in state for `name` if it is still free, else a new free one (kept). */
export async function choosePort(state, name) {
  state.ports ??= {};
  const previous = state.ports[name];
  if (Number.isInteger(previous) && (await isPortFree(previous))) return previous;
  state.ports[name] = await freePort();
  return state.ports[name];
}
