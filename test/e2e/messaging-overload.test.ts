// Overload of the send path, as a client sees it: more sends than the server takes at once get a
// retryable refusal (rateLimit with a hint), never serverFail, and a retry with the same
// clientMessageId stores each message exactly once. Sends are paced to the push path: while a
// gateway's pushes are far behind, new messages are refused the same way.
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { RbacSubjects } from '@jchat/contracts';
import { natsUrl } from '../support/env';
import { eventually } from '../support/eventually';
import { startSystem, type System } from '../support/system';
import { call, newUser, type TestUser } from './support/http';
import { metricValue } from './support/metrics';

/** How often the gateway reports its push lag (PUSH_LAG_REPORT_MS) in this system. */
const LAG_REPORT_MS = 250;

describe('sends beyond what the server takes at once', () => {
  let system: System;
  let ann: TestUser;
  let bob: TestUser;
  let room: string;

  beforeAll(async () => {
    // A tiny queue: a burst of concurrent sends overflows it.
    system = await startSystem({
      env: { MESSAGE_SEND_MAX_QUEUED: '2', PUSH_LAG_REPORT_MS: String(LAG_REPORT_MS) },
    });
    await system.waitForHealth();
    [ann, bob] = await Promise.all([newUser({ base: system.url }), newUser({ base: system.url })]);
    room = await groupOfAnnAndBob('Busy');
  });

  afterAll(async () => {
    await system?.stopAll();
  });

  async function groupOfAnnAndBob(title: string): Promise<string> {
    const [[, created]] = (await call(
      ann.accessToken,
      [
        [
          'Conversation/set',
          {
            accountId: ann.id,
            create: {
              c: {
                conversationType: 'group',
                privacyLevel: 'private',
                title,
                participantIds: [bob.id],
              },
            },
          },
          'c',
        ],
      ],
      { base: system.url },
    )) as [[string, Record<string, any>, string]];
    return created['created'].c.id;
  }

  function send(user: TestUser, key: string) {
    return call(
      user.accessToken,
      [
        [
          'Message/set',
          {
            accountId: user.id,
            create: {
              m: { conversationId: room, body: key, metadata: { clientMessageId: key } },
            },
          },
          's',
        ],
      ],
      { base: system.url },
    );
  }

  it("asks rbac once for a sender's burst of first sends, not once per send", async () => {
    const cold = await groupOfAnnAndBob('Cold');
    const nats: NatsConnection = await connect({ servers: natsUrl() });
    try {
      // NestJS's NATS transport wraps the request: {pattern, data, id}.
      const codec = JSONCodec<{ data: { userId: string; conversationId: string } }>();
      const asked = nats.subscribe(`${system.prefix}.${RbacSubjects.conversationAccess.subject}`);
      let asks = 0;
      void (async () => {
        for await (const message of asked) {
          const { userId, conversationId } = codec.decode(message.data).data;
          if (userId === bob.id && conversationId === cold) asks += 1;
        }
      })();
      await nats.flush();
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(
            bob.accessToken,
            [
              [
                'Message/set',
                {
                  accountId: bob.id,
                  create: { m: { conversationId: cold, body: `cold ${i}` } },
                },
                's',
              ],
            ],
            { base: system.url },
          ),
        ),
      );
      // Stored, or refused as overload by the tiny queue: never refused for want of access.
      for (const [[, args]] of burst) {
        expect(args['created']?.m?.id ?? args['notCreated']?.m?.type).toMatch(
          /^(.{36}|rateLimit)$/,
        );
      }
      await nats.flush();
      // Concurrent misses share one request; one that missed just as the first answer was being
      // cached may still ask again.
      expect(asks).toBeGreaterThanOrEqual(1);
      expect(asks).toBeLessThanOrEqual(2);
    } finally {
      await nats.close();
    }
  });

  it('refuses the excess with rateLimit and a hint; retries store each message once', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const senderOf = (index: number) => (index % 2 ? ann : bob);
    const first = await Promise.all(keys.map((key, i) => send(senderOf(i), key)));
    const refused: number[] = [];
    first.forEach(([[name, args]], i) => {
      expect(name).toBe('Message/set');
      if (args['created']?.m) return;
      expect(args['notCreated'].m).toMatchObject({
        type: 'rateLimit',
        retryAfterMs: expect.any(Number),
      });
      refused.push(i);
    });
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(keys.length);

    // Retried one at a time (as a client honouring the hint would), every one is stored.
    for (const i of refused) {
      const [[, args]] = await send(senderOf(i), keys[i]!);
      expect(args['created']?.m?.id).toEqual(expect.any(String));
    }
    // Exactly one message per key, whatever was refused and retried.
    const [[, query]] = await call(
      ann.accessToken,
      [
        [
          'Message/query',
          {
            accountId: ann.id,
            filter: { conversationId: room, isSystemMessage: false },
            limit: 100,
          },
          'q',
        ],
      ],
      { base: system.url },
    );
    expect(query['ids']).toHaveLength(keys.length);
    const [[, again]] = await send(ann, 'k1');
    expect(query['ids']).toContain(again['created'].m.id);
  });

  it('refuses new messages while the gateway reports its pushes far behind, and takes them after', async () => {
    const nats: NatsConnection = await connect({ servers: natsUrl() });
    const codec = JSONCodec();
    // Push deliveries published 3 s ago reach the gateway now, and nothing fresher: a backlog
    // of 3 s stands through every report interval.
    const lagging = setInterval(() => {
      const typing = { kind: 'typing', conversationId: room, userId: ann.id, isTyping: false };
      nats.publish(
        `${system.prefix}.push.deliver`,
        codec.encode({ accountIds: ['nobody'], sentAt: Date.now() - 3000, push: typing }),
      );
    }, 100);
    let refusedKey = '';
    try {
      // Sends only once the gateway has reported the backlog for longer than two report
      // intervals (messaging paces on the lesser of a gateway's last two reports): a send stored
      // before that is pushed at once, and its fresh delivery is the next interval's least lag.
      const reportedLag = async () =>
        metricValue(await (await fetch(`${system.url}/metrics`)).text(), 'jchat_push_lag_seconds');
      let attempt = 0;
      let laggingSince: number | null = null;
      const refusal = await eventually(
        async () => {
          if (((await reportedLag()) ?? 0) < 2.5) {
            laggingSince = null;
            return;
          }
          laggingSince ??= Date.now();
          if (Date.now() - laggingSince < 2 * LAG_REPORT_MS + 100) return;
          laggingSince = null;
          const key = `paced-${(attempt += 1)}`;
          const [[, args]] = await send(bob, key);
          const error = args['notCreated']?.m;
          if (!error || !/pushes to members are \d+ ms behind/.test(error.description)) return;
          refusedKey = key;
          return error;
        },
        10_000,
        'a refusal for the push lag',
      );
      expect(refusal).toMatchObject({ type: 'rateLimit', retryAfterMs: expect.any(Number) });
      expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(2000);
      const [[, still]] = await send(bob, refusedKey);
      expect(still['notCreated'].m.type).toBe('rateLimit');
    } finally {
      clearInterval(lagging);
      await nats.close();
    }
    // Caught up (the gateway's next reports), the refused message is stored, once.
    const id = await eventually(
      async () => (await send(bob, refusedKey))[0][1]['created']?.m?.id as string | undefined,
      10_000,
      'the message stored once the pushes caught up',
    );
    const [[, again]] = await send(bob, refusedKey);
    expect(again['created'].m.id).toBe(id);
  });
});
