// Operating a system of one's own: every service serves /metrics, /health and /health/ready on
// its OBSERVABILITY_PORT, the gateway serves /metrics on its port, and one request id names a
// JMAP request in the log lines of the gateway and of the service that ran its method.
import { randomBytes } from 'node:crypto';
import { freePort } from '../../scripts/lib/processes.cjs';
import { type AppName, startSystem, type System } from '../support/system';
import { eventually, JmapSocket } from './support/push-clients';
import { call, CHAT, CORE, http, newUser, type TestUser } from './support/http';
import { metricSeries, metricValue } from './support/metrics';

const SERVICES = ['auth', 'conversations', 'messaging', 'presence', 'rbac'] as const;

/** Log lines of an app that are JSON and carry this request id. */
function linesWith(system: System, app: AppName, requestId: string): Record<string, unknown>[] {
  return system
    .fullLogs(app)
    .split('\n')
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('observability', () => {
  let system: System;
  let user: TestUser;
  const ports: Partial<Record<AppName, number>> = {};

  beforeAll(async () => {
    for (const app of SERVICES) ports[app] = await freePort();
    system = await startSystem({
      env: { LOG_LEVEL: 'debug', OBSERVABILITY_HOST: '127.0.0.1' },
      appEnv: Object.fromEntries(
        SERVICES.map((app) => [app, { OBSERVABILITY_PORT: String(ports[app]) }]),
      ),
    });
    user = await newUser({ base: system.url });
  });

  afterAll(async () => {
    await system?.stopAll();
  });

  const service = (app: AppName, path: string) => fetch(`http://127.0.0.1:${ports[app]}${path}`);

  it('serves liveness, readiness and metrics on each service’s OBSERVABILITY_PORT', async () => {
    for (const app of SERVICES) {
      const live = await service(app, '/health');
      expect([app, live.status]).toEqual([app, 200]);
      const ready = await service(app, '/health/ready');
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect([app, ready.status, body.status]).toEqual([app, 200, 'ok']);
      expect([app, body.checks.nats]).toEqual([app, 'up']);
      expect(Object.values(body.checks).every((state) => state === 'up')).toBe(true);
      const metrics = await (await service(app, '/metrics')).text();
      expect(metricValue(metrics, 'nodejs_eventloop_lag_seconds', { app })).toBeGreaterThanOrEqual(
        0,
      );
      expect(metricValue(metrics, 'process_resident_memory_bytes', { app })).toBeGreaterThan(0);
      expect(metricValue(metrics, 'nodejs_heap_size_used_bytes', { app })).toBeGreaterThan(0);
    }
  });

  it('counts JMAP calls in the gateway and in the service that ran them', async () => {
    const responses = await call(
      user.accessToken,
      [
        ['User/get', { accountId: user.id, ids: [user.id] }, 'u'],
        ['Core/echo', { hello: 1 }, 'e'],
        ['Made/up', {}, 'x'],
      ],
      { base: system.url },
    );
    expect(responses.map(([name]) => name)).toEqual(['User/get', 'Core/echo', 'error']);

    const gateway = await (await fetch(`${system.url}/metrics`)).text();
    const calls = (method: string, outcome: string) =>
      metricValue(gateway, 'jchat_jmap_calls_total', { method, outcome, app: 'gateway' });
    expect(calls('User/get', 'ok')).toBeGreaterThanOrEqual(1);
    expect(calls('Core/echo', 'ok')).toBeGreaterThanOrEqual(1);
    expect(calls('other', 'unknownMethod')).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(gateway, 'jchat_jmap_call_duration_seconds_count', { method: 'User/get' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(gateway, 'jchat_nats_request_duration_seconds_count', {
        subject: 'auth.jmap.call.v1',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(gateway).not.toContain('Made/up');

    const auth = await (await service('auth', '/metrics')).text();
    expect(
      metricValue(auth, 'jchat_jmap_calls_total', { method: 'User/get', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    const pool = { pool: 'prisma', app: 'auth' };
    expect(metricValue(auth, 'jchat_db_pool_connections', pool)).toBeGreaterThanOrEqual(1);
    expect(metricValue(auth, 'jchat_db_pool_max_connections', pool)).toBe(5);
    expect(metricValue(auth, 'jchat_db_pool_waiting_clients', pool)).toBe(0);
  });

  it('reports the lag of the JetStream consumers each service consumes with', async () => {
    for (const app of ['presence', 'messaging', 'rbac'] as const) {
      const text = await (await service(app, '/metrics')).text();
      const pending = metricSeries(text, 'jchat_jetstream_consumer_pending_messages');
      expect([app, pending.length > 0]).toEqual([app, true]);
      for (const series of pending) expect(series.value).toBeGreaterThanOrEqual(0);
      expect(metricSeries(text, 'jchat_jetstream_consumer_ack_pending_messages')).toHaveLength(
        pending.length,
      );
    }
  });

  it('counts open push connections and the frames sent to them', async () => {
    const gatewayMetric = async (name: string) =>
      metricValue(await (await fetch(`${system.url}/metrics`)).text(), name, {
        transport: 'websocket',
      });
    const socket = await JmapSocket.open(user.accessToken, { base: system.url });
    try {
      await socket.enablePush({ dataTypes: ['Conversation'] });
      expect(await gatewayMetric('jchat_push_connections')).toBe(1);
      const sentBefore = (await gatewayMetric('jchat_push_frames_sent_total')) ?? 0;
      const created = await call(
        user.accessToken,
        [
          [
            'Conversation/set',
            { accountId: user.id, create: { c: { conversationType: 'group', title: 'metrics' } } },
            's',
          ],
        ],
        { base: system.url },
      );
      expect(created[0]![1].created?.c).toBeDefined();
      await socket.stateChange(user.id, ['Conversation']);
      expect(await gatewayMetric('jchat_push_frames_sent_total')).toBeGreaterThan(sentBefore);
    } finally {
      await socket.close();
    }
    await eventually(
      async () => ((await gatewayMetric('jchat_push_connections')) === 0 ? true : undefined),
      5000,
      'the WebSocket to be counted as closed',
    );
  });

  it('names a JMAP request by its x-request-id in the gateway’s and the service’s log lines', async () => {
    const requestId = `e2e-${randomBytes(6).toString('hex')}`;
    const result = await http('POST', '/jmap/api', {
      base: system.url,
      token: user.accessToken,
      headers: { 'x-request-id': requestId },
      body: { using: [CORE, CHAT], methodCalls: [['User/get', { accountId: user.id }, 'u']] },
    });
    expect(result.status).toBe(200);
    expect(result.headers.get('x-request-id')).toBe(requestId);

    const gatewayLines = await eventually(
      async () => {
        const lines = linesWith(system, 'gateway', requestId);
        return lines.some((line) => String(line.message).startsWith('POST /jmap/api 200'))
          ? lines
          : undefined;
      },
      5000,
      `the gateway's access log line of ${requestId}`,
    );
    expect(gatewayLines.every((line) => line.requestId === requestId)).toBe(true);

    const authLines = await eventually(
      async () => {
        const lines = linesWith(system, 'auth', requestId);
        return lines.length > 0 ? lines : undefined;
      },
      5000,
      `a log line of auth naming ${requestId}`,
    );
    expect(authLines).toContainEqual(
      expect.objectContaining({
        requestId,
        context: 'jmap',
        message: expect.stringMatching(/^User\/get ok in \d+ ms$/),
      }),
    );
    // Nothing else ran under it: no other service logged it.
    for (const app of ['conversations', 'messaging', 'rbac'] as const) {
      expect(linesWith(system, app, requestId)).toEqual([]);
    }
  });
});
