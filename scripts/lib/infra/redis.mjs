// Redis: probing a server with ioredis, the tests' server (REDIS_URL, the one on 6379, or a
// throwaway one) and npm start's own redis-server (nothing kept on disk but its dir).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../processes.mjs';
import { requireBinary } from './host.mjs';
import {
  forcedThrowaway,
  nothingListens,
  spawnServer,
  throwawayDir,
  waitUntilReady,
} from './server-process.mjs';
import { choosePort, stopLeftover, writeJson } from './start-state.mjs';

const STANDARD_URL = 'redis://127.0.0.1:6379';

/** Resolves true when the server at `url` answers PING through ioredis; throws its error if not. */
export async function probeRedis(url, timeoutMs = 2000) {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Without retries, connect() rejects with "Connection is closed": the cause is this event's.
  let cause;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    const answer = await redis.ping();
    if (answer !== 'PONG') throw new Error(`Redis answered ${String(answer).slice(0, 80)}`);
    return true;
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

function redisArgs(port, dir) {
  return ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'no'];
}

/** For the tests: REDIS_URL, else the server on 127.0.0.1:6379, else a throwaway one of `group`. */
export async function redisForTests(group, log) {
  if (!forcedThrowaway('redis')) {
    if (process.env.REDIS_URL) {
      log('redis: using REDIS_URL');
      return process.env.REDIS_URL;
    }
    try {
      await probeRedis(STANDARD_URL);
      log('redis: using the server on 127.0.0.1:6379');
      return STANDARD_URL;
    } catch (error) {
      if (!nothingListens(error))
        log(
          `redis: 127.0.0.1:6379 did not answer PING (${error.message}); starting a throwaway one`,
        );
    }
  }
  const bin = requireBinary('redis-server', 'redis-server', 'a throwaway Redis for the tests', log);
  const dir = await throwawayDir(group, 'redis');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child = spawnServer(bin, [...redisArgs(port, dir), '--save', ''], { logFile, cwd: dir });
  group.add({ name: `throwaway redis (port ${port})`, child, signal: 'SIGTERM' });
  await waitUntilReady('throwaway redis-server', () => probeRedis(url), { child, logFile });
  log(`redis: started a throwaway server on 127.0.0.1:${port}`);
  return url;
}

/** npm start's own redis-server (its dir .jchat/redis), supervised by `group`. */
export async function ownRedis({ home, logs, run, state, stateFile, group, log }) {
  const bin = requireBinary('redis-server', 'redis-server', 'npm start (its own Redis)', log);
  const dataDir = path.join(home, 'redis');
  const logFile = path.join(logs, 'redis.log');
  const pidFile = path.join(run, 'redis.pid');
  // redis-server rewrites its process title to "redis-server 127.0.0.1:PORT".
  if (state.ports?.redis)
    await stopLeftover(pidFile, `127.0.0.1:${state.ports.redis}`, 'SIGTERM', log);
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await choosePort(state, 'redis');
  writeJson(stateFile, state);
  const spawnRedis = () => {
    const started = spawnServer(bin, redisArgs(port, dataDir), { logFile, cwd: dataDir });
    fs.writeFileSync(pidFile, `${started.pid}\n`);
    return started;
  };
  const child = spawnRedis();
  group.add({
    name: `redis-server (port ${port})`,
    child,
    signal: 'SIGTERM',
    respawn: spawnRedis,
    cleanup: () => fsp.rm(pidFile, { force: true }),
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilReady('redis-server', () => probeRedis(url), { child, logFile });
  log(`redis: redis-server on 127.0.0.1:${port} (data in ${dataDir})`);
  return url;
}
