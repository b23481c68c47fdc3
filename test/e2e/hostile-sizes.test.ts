// Issue 10 ("Hard to break"), as a client sees it: answers and arguments larger than one NATS
// message (1 MB) are carried whole, or refused with a clear error; never serverFail, never a
// crashed service. And a busy client within maxConcurrentRequests gets no limit errors.
import { randomUUID } from 'node:crypto';
import { createConversation, ok } from './conversations.fixtures';
import { CORE, http, jmap, newUser, type TestUser } from './support/http';

const BIG = 'x'.repeat(16_000);

describe('answers and arguments larger than one NATS message', () => {
  let ann: TestUser;
  let bob: TestUser;
  const created: string[] = [];

  beforeAll(async () => {
    [ann, bob] = await Promise.all([newUser(), newUser()]);
  });

  it('Conversation/get of 35 conversations of 32 kB each (1.1 MB) answers all of them, and conversations keeps serving', async () => {
    // Five per call, so that the creating requests stay small: this is about the answer.
    for (let batch = 0; batch < 7; batch++) {
      const create = Object.fromEntries(
        Array.from({ length: 5 }, (_, i) => [
          `c${i}`,
          {
            conversationType: 'group',
            privacyLevel: 'private',
            title: `Big ${batch}.${i}`,
            settings: { s: BIG },
            metadata: { m: BIG },
          },
        ]),
      );
      const result = await ok(ann, 'Conversation/set', { create });
      expect(Object.keys(result['created'] ?? {})).toHaveLength(5);
      created.push(...Object.values(result['created']).map((c: any) => c.id as string));
    }

    const answer = await jmap(ann.accessToken, [
      ['Conversation/get', { accountId: ann.id, ids: null }, 'all'],
    ]);
    expect(answer.status).toBe(200);
    expect(answer.text.length).toBeGreaterThan(1_100_000);
    const [[name, args]] = answer.body.methodResponses;
    expect(name).toBe('Conversation/get');
    expect(args['list'].map((c: any) => c.id).sort()).toEqual([...created].sort());
    for (const conversation of args['list']) {
      expect(conversation.settings).toEqual({ s: BIG });
      expect(conversation.metadata).toEqual({ m: BIG });
    }

    // The service is still there (before the fix, the reply killed its process).
    const again = await ok(ann, 'Conversation/get', { ids: [created[0]], properties: ['title'] });
    expect(again['list']).toEqual([{ id: created[0], title: 'Big 0.0' }]);
  });

  it('answers reads past the response budget (JMAP_MAX_SIZE_RESPONSE, 16 MB) with requestTooLarge, smaller ones still', async () => {
    expect(created).toHaveLength(35);
    const all = Array.from({ length: 16 }, (_, i): [string, Record<string, unknown>, string] => [
      'Conversation/get',
      { accountId: ann.id, ids: null },
      `g${i}`,
    ]);
    const small: [string, Record<string, unknown>, string] = [
      'Conversation/get',
      { accountId: ann.id, ids: [created[0]], properties: ['title'] },
      'small',
    ];
    const answer = await jmap(ann.accessToken, [...all, small]);
    expect(answer.status).toBe(200);
    const responses = answer.body.methodResponses;
    const answered = responses.filter(
      ([name, , id]) => name === 'Conversation/get' && id !== 'small',
    );
    expect(answered.length).toBeGreaterThanOrEqual(12);
    expect(answered.length).toBeLessThan(16);
    expect(responses.slice(0, answered.length)).toEqual(answered);
    expect(Buffer.byteLength(JSON.stringify(answered))).toBeLessThanOrEqual(16_000_000);
    for (const [name, args] of responses.slice(answered.length, 16)) {
      expect(name).toBe('error');
      expect(args).toEqual({
        type: 'requestTooLarge',
        description: expect.stringContaining('ask for fewer objects per call'),
      });
    }
    expect(responses[16]).toEqual([
      'Conversation/get',
      expect.objectContaining({ list: [{ id: created[0], title: 'Big 0.0' }] }),
      'small',
    ]);
  });

  it('Message/get with 30,000 ids (1.2 MB of arguments) answers requestTooLarge naming the maximum', async () => {
    const ids = Array.from({ length: 30_000 }, () => randomUUID());
    const answer = await jmap(ann.accessToken, [['Message/get', { accountId: ann.id, ids }, 'g']]);
    expect(answer.status).toBe(200);
    expect(answer.body.methodResponses).toEqual([
      [
        'error',
        {
          type: 'requestTooLarge',
          description: expect.stringContaining('the maximum is 1000'),
        },
        'g',
      ],
    ]);
  });

  it('Message/set of 20 messages of 60 kB (1.2 MB of arguments) creates them all, and Message/get returns them whole', async () => {
    const room = (await createConversation(ann, { participantIds: [bob.id], title: 'Big' }))[
      'id'
    ] as string;
    const bodies = Array.from({ length: 20 }, (_, i) => `${i}:`.padEnd(60_000, 'y'));
    const set = await ok(ann, 'Message/set', {
      create: Object.fromEntries(
        bodies.map((body, i) => [`m${i}`, { conversationId: room, body }]),
      ),
    });
    expect(set['notCreated'] ?? {}).toEqual({});
    const ids = bodies.map((_, i) => set['created']?.[`m${i}`]?.id as string);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);

    const got = await ok(bob, 'Message/get', { ids, properties: ['body'] });
    expect(got['list'].map((m: any) => m.body)).toEqual(bodies);
  });
});

describe('a busy client', () => {
  it('sending 50 Message/set per second over HTTP for 3 s gets no limit error', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const session = await http('GET', '/.well-known/jmap', { token: ann.accessToken });
    expect(session.body.capabilities[CORE].maxConcurrentRequests).toBeGreaterThanOrEqual(32);
    const room = (await createConversation(ann, { participantIds: [bob.id], title: 'Busy' }))[
      'id'
    ] as string;
    const sends: ReturnType<typeof jmap>[] = [];
    const started = Date.now();
    for (let i = 0; i < 150; i++) {
      // Paced by the clock, not by the answers: a client sending as its user types.
      const due = started + i * 20;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      sends.push(
        jmap(ann.accessToken, [
          [
            'Message/set',
            { accountId: ann.id, create: { m: { conversationId: room, body: `n${i}` } } },
            's',
          ],
        ]),
      );
    }
    const answers = await Promise.all(sends);
    const problems = answers.filter((a) => a.status !== 200).map((a) => a.text);
    expect(problems).toEqual([]);
    const failed = answers
      .map((a) => a.body.methodResponses[0]!)
      .filter(([name, args]) => name !== 'Message/set' || !args['created']?.m);
    expect(failed).toEqual([]);
  });
});
