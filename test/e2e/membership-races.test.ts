// Issue 10 ("Hard to break"): membership changes racing the writes of messages, receipts and
// read positions of the same conversation. Each takes the conversation's row first (see
// docs/ENGINEERING.md "Locks"), so none of them can deadlock another into a serverFail.
import { createConversation, ok, participantOf } from './conversations.fixtures';
import { type Invocation, jmap, type TestUser, newUser } from './support/http';

const SERVER_ERRORS = new Set(['serverFail', 'serverPartialFail', 'serverUnavailable']);

describe('removing and re-adding a member while they receive and read messages', () => {
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let room: string;
  const failures: string[] = [];

  beforeAll(async () => {
    [ann, bob, cat] = await Promise.all([newUser(), newUser(), newUser()]);
    room = (await createConversation(ann, { participantIds: [bob.id, cat.id] }))['id'];
  });

  /** Runs the calls as `user`; records any server-side failure (the calls may be refused). */
  async function attempt(user: TestUser, calls: [string, Record<string, unknown>][]) {
    const result = await jmap(
      user.accessToken,
      calls.map(
        ([name, args], index): Invocation => [name, { accountId: user.id, ...args }, `c${index}`],
      ),
    );
    if (result.status !== 200) {
      failures.push(`HTTP ${result.status}: ${result.text}`);
      return [];
    }
    for (const [name, args] of result.body.methodResponses) {
      if (name === 'error' && SERVER_ERRORS.has(args['type'])) {
        failures.push(`${JSON.stringify(args)} (${calls.map(([call]) => call).join(', ')})`);
      }
    }
    return result.body.methodResponses;
  }

  /**
   * Cat sends; Bob (when a member) fetches each message, which records it delivered, and reads
   * it; Cat asks for its deliveryStatus, which flushes the delivered positions to PostgreSQL at
   * once. Every step writes Bob's participant row or the receipt log, as the removals do.
   */
  async function traffic(until: () => boolean, lane: number): Promise<number> {
    let sent = 0;
    for (let i = 0; !until(); i += 1) {
      const [created] = await attempt(cat, [
        ['Message/set', { create: { m: { conversationId: room, body: `m${lane}-${i}` } } }],
      ]);
      const id = created?.[1]['created']?.['m']?.['id'];
      if (typeof id !== 'string') continue;
      sent += 1;
      await Promise.all([
        attempt(bob, [
          ['Message/get', { ids: [id], properties: ['id'] }],
          ['Message/set', { markRead: [id] }],
        ]),
        attempt(cat, [['Message/get', { ids: [id], properties: ['deliveryStatus'] }]]),
      ]);
      if (i % 3 === 0) {
        const mine = await attempt(bob, [
          ['Participant/query', { filter: { conversationId: room, userId: bob.id } }],
        ]);
        const [participantId] = mine[0]?.[1]['ids'] ?? [];
        if (typeof participantId === 'string') {
          await attempt(bob, [
            ['Participant/set', { update: { [participantId]: { lastReadMessageId: id } } }],
          ]);
        }
      }
    }
    return sent;
  }

  it('answers every removal, re-invitation, send, fetch and read without a serverFail', async () => {
    let done = false;
    const lanes = [0, 1, 2].map((lane) => traffic(() => done, lane));
    try {
      for (let round = 0; round < 60; round += 1) {
        const participant = await participantOf(ann, room, bob.id);
        await attempt(ann, [['Participant/set', { destroy: [participant['id']] }]]);
        await attempt(ann, [
          ['Participant/set', { create: { p: { conversationId: room, userId: bob.id } } }],
        ]);
      }
    } finally {
      done = true;
    }
    const sent = (await Promise.all(lanes)).reduce((a, b) => a + b, 0);
    expect(failures).toEqual([]);
    // The traffic did run alongside the removals.
    expect(sent).toBeGreaterThan(60);
    // And Bob ends a member, as the last re-invitation left him.
    expect((await participantOf(ann, room, bob.id))['isActive']).toBe(true);
    expect((await ok(bob, 'Conversation/get', { ids: [room] }))['list']).toHaveLength(1);
  }, 120_000);
});
