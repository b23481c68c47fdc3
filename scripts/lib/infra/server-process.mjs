// Running a server process: spawning it in its own process group, waiting until its own client
// says it is ready, and a group of started servers that is stopped (and supervised) as one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import backoff from '../backoff.cjs';
import { stopChild, waitForExit } from '../processes.mjs';
import { InfraError } from './errors.mjs';
import { isRoot } from './host.mjs';

const { restartBackoff } = backoff;
const READY_TIMEOUT_MS = 30000;

export function readTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A new directory under the system temp dir (owned by `user` when we are root). */
export async function tempDir(kind, user) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `jchat-${kind}-`));
  if (user && isRoot) await fsp.chown(dir, user.uid, user.gid);
  return dir;
}

/**
 * Polls check() (which resolves truthy when ready, or throws) until it succeeds; fails at once if
 * the server process exits, and after timeoutMs with the last error and the server's log tail.
 */
export async function waitUntilReady(
  label,
  check,
  { child, logFile, timeoutMs = READY_TIMEOUT_MS } = {},
) {
  const deadline = Date.now() + timeoutMs;
  const withLog = () => {
    const tail = logFile ? readTail(logFile) : '';
    return tail ? `; its log (${logFile}):\n${tail}` : '';
  };
  let last = 'no answer';
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      const how = child.signalCode ?? `code ${child.exitCode}`;
      throw new InfraError(`${label} exited (${how}) while starting${withLog()}`);
    }
    try {
      const result = await check();
      if (result) return result;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() >= deadline) {
      throw new InfraError(
        `${label} not ready after ${timeoutMs} ms (last error: ${last})${withLog()}`,
      );
    }
    // Wake early if the process dies; otherwise poll again shortly.
    await (child ? Promise.race([waitForExit(child, 150), delay(150)]) : delay(150));
  }
}

/**
 * Starts a server in its own process group (so a Ctrl-C in the terminal reaches us, not it, and
 * we stop it after the apps), output appended to logFile.
 */
export function spawnServer(command, args, { logFile, user, cwd }) {
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: cwd ?? os.tmpdir(),
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.on('error', (error) => fs.appendFileSync(logFile, `spawn failed: ${error.message}\n`));
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A set of started servers; stop() stops them in reverse order and runs cleanups. After
 * supervise(), a server with a `respawn` that dies on its own is started again with back-off
 * (same port, same data), and logged.
 */
export function serverGroup(log) {
  const started = []; // { name, child, signal, cleanup?, respawn?: () => ChildProcess }
  let supervised = false;
  let stopping = false;
  const onExit = () => {
    for (const { child, signal } of started) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  };
  process.on('exit', onExit);

  function watch(entry) {
    const { child } = entry;
    child.once('exit', (code, signal) => {
      if (!supervised || stopping || entry.child !== child) return;
      const delayMs = entry.backoff.next(entry.startedAt);
      log(
        `${entry.name} exited (${signal ? `signal ${signal}` : `code ${code}`}); ` +
          `restarting in ${delayMs} ms (restart ${entry.backoff.restarts})`,
      );
      entry.timer = setTimeout(() => {
        if (stopping) return;
        entry.child = entry.respawn();
        entry.startedAt = Date.now();
        watch(entry);
      }, delayMs);
    });
  }

  return {
    add(entry) {
      started.push({ ...entry, startedAt: Date.now() });
    },
    supervise() {
      supervised = true;
      for (const entry of started) {
        if (!entry.respawn) continue;
        entry.backoff = restartBackoff();
        watch(entry);
      }
    },
    async stop() {
      stopping = true;
      for (const entry of started.reverse()) {
        clearTimeout(entry.timer);
        if (entry.child) {
          log(`stopping ${entry.name}`);
          await stopChild(entry.child, { signal: entry.signal, timeoutMs: 20000 });
        }
        if (entry.cleanup) await entry.cleanup();
      }
      started.length = 0;
      process.removeListener('exit', onExit);
    },
  };
}

/** A throwaway directory of `group`, deleted when the group stops. */
export async function throwawayDir(group, kind, user) {
  const dir = await tempDir(kind, user);
  group.add({
    name: `throwaway ${kind} dir`,
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  });
  return dir;
}

/** Whether the test set-up must start a throwaway `kind` server (JCHAT_TEST_FORCE_THROWAWAY). */
export function forcedThrowaway(kind) {
  const value = (process.env.JCHAT_TEST_FORCE_THROWAWAY ?? '').trim().toLowerCase();
  if (!value || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true' || value === 'all') return true;
  return value.split(/[\s,]+/).includes(kind);
}

/** True when a client's connect failed because nothing listens there (ECONNREFUSED). */
export function nothingListens(error) {
  return error?.code === 'ECONNREFUSED' || error?.code === 'CONNECTION_REFUSED';
}
