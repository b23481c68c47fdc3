// SIGTERM in a system of one's own: the gateway stops taking connections, tells WebSocket clients
// to reconnect (1012), ends EventSource streams and still answers the request in flight; a
// service stops taking requests but answers the one it is running before it exits.
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { canConnect, freePort } from '../../scripts/lib/processes.cjs';
import { databaseUrl } from '../support/env';
import { startSystem, type System } from '../support/system';
import { call, CHAT, CORE, newUser, type TestUser } from './support/http';
import { metricValue } from './support/metrics';
import { eventually, JmapEventSource, JmapSocket } from './support/push-clients';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A POST /jmap/api whose body is sent in two parts: the request stays in flight in between. */
function slowJmapRequest(base: string, token: string, body: string) {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const req = httpRequest(`${base}/jmap/api`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(bytes.length),
    },
  });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
      res.on('error', reject);
    });
  });
  req.write(bytes.subarray(0, half));
  return { response, finish: () => req.end(bytes.subarray(half)) };
}

/** Waits until a log line of the app contains `text`. */
function logged(system: System, app: 'gateway' | 'conversations', text: string) {
  return eventually(
    async () => (system.fullLogs(app).includes(text) ? true : undefined),
    10_000,
    `"${text}" in the ${app} log`,
  );
}

describe('graceful shutdown', () => {
  let system: System;
  let user: TestUser;
  let conversationsPort: number;

  beforeAll(async () => {
    conversationsPort = await freePort();
    system = await startSystem({
      // A service held up by a lock must not look silent to the gateway meanwhile.
      env: { SERVICE_TIMEOUT_MS: '30000', SHUTDOWN_GRACE_MS: '20000' },
      appEnv: {
        conversations: {
          OBSERVABILITY_PORT: String(conversationsPort),
          OBSERVABILITY_HOST: '127.0.0.1',
        },
      },
    });
    user = await newUser({ base: system.url });
  });

  afterAll(async () => {
    await system?.stopAll();
  });

  it('gateway: closes WebSockets with 1012, ends EventSource streams, answers the request in flight', async () => {
    const socket = await JmapSocket.open(user.accessToken, { base: system.url });
    await socket.enablePush();
    const stream = await JmapEventSource.open(user.accessToken, { base: system.url });
    const streamEnded = new Promise<void>((resolve) => {
      stream.source.onerror = () => resolve();
    });
    const slow = slowJmapRequest(
      system.url,
      user.accessToken,
      JSON.stringify({ using: [CORE, CHAT], methodCalls: [['Core/echo', { still: 'here' }, 'e']] }),
    );
    // In flight: the EventSource stream, the slow request and the scrape asking.
    await eventually(
      async () => {
        const text = await (await fetch(`${system.url}/metrics`)).text();
        return metricValue(text, 'jchat_http_requests_in_flight') === 3 ? true : undefined;
      },
      10_000,
      'the gateway to be reading the slow request',
    );

    system.signal('gateway', 'SIGTERM');

    await expect(socket.closed).resolves.toEqual({ code: 1012, reason: 'service restart' });
    await streamEnded;
    stream.close();
    // Listening has stopped: a new connection is refused.
    expect(await canConnect(Number(new URL(system.url).port))).toBe(false);

    slow.finish();
    const answer = await slow.response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).methodResponses).toEqual([
      ['Core/echo', { still: 'here' }, 'e'],
    ]);
    expect(answer.headers.connection).toBe('close');

    await expect(system.exited('gateway')).resolves.toEqual({ code: 0, signal: null });
    expect(system.fullLogs('gateway')).toContain('drained: every request answered');
  });

  it('service: stops taking requests, answers the call it runs, then exits', async () => {
    if (!system.isRunning('gateway')) await system.start('gateway'); // the test before stops it
    const [created, got] = await call(
      user.accessToken,
      [
        [
          'Conversation/set',
          { accountId: user.id, create: { c: { conversationType: 'group', title: 'before' } } },
          'c',
        ],
        ['Conversation/get', { accountId: user.id, ids: [] }, 'g'],
      ],
      { base: system.url },
    );
    const conversationId = created![1].created.c.id as string;
    const state = got![1].state as string;

    // Take the lock a /set with ifInState holds for its account and type (see IfInStateGuard), so
    // that the rename below waits for it inside the service.
    const db = new Client({ connectionString: databaseUrl() });
    await db.connect();
    const key = `jchat.ifInState:${user.id}:Conversation`;
    try {
      await db.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      const rename = call(
        user.accessToken,
        [
          [
            'Conversation/set',
            {
              accountId: user.id,
              ifInState: state,
              update: { [conversationId]: { title: 'renamed while stopping' } },
            },
            'r',
          ],
        ],
        { base: system.url },
      );
      await eventually(
        async () => {
          const { rows } = await db.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND query LIKE '%pg_advisory_xact_lock%'`,
          );
          return rows[0]!.waiting > 0 ? true : undefined;
        },
        5000,
        'the rename to wait for the lock',
      );

      system.signal('conversations', 'SIGTERM');
      await logged(system, 'conversations', 'SIGTERM: shutting down');
      const ready = await fetch(`http://127.0.0.1:${conversationsPort}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'stopping' });

      await db.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      const [renamed] = await rename;
      expect(renamed![0]).toBe('Conversation/set');
      expect(Object.keys(renamed![1].updated ?? {})).toEqual([conversationId]);
    } finally {
      await db.end();
    }

    await expect(system.exited('conversations')).resolves.toEqual({ code: 0, signal: null });
    expect(system.fullLogs('conversations')).toContain('drained: no request or event in flight');
    const check = new Client({ connectionString: databaseUrl() });
    await check.connect();
    try {
      const { rows } = await check.query<{ title: string }>(
        'SELECT title FROM conversations WHERE id = $1',
        [conversationId],
      );
      expect(rows[0]!.title).toBe('renamed while stopping');
    } finally {
      await check.end();
    }
  });
});
