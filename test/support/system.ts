// Start a JCHAT system of one's own from dist/ (for e2e tests that stop and start services, e.g.
// to see `serverUnavailable`). It shares this run's database, NATS and Redis, but has its own
// prefix (so the run's main system never answers for it) and its own gateway port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ALL_APPS,
  freePort,
  startApps,
  type AppName,
  type AppsHandle,
} from '../../scripts/lib/processes.cjs';
import { databaseUrl, jwtSecret, natsUrl, redisUrl } from './env';
import { cleanPrefix, randomPrefix, ROOT_DIR } from './isolation';

export type { AppName };
export { ALL_APPS };

export interface SystemOptions {
  /** Which apps to start (default: all six). */
  apps?: readonly AppName[];
  /** NATS/Redis prefix (default: a new random one, cleaned up by stopAll). */
  prefix?: string;
  /** Gateway port (default: a free one). */
  port?: number;
  /** Extra environment for every app. */
  env?: Record<string, string>;
  /** Extra environment for one app (e.g. its OBSERVABILITY_PORT). */
  appEnv?: Partial<Record<AppName, Record<string, string>>>;
  /** How long to wait for the gateway (default JCHAT_TEST_HEALTH_TIMEOUT_MS or 90 s). */
  healthTimeoutMs?: number;
}

export interface System {
  /** Gateway base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly prefix: string;
  /** Stops one app (SIGTERM, then SIGKILL after 10 s). */
  stop(app: AppName): Promise<void>;
  /** Starts a stopped app again; when all six then run, waits until /health/ready is 200. */
  start(app: AppName): Promise<void>;
  /** Waits until /health/ready is 200 (all five services answer, every store reachable). */
  waitForHealth(timeoutMs?: number): Promise<void>;
  /** Waits until /health/ready reports these services up (for systems running only some apps). */
  waitForServices(services: readonly string[], timeoutMs?: number): Promise<void>;
  /** Stops every app and removes this system's Redis keys, streams and logs. */
  stopAll(): Promise<void>;
  /** An app's last output lines, for assertion messages. */
  logs(app: AppName): string;
  /** Everything an app wrote since the system started (its log file). */
  fullLogs(app: AppName): string;
  /** Whether the app's process runs. */
  isRunning(app: AppName): boolean;
  /** Sends a signal to an app's process, without waiting for it to exit. */
  signal(app: AppName, signal?: NodeJS.Signals): void;
  /** How the app's process exits (at once when it is not running); fails after timeoutMs. */
  exited(app: AppName, timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

export function healthTimeoutMs(): number {
  return Number(process.env.JCHAT_TEST_HEALTH_TIMEOUT_MS ?? 90000);
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const apps = options.apps ?? ALL_APPS;
  const prefix = options.prefix ?? randomPrefix();
  const ownPrefix = options.prefix === undefined;
  const timeoutMs = options.healthTimeoutMs ?? healthTimeoutMs();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `jchat-${prefix}-`));
  const handle: AppsHandle = startApps({
    rootDir: ROOT_DIR,
    apps,
    logDir,
    appEnv: options.appEnv,
    env: {
      DATABASE_URL: databaseUrl(),
      NATS_URL: natsUrl(),
      REDIS_URL: redisUrl(),
      JWT_SECRET: jwtSecret(),
      JCHAT_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: undefined,
      ...options.env,
    },
  });

  const lastExit = new Map<AppName, { code: number | null; signal: string | null }>();
  handle.onExit(({ name, code, signal }) => lastExit.set(name, { code, signal }));
  const exited = (app: AppName, ms = 30_000) =>
    new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      if (!handle.isRunning(app)) {
        resolve(lastExit.get(app) ?? { code: null, signal: null });
        return;
      }
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new Error(`${app} still running after ${ms} ms; its last output:\n${handle.tail(app)}`),
        );
      }, ms);
      const unsubscribe = handle.onExit(({ name, code, signal }) => {
        if (name !== app) return;
        clearTimeout(timer);
        unsubscribe();
        resolve({ code, signal });
      });
    });

  const allRunning = (): boolean => ALL_APPS.every((app) => handle.isRunning(app));
  const waitForServices = async (services: readonly string[], ms = timeoutMs): Promise<void> => {
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      try {
        const response = await fetch(`${url}/health/ready`);
        last = await response.text();
        const health = JSON.parse(last) as { services?: Record<string, { status?: string }> };
        if (services.every((name) => health.services?.[name]?.status === 'up')) return;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) throw new Error(`services ${services.join(', ')} not up: ${last}`);
      // Polls the health route; there is no event to wait on for another process's start-up.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const waitForHealth = async (ms = timeoutMs): Promise<void> => {
    await handle.waitForHealth(`${url}/health/ready`, ms);
  };
  const stopAll = async (): Promise<void> => {
    await handle.stopAll();
    try {
      if (ownPrefix) await cleanPrefix(prefix);
    } finally {
      fs.rmSync(logDir, { recursive: true, force: true });
    }
  };

  try {
    if (allRunning()) await waitForHealth();
    else if (apps.includes('gateway')) {
      // Not every service runs, so /health/ready stays 503: wait for the gateway to be live.
      await handle.waitForHealth(`${url}/health`, timeoutMs);
    }
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }

  return {
    url,
    prefix,
    stop: (app) => handle.stop(app),
    async start(app) {
      handle.start(app);
      if (allRunning()) await waitForHealth();
      else if (app === 'gateway') {
        await handle.waitForHealth(`${url}/health`, timeoutMs);
      }
    },
    waitForHealth,
    waitForServices,
    stopAll,
    logs: (app) => handle.tail(app),
    fullLogs: (app) => {
      try {
        return fs.readFileSync(path.join(logDir, `${app}.log`), 'utf8');
      } catch {
        return '';
      }
    },
    isRunning: (app) => handle.isRunning(app),
    signal(app, signal = 'SIGTERM') {
      const pid = handle.pid(app);
      if (pid === undefined || !handle.isRunning(app)) throw new Error(`${app} is not running`);
      process.kill(pid, signal);
    },
    exited,
  };
}
