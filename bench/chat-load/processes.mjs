// The processes of the system under test and their CPU and memory, read from Linux /proc.
//
// Groups: the six JCHAT apps (found by their entry point and JCHAT_PREFIX in their
// environment), PostgreSQL (the postmaster, its auxiliary processes and the backends of our
// database: other databases' backends on a shared server are left out), NATS and Redis
// (whoever listens on their ports). CPU from utime+stime in /proc/PID/stat, memory as PSS from
// /proc/PID/smaps_rollup (PostgreSQL's shared memory would be counted once per backend in RSS).
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { ALL_APPS } from '../../scripts/lib/processes.mjs';
import { delay, round1 } from './stats.mjs';

/** How long a process is given to return the pages a full collection freed. */
const GC_SETTLE_MS = 2000;
const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux
export const GROUPS = [...ALL_APPS, 'postgres', 'nats', 'redis'];

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // gone, or not ours to read
  }
}

const read = (pid, file) => readText(`/proc/${pid}/${file}`);

const numericEntries = (dir) => fs.readdirSync(dir).filter((entry) => /^\d+$/.test(entry));

/** Seconds of CPU a process has used so far (0 when it is gone). */
function cpuSeconds(pid) {
  const stat = read(pid, 'stat');
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/**
 * Proportional set size of a process in KiB (0 when it is gone). Read off the event loop: the
 * kernel walks the whole address space for it (40-60 ms for every process of a running system),
 * and a synchronous read every 2 s stopped this generator long enough to show in W2's p99 (86
 * and 190 ms against 54 and 73 without sampling, at 100 messages/s).
 */
async function pssKiB(pid) {
  const rollup = await fs.promises.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => null);
  const match = rollup && /^Pss:\s+(\d+) kB/m.exec(rollup);
  return match ? Number(match[1]) : 0;
}

/** The pid of each JCHAT app started with this prefix. */
function appPids(prefix) {
  const found = new Map();
  for (const pid of numericEntries('/proc')) {
    const cmdline = read(pid, 'cmdline');
    const app = ALL_APPS.find((name) => cmdline?.includes(`apps/${name}/src/main.js`));
    if (!app) continue;
    if (read(pid, 'environ')?.split('\0').includes(`JCHAT_PREFIX=${prefix}`)) {
      found.set(app, Number(pid));
    }
  }
  return found;
}

/** The (lowest) pid holding a TCP socket listening on `port`, or null. */
function listenerPid(port) {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (readText(table) ?? '').split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(hexPort) && fields[3] === '0A') inodes.add(`socket:[${fields[9]}]`);
    }
  }
  for (const pid of numericEntries('/proc').sort((a, b) => a - b)) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** Machine-wide CPU counters (jiffies) from /proc/stat. */
function machineTicks() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const values = fields.slice(1).map(Number);
  return { idle: values[3] + values[4], total: values.reduce((sum, v) => sum + v, 0) };
}

/** The pids of every group; PostgreSQL's are looked up again on each call (backends come and go). */
export class SystemProcesses {
  constructor({ prefix, databaseUrl, natsUrl, redisUrl }) {
    this.prefix = prefix;
    this.databaseUrl = databaseUrl;
    this.natsPort = Number(new URL(natsUrl).port || 4222);
    this.redisPort = Number(new URL(redisUrl).port || 6379);
    this.pgPort = Number(new URL(databaseUrl).port || 5432);
  }

  async discover() {
    this.apps = appPids(this.prefix);
    const missing = ALL_APPS.filter((name) => !this.apps.has(name));
    if (missing.length > 0) throw new Error(`JCHAT processes not found: ${missing.join(', ')}`);
    this.fixed = {
      nats: listenerPid(this.natsPort),
      redis: listenerPid(this.redisPort),
      postmaster: listenerPid(this.pgPort),
    };
    // Once: discover() runs again after each restart of the apps.
    if (!this.db) {
      this.db = new pg.Client({ connectionString: this.databaseUrl });
      await this.db.connect();
    }
    return { ...Object.fromEntries(this.apps), ...this.fixed };
  }

  /** {group: [pid, ...]} for every group. */
  async groups() {
    const { rows } = await this.db.query(
      `SELECT pid FROM pg_stat_activity
       WHERE (backend_type <> 'client backend' OR datname = current_database())
         AND pid <> pg_backend_pid()`,
    );
    const groups = Object.fromEntries([...this.apps].map(([name, pid]) => [name, [pid]]));
    groups.postgres = [this.fixed.postmaster, ...rows.map((row) => row.pid)].filter(Boolean);
    groups.nats = this.fixed.nats ? [this.fixed.nats] : [];
    groups.redis = this.fixed.redis ? [this.fixed.redis] : [];
    return groups;
  }

  /** CPU% (of one core) of all groups together over the next `ms`. */
  async cpuPct(ms) {
    const total = async () =>
      Object.values(await this.groups())
        .flat()
        .reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = await total();
    await delay(ms);
    return (((await total()) - before) / (ms / 1000)) * 100;
  }

  /**
   * Asks every JCHAT app for a full garbage collection (bench/lib/collect-on-signal.cjs) and
   * gives them a moment to return the freed pages.
   */
  async collectGarbage() {
    for (const pid of this.apps.values()) {
      try {
        process.kill(pid, 'SIGURG');
      } catch {
        // Gone: nothing to collect.
      }
    }
    await delay(GC_SETTLE_MS);
  }

  /** {group: KiB} summed PSS of each group, and `total`. */
  async pss() {
    const groups = await this.groups();
    const kib = {};
    for (const [name, pids] of Object.entries(groups)) {
      kib[name] = 0;
      // One process at a time: the walks stay on one core, in the background.
      for (const pid of pids) kib[name] += await pssKiB(pid);
    }
    kib.total = Object.values(kib).reduce((sum, v) => sum + v, 0);
    return kib;
  }

  async close() {
    await this.db?.end().catch(() => undefined);
  }
}

/**
 * CPU% (of one core) and PSS of every group over one workload, the generator's own CPU% and
 * RSS, and the machine's busy share of all its cores: start(), then stop() returns them.
 */
export class ResourceMonitor {
  /** PSS is sampled every `intervalMs` for the maxima: each sample costs the apps a walk. */
  constructor(system, intervalMs = 5000) {
    this.system = system;
    this.intervalMs = intervalMs;
  }

  async cpuByPid() {
    const groups = await this.system.groups();
    const byPid = new Map();
    for (const [name, pids] of Object.entries(groups)) {
      for (const pid of pids) byPid.set(pid, { name, seconds: cpuSeconds(pid) });
    }
    return byPid;
  }

  async start() {
    this.startedAt = performance.now();
    this.cpuStart = await this.cpuByPid();
    this.generatorStart = process.cpuUsage();
    this.machineStart = machineTicks();
    this.pssStart = await this.system.pss();
    this.pssMax = { ...this.pssStart };
    this.generatorRssMax = process.memoryUsage().rss;
    // The generator's own delays count in every latency it measures: they are reported too.
    this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
    this.loopDelay.enable();
    this.timer = setInterval(() => void this.samplePss(), this.intervalMs);
  }

  async samplePss() {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const pss = await this.system.pss();
      for (const [name, kib] of Object.entries(pss)) {
        this.pssMax[name] = Math.max(this.pssMax[name] ?? 0, kib);
      }
      this.generatorRssMax = Math.max(this.generatorRssMax, process.memoryUsage().rss);
    } catch {
      // a sample lost while the database is busy: the next one counts
    } finally {
      this.sampling = false;
    }
  }

  async stop() {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpuEnd = await this.cpuByPid();
    const pssEnd = await this.system.pss();
    const cpu = Object.fromEntries(GROUPS.map((name) => [name, 0]));
    for (const [pid, { name, seconds: used }] of cpuEnd) {
      cpu[name] += used - (this.cpuStart.get(pid)?.seconds ?? 0);
    }
    const generator = process.cpuUsage(this.generatorStart);
    this.loopDelay.disable();
    // Less the 1 ms the timer is set for: the delay beyond it.
    const delayMs = (nanos) => round1(Math.max(0, nanos / 1e6 - 1));
    const machine = machineTicks();
    const perGroup = {};
    for (const name of [...GROUPS, 'total']) {
      const used = name === 'total' ? Object.values(cpu).reduce((a, b) => a + b, 0) : cpu[name];
      perGroup[name] = {
        cpu_pct: round1((used / seconds) * 100),
        pss_mib_start: round1(this.pssStart[name] / 1024),
        pss_mib_max: round1(Math.max(this.pssMax[name], pssEnd[name]) / 1024),
        pss_mib_end: round1(pssEnd[name] / 1024),
      };
    }
    const busy =
      1 - (machine.idle - this.machineStart.idle) / (machine.total - this.machineStart.total);
    return {
      wall_s: round1(seconds),
      server: perGroup,
      generator: {
        cpu_pct: round1(((generator.user + generator.system) / 1e6 / seconds) * 100),
        rss_mib_max: round1(this.generatorRssMax / 2 ** 20),
        loop_delay_p99_ms: delayMs(this.loopDelay.percentile(99)),
        loop_delay_max_ms: delayMs(this.loopDelay.max),
      },
      machine_busy_pct_of_all_cores: round1(busy * 100),
      pss_kib_start: this.pssStart,
      pss_kib_end: pssEnd,
    };
  }
}
