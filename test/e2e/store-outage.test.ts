// A store that goes down (PostgreSQL or Redis, cut behind a relay for this system only): the
// readiness probe says which, requests fail fast with a clear retryable error instead of hanging,
// and everything works again once the store is back, with no restart.
import { databaseUrl, redisUrl } from '../support/env';
import { startSystem, type System } from '../support/system';
import { tcpCut, type TcpCut } from '../support/tcp-cut';
import { http, jmap, newUser, type TestUser } from './support/http';
import { eventually } from './support/push-clients';

const FAST_MS = 5000;

describe('a store that goes down', () => {
  let postgres: TcpCut;
  let redis: TcpCut;
  let system: System;
  let ann: TestUser;
  let room: string;

  beforeAll(async () => {
    postgres = await tcpCut(databaseUrl());
    redis = await tcpCut(redisUrl());
    system = await startSystem({
      env: { DATABASE_URL: postgres.url, REDIS_URL: redis.url, HEALTH_TIMEOUT_MS: '1500' },
    });
    ann = await newUser({ base: system.url });
    const created = await jmap(
      ann.accessToken,
      [
        [
          'Conversation/set',
          { accountId: ann.id, create: { c: { conversationType: 'group', title: 'Outage' } } },
          'c',
        ],
      ],
      { base: system.url },
    );
    room = created.body.methodResponses[0]![1]['created']['c']['id'];
  }, 120_000);

  afterAll(async () => {
    await system?.stopAll();
    await postgres?.close();
    await redis?.close();
  });

  async function send(body: string): Promise<{ ms: number; response: any }> {
    const started = Date.now();
    const result = await jmap(
      ann.accessToken,
      [['Message/set', { accountId: ann.id, create: { m: { conversationId: room, body } } }, 's']],
      { base: system.url },
    );
    expect(result.status).toBe(200);
    return { ms: Date.now() - started, response: result.body.methodResponses[0] };
  }

  async function readiness(): Promise<any> {
    const res = await http('GET', '/health/ready', { base: system.url });
    return res;
  }

  /** /health/ready once it answers 503 (the probes notice the cut store within seconds). */
  const notReady = (): Promise<any> =>
    eventually(
      async () => {
        const res = await readiness();
        return res.status === 503 ? res : undefined;
      },
      10_000,
      '/health/ready 503',
    );

  async function readyAgain(): Promise<void> {
    await eventually(
      async () => ((await readiness()).status === 200 ? true : undefined),
      30_000,
      '/health/ready 200 again',
    );
    await eventually(
      async () => ((await send('back')).response[1]?.created?.m ? true : undefined),
      30_000,
      'a send stored again',
    );
  }

  it('PostgreSQL: readiness names it, sends get serverUnavailable fast, then recover', async () => {
    expect((await send('before')).response[1].created.m).toBeDefined();
    postgres.cut();
    try {
      const health = await notReady();
      expect(health.body.services.messaging).toMatchObject({
        status: 'down',
        checks: { postgres: 'down', redis: 'up', nats: 'up' },
      });
      expect(health.body.missing).toEqual(
        expect.arrayContaining(['auth', 'conversations', 'messaging', 'rbac']),
      );
      expect((await http('GET', '/health', { base: system.url })).status).toBe(200);

      const { ms, response } = await send('during');
      expect(ms).toBeLessThan(FAST_MS);
      expect(response[0]).toBe('error');
      expect(response[1].type).toBe('serverUnavailable');
    } finally {
      postgres.restore();
    }
    await readyAgain();
  });

  it('Redis: readiness names it, requests answer fast and never 500, then recover', async () => {
    redis.cut();
    try {
      const health = await notReady();
      expect(health.body.gateway).toMatchObject({ status: 'down', checks: { redis: 'down' } });
      expect(health.body.services.presence).toMatchObject({
        status: 'down',
        checks: { redis: 'down' },
      });

      // The session check falls back to the auth service while Redis is away.
      const started = Date.now();
      const session = await http('GET', '/.well-known/jmap', {
        token: ann.accessToken,
        base: system.url,
      });
      expect(Date.now() - started).toBeLessThan(FAST_MS);
      expect(session.status).toBe(200);

      const { ms, response } = await send('during');
      expect(ms).toBeLessThan(FAST_MS);
      if (response[0] === 'error') expect(response[1].type).toBe('serverUnavailable');
      else expect(response[1].created?.m ?? response[1].notCreated?.m).toBeDefined();
    } finally {
      redis.restore();
    }
    await readyAgain();
  });
});
