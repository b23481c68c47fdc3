// The write-ahead outbox, seen by a client: a change's event is staged before the change is
// written and removed once published; one left behind (its writer died, or NATS was away) is
// published by the service's relay, so connected clients still hear of the change.
import { Client } from 'pg';
import { databaseUrl } from '../support/env';
import { createConversation } from './conversations.fixtures';
import { newUser, type TestUser } from './support/http';
import { eventually, JmapSocket, ok } from './support/push-clients';

describe('events left between a commit and its publish', () => {
  let db: Client;
  let ann: TestUser;
  let bob: TestUser;
  let socket: JmapSocket | undefined;

  beforeAll(async () => {
    db = new Client({ connectionString: databaseUrl() });
    await db.connect();
    ann = await newUser({ displayName: 'Ann Outbox' });
    bob = await newUser({ displayName: 'Bob Outbox' });
  });

  afterAll(async () => {
    await socket?.close();
    await db.end();
  });

  const rowsFor = async (conversationId: string): Promise<number> => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE payload->>'conversationId' = $1`,
      [conversationId],
    );
    return rows[0].n;
  };

  it('leaves nothing behind once changes and sends are announced', async () => {
    const room = await createConversation(ann, { participantIds: [bob.id] });
    const sent = await ok(ann, 'Message/set', {
      create: { m: { conversationId: room['id'], body: 'hi' } },
    });
    const messageId = sent['created']['m']['id'];
    await ok(ann, 'Message/set', { update: { [messageId]: { body: 'hello' } } });
    await ok(bob, 'Message/set', { markRead: [messageId] });
    await ok(ann, 'Message/set', { destroy: [messageId] });
    await ok(ann, 'Conversation/set', { update: { [room['id']]: { title: 'Renamed' } } });
    await eventually(
      async () => ((await rowsFor(room['id'])) === 0 ? true : undefined),
      10_000,
      'the outbox settled',
    );
  });

  it('publishes a change whose writer never announced it, and members get the push', async () => {
    const room = await createConversation(ann, { participantIds: [bob.id] });
    socket = await JmapSocket.open(bob.accessToken);
    await socket.enablePush({ dataTypes: ['Conversation', 'Participant'] });
    // What conversations leaves when it dies after a commit, before announcing it.
    await db.query(
      `INSERT INTO event_outbox (service, payload, created_at)
       VALUES ('conversations', $1, now() - interval '1 minute')`,
      [JSON.stringify({ conversationId: room['id'], extraAccountIds: [] })],
    );
    const change = await socket.stateChange(bob.id, ['Conversation'], 20_000);
    expect(change['changed'][bob.id]['Conversation']).toEqual(expect.any(String));
    await eventually(
      async () => ((await rowsFor(room['id'])) === 0 ? true : undefined),
      10_000,
      'the relay removed the row',
    );
  });

  it('announces an RBAC change left behind: caches dropped, the caller pushed', async () => {
    const annSocket = await JmapSocket.open(ann.accessToken);
    try {
      await annSocket.enablePush({ dataTypes: ['Role'] });
      const staged = [
        [{ conversationId: null, userIds: [] }],
        [{ conversationId: null, types: ['Role'], extraAccountIds: [ann.id] }],
      ];
      const { rows } = await db.query(
        `INSERT INTO event_outbox (service, payload, created_at)
         VALUES ('rbac', $1, now() - interval '1 minute') RETURNING id::text`,
        [JSON.stringify(staged)],
      );
      const change = await annSocket.stateChange(ann.id, ['Role'], 20_000);
      expect(change['changed'][ann.id]['Role']).toEqual(expect.any(String));
      await eventually(
        async () => {
          const left = await db.query(`SELECT 1 FROM event_outbox WHERE id = $1`, [rows[0].id]);
          return left.rowCount === 0 ? true : undefined;
        },
        10_000,
        'the relay removed the row',
      );
    } finally {
      await annSocket.close();
    }
  });
});
