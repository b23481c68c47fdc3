// W3 of the chat-load benchmark: N users log in (POST /auth/login), then each opens one
// push-enabled WebSocket (includeObjects), `concurrency` at a time, and holds it. Reports
// logins/s, connections/s and the memory each idle connection costs, as PSS summed over every
// process of the system (gateway, services, PostgreSQL, NATS, Redis): the growth from half to
// all of the connections open, each point after a full garbage collection in every app, once
// the PSS holds still.
import { JmapSocket, login } from './clients.mjs';
import { GROUPS } from './processes.mjs';
import { delay, pool, round1 } from './stats.mjs';

const PSS_SAMPLE_MS = 2000;
const PSS_STEADY_SAMPLES = 5;
const PSS_STEADY_SHARE = 0.005;
const PSS_SETTLE_MAX_MS = 60_000;

/**
 * The summed PSS after a full garbage collection in every app, once it holds still (within 0.5%
 * over 10 s), or after a minute; and how long that took.
 */
async function steadyPss(system) {
  const startedAt = performance.now();
  await system.collectGarbage();
  let last = await system.pss();
  for (let steady = 0; steady < PSS_STEADY_SAMPLES; ) {
    if (performance.now() - startedAt > PSS_SETTLE_MAX_MS) break;
    await delay(PSS_SAMPLE_MS);
    const current = await system.pss();
    const still = Math.abs(current.total - last.total) <= last.total * PSS_STEADY_SHARE;
    steady = still ? steady + 1 : 0;
    last = current;
  }
  return { pss: last, seconds: (performance.now() - startedAt) / 1000 };
}

async function timed(fn) {
  const startedAt = performance.now();
  const result = await fn();
  return { ...result, seconds: (performance.now() - startedAt) / 1000 };
}

/** Opens and push-enables a WebSocket for each user (`concurrency` at a time) into `sockets`. */
function openSockets(ctx, users, sockets) {
  return timed(() =>
    pool(users, ctx.concurrency, async (user) => {
      const socket = await JmapSocket.open(ctx.base, user);
      sockets.push(socket);
      await socket.enablePush(true);
    }),
  );
}

/**
 * ctx: {base, users, concurrency, system, monitor()}; spec: {connections, holdSeconds}.
 * Memory per connection is the slope between half and all of the connections open, each after
 * a full collection in every app: the logins' garbage is gone from both points, so it cannot
 * count for or against the connections, whenever V8 would have collected it.
 */
export async function runIdleWorkload(ctx, spec) {
  const users = ctx.users.slice(0, spec.connections);
  const logins = await timed(() => pool(users, ctx.concurrency, (user) => login(ctx.base, user)));
  const loggedIn = users.filter((user) => user.token);
  const half = loggedIn.slice(0, Math.floor(loggedIn.length / 2));
  const rest = loggedIn.slice(half.length);
  console.log(`[bench:chat-load] w3: opening ${loggedIn.length} WebSockets`);
  const sockets = [];
  try {
    const first = await openSockets(ctx, half, sockets);
    const { pss: pssHalf, seconds: memorySettleSeconds } = await steadyPss(ctx.system);
    const second = await openSockets(ctx, rest, sockets);
    const monitor = ctx.monitor();
    await monitor.start();
    await delay(spec.holdSeconds * 1000);
    const resources = await monitor.stop();
    const alive = sockets.filter((socket) => socket.isOpen).length;
    const { pss: pssAfter } = await steadyPss(ctx.system);
    const opened = {
      ok: first.ok + second.ok,
      seconds: first.seconds + second.seconds,
      errors: first.errors.merge(second.errors),
    };
    const measured = { logins, opened, second, pssHalf, pssAfter, alive, resources };
    return { ...idleRecord(spec, ctx, measured), memory_settle_s: round1(memorySettleSeconds) };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

function idleRecord(spec, ctx, { logins, opened, second, pssHalf, pssAfter, alive, resources }) {
  const growth = (name) => (pssAfter[name] - pssHalf[name]) / second.ok;
  const perConnection = (name) => round1(growth(name));
  // A process that shrank between the points (still returning pages freed before) is counted as
  // no growth: its shrinking is not the connections' doing and must not hide another's growth.
  const total = round1(GROUPS.reduce((sum, name) => sum + Math.max(0, growth(name)), 0));
  return {
    workload: 'w3',
    params: {
      connections: spec.connections,
      concurrency: ctx.concurrency,
      hold_s: spec.holdSeconds,
    },
    logged_in: logins.ok,
    login_errors: logins.errors.counts,
    login_s: round1(logins.seconds),
    logins_per_s: round1(logins.ok / logins.seconds),
    connected: opened.ok,
    connect_errors: opened.errors.counts,
    connect_s: round1(opened.seconds),
    connections_per_s: round1(opened.ok / opened.seconds),
    alive_after_hold: alive,
    pss_mib_half: round1(pssHalf.total / 1024),
    pss_mib_after: round1(pssAfter.total / 1024),
    pss_kib_per_connection: total,
    pss_kib_per_connection_by_process: Object.fromEntries(
      GROUPS.map((name) => [name, perConnection(name)]),
    ),
    resources,
  };
}
