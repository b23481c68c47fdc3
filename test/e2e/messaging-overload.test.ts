// Overload of the send path, as a client sees it: more sends than the server takes at once get a
// retryable refusal (rateLimit with a hint), never serverFail, and a retry with the same
// clientMessageId stores each message exactly once.
import { startSystem, type System } from '../support/system';
import { call, newUser, type TestUser } from './support/http';

describe('sends beyond what the server takes at once', () => {
  let system: System;
  let ann: TestUser;
  let bob: TestUser;
  let room: string;

  beforeAll(async () => {
    // A tiny queue: a burst of concurrent sends overflows it.
    system = await startSystem({ env: { MESSAGE_SEND_MAX_QUEUED: '2' } });
    await system.waitForHealth();
    [ann, bob] = await Promise.all([newUser({ base: system.url }), newUser({ base: system.url })]);
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
                title: 'Busy',
                participantIds: [bob.id],
              },
            },
          },
          'c',
        ],
      ],
      { base: system.url },
    )) as [[string, Record<string, any>, string]];
    room = created['created'].c.id;
  });

  afterAll(async () => {
    await system?.stopAll();
  });

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
});
