// The one implementation of spawning and stopping JCHAT's processes. CommonJS so that both the
// ESM scripts (start.mjs, test.mjs, lib/infra/* via processes.mjs) and the TypeScript test support
// (test/support/*, run by jest as CommonJS) share it. Types: processes.d.cts.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { restartBackoff } = require('./backoff.cjs');

const ALL_APPS = Object.freeze([
  'gateway',
  'auth',
  'conversations',
  'messaging',
  'presence',
  'rbac',
]);
const DEFAULT_ROOT = path.resolve(__dirname, '..', '..');
const TAIL_LINES = 60;

/**
 * Ports this process handed out (freePort) or was told are spoken for (reservePort). The OS hands
 * a just-released port out again, so two servers started one after the other, or a server and
 * the gateway whose PORT was picked the same way, could be given the same one.
 */
const takenPorts = new Set();

/** A port that must not come out of freePort (e.g. the gateway's PORT, bound later). */
function reservePort(port) {
  takenPorts.add(port);
}

/** A TCP port that was free on `host` a moment ago (the OS picks it), never one already taken. */
async function freePort(host = '127.0.0.1') {
  for (;;) {
    const port = await anyFreePort(host);
    if (!takenPorts.has(port)) {
      takenPorts.add(port);
      return port;
    }
  }
}

function anyFreePort(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on host:port (we can bind it ourselves). */
function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child has exited, false if it is still running after timeoutMs. */
function waitForExit(child, timeoutMs) {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Sends `signal` (SIGTERM by default), then SIGKILL if the child is still there after timeoutMs. */
async function stopChild(child, { signal = 'SIGTERM', timeoutMs = 10000 } = {}) {
  if (!child || hasExited(child)) return;
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
  if (await waitForExit(child, timeoutMs)) return;
  try {
    child.kill('SIGKILL');
  } catch {
    // already gone
  }
  await waitForExit(child, 5000);
}

/** Calls onLine for every complete line of a stream (and the unterminated rest at its end). */
function forEachLine(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop();
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

function describeExit(code, signal) {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function appEntry(rootDir, name) {
  return path.join(rootDir, 'dist', 'apps', name, 'src', 'main.js');
}

/**
 * Starts JCHAT apps from dist/ (build first). Each app's output goes, line by line, either to
 * `log` prefixed with `[name]` or, when logDir is given, to `<logDir>/<name>.log`.
 * The last lines of every app are kept for error messages (`tail(name)`).
 */
function startApps(options = {}) {
  const {
    env = {},
    appEnv = {},
    apps = ALL_APPS,
    log = (line) => process.stdout.write(`${line}\n`),
    rootDir = DEFAULT_ROOT,
    logDir,
    stopTimeoutMs = 10000,
  } = options;
  for (const name of apps) {
    if (!ALL_APPS.includes(name))
      throw new Error(`unknown app "${name}" (apps: ${ALL_APPS.join(', ')})`);
    if (!fs.existsSync(appEntry(rootDir, name))) {
      throw new Error(
        `${path.relative(rootDir, appEntry(rootDir, name))} is missing: build first (node scripts/build.mjs)`,
      );
    }
  }
  if (logDir) fs.mkdirSync(logDir, { recursive: true });

  const withEnv = (base, extra) => {
    const merged = { ...base };
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined || value === null) delete merged[key];
      else merged[key] = String(value);
    }
    return merged;
  };
  const childEnv = withEnv(process.env, env);
  const envOf = (name) => (appEnv[name] ? withEnv(childEnv, appEnv[name]) : childEnv);

  /** name -> { child, startedAt, expected: boolean, file?: fs.WriteStream } */
  const running = new Map();
  const tails = new Map();
  const exitListeners = new Set();
  /** Set by supervise(): restarts apps that die on their own. */
  let supervisor;
  const backoffs = new Map(); // name -> restartBackoff
  const restartTimers = new Map(); // name -> timeout of a pending restart
  const killOnExit = () => {
    for (const { child } of running.values()) {
      if (!hasExited(child)) child.kill('SIGKILL');
    }
  };
  process.on('exit', killOnExit);

  function start(name) {
    if (!ALL_APPS.includes(name)) throw new Error(`unknown app "${name}"`);
    const current = running.get(name);
    if (current && !hasExited(current.child)) throw new Error(`${name} is already running`);
    const tail = [];
    tails.set(name, tail);
    const file = logDir
      ? fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' })
      : undefined;
    const child = spawn(
      process.execPath,
      ['-r', path.join(rootDir, 'scripts', 'register-paths.cjs'), appEntry(rootDir, name)],
      { cwd: rootDir, env: envOf(name), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const entry = { child, startedAt: Date.now(), expected: false, file };
    running.set(name, entry);
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (file) file.write(`${line}\n`);
      else log(`[${name}] ${line}`);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    child.on('error', (error) => onLine(`failed to start: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (file) file.end();
      for (const listener of exitListeners)
        listener({ name, code, signal, expected: entry.expected });
      if (supervisor && !entry.expected) scheduleRestart(name, entry, code, signal);
    });
    return child.pid;
  }

  function scheduleRestart(name, entry, code, signal) {
    if (!backoffs.has(name)) backoffs.set(name, restartBackoff(supervisor.backoff));
    const backoff = backoffs.get(name);
    const delayMs = backoff.next(entry.startedAt);
    supervisor.log(
      `${name} exited (${describeExit(code, signal)}); restarting in ${delayMs} ms (restart ${backoff.restarts})`,
    );
    restartTimers.set(
      name,
      setTimeout(() => {
        restartTimers.delete(name);
        if (running.get(name) === entry) start(name);
      }, delayMs),
    );
  }

  /** From now on an app that dies on its own is restarted with back-off, and logged. */
  function supervise({ log: supervisorLog = log, backoff } = {}) {
    supervisor = { log: supervisorLog, backoff };
  }

  async function stop(name) {
    clearTimeout(restartTimers.get(name));
    restartTimers.delete(name);
    const entry = running.get(name);
    if (!entry) return;
    entry.expected = true;
    await stopChild(entry.child, { timeoutMs: stopTimeoutMs });
  }

  async function stopAll() {
    supervisor = undefined;
    await Promise.all([...running.keys()].map((name) => stop(name)));
    process.removeListener('exit', killOnExit);
  }

  function isRunning(name) {
    const entry = running.get(name);
    return Boolean(entry && !hasExited(entry.child));
  }

  function tail(name) {
    return (tails.get(name) ?? []).join('\n');
  }

  /** Calls listener({name, code, signal, expected}) whenever an app exits; returns an unsubscribe. */
  function onExit(listener) {
    exitListeners.add(listener);
    return () => exitListeners.delete(listener);
  }

  /**
   * Polls `url` (the gateway's /health) until it answers 200 (any HTTP answer with anyStatus)
   * and returns its JSON body. Rejects at once if an app exits meanwhile, and after timeoutMs
   * naming the services still missing.
   */
  function waitForHealth(url, timeoutMs = 60000, { anyStatus = false } = {}) {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      let last = 'no answer yet';
      let settled = false;
      let timer;
      const finish = (error, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else resolve(value);
      };
      const unsubscribe = onExit(({ name, code, signal, expected }) => {
        if (expected) return;
        const lines = tail(name);
        finish(
          new Error(
            `${name} exited (${describeExit(code, signal)}) before ${url} was healthy` +
              (lines ? `; its last output:\n${lines}` : ''),
          ),
        );
      });
      for (const name of running.keys()) {
        const entry = running.get(name);
        if (hasExited(entry.child) && !entry.expected) {
          finish(
            new Error(
              `${name} exited (${describeExit(entry.child.exitCode, entry.child.signalCode)}) before ${url} was healthy; its last output:\n${tail(name)}`,
            ),
          );
          return;
        }
      }
      const poll = async () => {
        if (settled) return;
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
          const text = await response.text();
          if (response.status === 200 || anyStatus) {
            let body;
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
            finish(undefined, body);
            return;
          }
          last = `HTTP ${response.status} ${text.slice(0, 500)}`;
          try {
            const body = JSON.parse(text);
            if (Array.isArray(body.missing))
              last = `HTTP ${response.status}, missing: ${body.missing.join(', ')}`;
          } catch {
            // not JSON: keep the raw text
          }
        } catch (error) {
          last = error.cause?.code ?? error.cause?.message ?? error.message;
        }
        if (Date.now() >= deadline) {
          finish(new Error(`${url} not healthy after ${timeoutMs} ms (last answer: ${last})`));
          return;
        }
        timer = setTimeout(poll, 250);
      };
      void poll();
    });
  }

  const handle = {
    apps: [...apps],
    start,
    stop,
    stopAll,
    isRunning,
    tail,
    onExit,
    waitForHealth,
    supervise,
    pid: (name) => running.get(name)?.child.pid,
  };
  for (const name of apps) start(name);
  return handle;
}

module.exports = {
  ALL_APPS,
  DEFAULT_ROOT,
  freePort,
  reservePort,
  isPortFree,
  canConnect,
  waitForExit,
  stopChild,
  forEachLine,
  startApps,
};
