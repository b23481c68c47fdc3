// NATS with JetStream: probing a server with the nats client, the tests' server (NATS_URL, the one
// on 4222, or a throwaway one) and npm start's own nats-server with its data under .jchat/nats.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { connect } from 'nats';
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

const STANDARD_URL = 'nats://127.0.0.1:4222';

/**
 * Connects with the nats client and asks JetStream for the account's info: resolves true when
 * JetStream works, false when the server has it off; throws the client's error otherwise.
 */
export async function probeNats(url, timeoutMs = 2000) {
  const nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false });
  try {
    const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
    await jsm.getAccountInfo();
    return true;
  } catch (error) {
    // No JetStream: the account-info request answers 503 ("jetstream not enabled").
    if (error?.code === '503' || /jetstream not enabled/i.test(String(error?.message)))
      return false;
    throw error;
  } finally {
    await nc.close().catch(() => {});
  }
}

function natsArgs(port, storeDir) {
  return ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
}

/** For the tests: NATS_URL, else the server on 127.0.0.1:4222, else a throwaway one of `group`. */
export async function natsForTests(group, log) {
  if (!forcedThrowaway('nats')) {
    if (process.env.NATS_URL) {
      log('nats: using NATS_URL');
      return process.env.NATS_URL;
    }
    try {
      if (await probeNats(STANDARD_URL)) {
        log('nats: using the server on 127.0.0.1:4222');
        return STANDARD_URL;
      }
      log('nats: 127.0.0.1:4222 has no JetStream; starting a throwaway one');
    } catch (error) {
      if (!nothingListens(error))
        log(`nats: 127.0.0.1:4222 did not answer (${error.message}); starting a throwaway one`);
    }
  }
  const why = 'a throwaway NATS server for the tests';
  const bin = requireBinary('nats-server', 'nats-server', why, log);
  const dir = await throwawayDir(group, 'nats');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const child = spawnServer(bin, natsArgs(port, path.join(dir, 'jetstream')), {
    logFile,
    cwd: dir,
  });
  group.add({ name: `throwaway nats (port ${port})`, child, signal: 'SIGTERM' });
  await waitUntilReady('throwaway nats-server', () => probeNats(url), { child, logFile });
  log(`nats: started a throwaway server on 127.0.0.1:${port} (data in ${dir})`);
  return url;
}

/** npm start's own nats-server (JetStream data in .jchat/nats), supervised by `group`. */
export async function ownNats({ home, logs, run, state, stateFile, group, log }) {
  const bin = requireBinary('nats-server', 'nats-server', 'npm start (its own NATS)', log);
  const dataDir = path.join(home, 'nats');
  const logFile = path.join(logs, 'nats.log');
  const pidFile = path.join(run, 'nats.pid');
  await stopLeftover(pidFile, dataDir, 'SIGTERM', log);
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await choosePort(state, 'nats');
  writeJson(stateFile, state);
  const spawnNats = () => {
    const started = spawnServer(bin, natsArgs(port, dataDir), { logFile, cwd: home });
    fs.writeFileSync(pidFile, `${started.pid}\n`);
    return started;
  };
  const child = spawnNats();
  group.add({
    name: `nats-server (port ${port})`,
    child,
    signal: 'SIGTERM',
    respawn: spawnNats,
    cleanup: () => fsp.rm(pidFile, { force: true }),
  });
  const url = `nats://127.0.0.1:${port}`;
  await waitUntilReady('nats-server', () => probeNats(url), { child, logFile });
  log(`nats: nats-server with JetStream on 127.0.0.1:${port}`);
  return url;
}
