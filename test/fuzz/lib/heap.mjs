// A full garbage collection in each app before its memory is read, so that the start and end
// figures compare live memory rather than wherever the collector happened to be. The apps run
// with the inspector on a free loopback port (NODE_OPTIONS=--inspect=127.0.0.1:0); it prints
// its address, which each app's log holds.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

export const INSPECT_OPTION = '--inspect=127.0.0.1:0';

/** The inspector address of the app's current process (the last one its log names). */
export function inspectorUrl(logDir, app) {
  const file = path.join(logDir, `${app}.log`);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const all = [...text.matchAll(/Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/g)];
  return all.at(-1)?.[1] ?? null;
}

/** Collects garbage in the process behind `url`; resolves to its process.memoryUsage() in KiB. */
export function collectGarbage(url, timeoutMs = 20_000) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const pending = new Map();
    let id = 0;
    const call = (method, params = {}) =>
      new Promise((done) => {
        id += 1;
        pending.set(id, done);
        ws.send(JSON.stringify({ id, method, params }));
      });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, timeoutMs);
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    ws.on('open', async () => {
      await call('HeapProfiler.collectGarbage');
      const evaluated = await call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      clearTimeout(timer);
      ws.close();
      const usage = JSON.parse(evaluated?.result?.value ?? 'null');
      const kib = (bytes) => Math.round(bytes / 1024);
      resolve(
        usage && {
          heapUsedKiB: kib(usage.heapUsed),
          heapTotalKiB: kib(usage.heapTotal),
          externalKiB: kib(usage.external),
          arrayBuffersKiB: kib(usage.arrayBuffers),
        },
      );
    });
  });
}
