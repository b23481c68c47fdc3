import './messaging-prefix';
import { randomUUID } from 'node:crypto';
import { type StateChangedEvent } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { Harness } from './messaging-support';

/** Sends arriving together share a transaction (MessageSendQueue): each keeps its own answer. */
describe('batched sends (real PostgreSQL, NATS and Redis)', () => {
  const h = new Harness();
  let ann: string;
  let bob: string;
  let eve: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
    eve = await h.user('Eve');
  }, 30000);

  afterAll(() => h.stop());

  async function sendRaw(userId: string, conversationId: string, body: string, extra = {}) {
    const [response] = await h.jmap(userId, [
      ['Message/set', { create: { m: { conversationId, body, ...extra } } }],
    ]);
    return response![1];
  }

  it('gives concurrent sends consecutive seqs, in-order sentAt and exact counters', async () => {
    const one = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const two = await h.conversation([{ userId: bob, role: 'owner' }, { userId: ann }]);
    const sends = Array.from({ length: 60 }, (_, i) =>
      sendRaw(i % 2 ? ann : bob, i % 3 ? one : two, `m${i}`),
    );
    const results = await Promise.all(sends);
    expect(results.every((r) => typeof r['created']?.['m']?.['id'] === 'string')).toBe(true);
    for (const conversation of [one, two]) {
      const { rows } = await h.db.query(
        `SELECT seq::int, sent_at FROM messages WHERE conversation_id = $1 ORDER BY seq`,
        [conversation],
      );
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      for (let i = 1; i < rows.length; i += 1) {
        expect(rows[i].sent_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].sent_at.getTime());
      }
      const counters = await h.db.query(
        `SELECT message_count, last_message_seq::int AS seq,
                last_message_id = (SELECT id FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1) AS latest
           FROM conversations WHERE id = $1`,
        [conversation],
      );
      expect(counters.rows[0]).toEqual({
        message_count: rows.length,
        seq: rows.length,
        latest: true,
      });
    }
    // Each sender has read exactly up to their own latest message (nobody read anything else).
    const read = await h.db.query(
      `SELECT p.last_read_seq::int AS read, p.last_read_message_id AS "readId",
              own.seq::int AS own, own.id AS "ownId"
         FROM participants p
         JOIN LATERAL (SELECT seq, id FROM messages m WHERE m.conversation_id = p.conversation_id
                          AND m.sender_id = p.user_id ORDER BY seq DESC LIMIT 1) own ON true
        WHERE p.conversation_id = ANY($1)`,
      [[one, two]],
    );
    expect(read.rows).toHaveLength(4);
    for (const row of read.rows) expect([row.read, row.readId]).toEqual([row.own, row.ownId]);
  });

  it("stores a batch without reading the conversation's history, whatever plans it keeps", async () => {
    // PL/pgSQL keeps a generic plan after a few calls on a connection; one made on a small table
    // that scans it (or walks a whole conversation in an index) would do so again for every
    // batch, however large the history grows. Statistics taken while the tables are small (an
    // autovacuum on a new deployment) make a scan the cheapest plan even for a primary key.
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    await h.db.query('VACUUM (ANALYZE) messages, participants, conversations');
    const batchOf = (n: number, round: number) =>
      JSON.stringify(
        Array.from({ length: n }, (_, i) => ({
          conversationId: room,
          senderId: i % 2 ? ann : bob,
          id: randomUUID(),
          body: `plan ${round}.${i}`,
          bodyType: 'text/plain',
          proposedSentAt: null,
          replyToMessageId: null,
          attachments: null,
          metadata: null,
          clientKey: `plan-${round}-${i}`,
          isSystemMessage: false,
        })),
      );
    for (let round = 0; round < 8; round += 1) {
      await h.db.query('SELECT count(*) FROM jchat_send_messages($1::jsonb)', [batchOf(2, round)]);
    }
    // The history grows under the plans made while it was small.
    await h.db.query('SELECT count(*) FROM jchat_send_messages($1::jsonb)', [batchOf(400, 9)]);
    const messageReads = async () =>
      (
        await h.db.query(
          `SELECT seq_scan::int AS scans, idx_tup_fetch::int AS fetched
             FROM pg_stat_xact_user_tables WHERE relname = 'messages'`,
        )
      ).rows[0] as { scans: number; fetched: number };
    await h.db.query('BEGIN');
    try {
      const before = await messageReads();
      const { rows } = await h.db.query('SELECT outcome FROM jchat_send_messages($1::jsonb)', [
        batchOf(3, 10),
      ]);
      expect(rows.map((row) => row.outcome)).toEqual(['stored', 'stored', 'stored']);
      const after = await messageReads();
      expect(after.scans - before.scans).toBe(0);
      // A few rows per message (its clientMessageId, the latest sentAt, the read seqs), not the
      // 416 messages of the conversation.
      expect(after.fetched - before.fetched).toBeLessThan(40);
    } finally {
      await h.db.query('ROLLBACK');
    }
  });

  it("answers each send with a newState read after its batch's commit", async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const replies = await Promise.all(['a', 'b', 'c'].map((body) => sendRaw(bob, room, body)));
    for (const reply of replies) {
      const id = reply!['created']['m']['id'];
      const changes = async (sinceState: string) => {
        const [response] = await h.jmap(bob, [['Message/changes', { sinceState }]]);
        expect(response![0]).toBe('Message/changes');
        return [...response![1]['created'], ...response![1]['updated']] as string[];
      };
      expect(await changes(reply!['oldState'])).toContain(id);
      // The message is below the new state: a client syncing from it is not sent it again.
      expect(await changes(reply!['newState'])).not.toContain(id);
    }
  });

  it('answers each send of a mixed batch on its own: refused ones store nothing', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const archived = await h.conversation([{ userId: ann, role: 'owner' }]);
    await h.db.query('UPDATE conversations SET is_archived = true WHERE id = $1', [archived]);
    const [fine, outsider, inArchive, alsoFine] = await Promise.all([
      sendRaw(ann, room, 'hello'),
      sendRaw(eve, room, 'let me in'),
      sendRaw(ann, archived, 'dusty'),
      sendRaw(bob, room, 'hi'),
    ]);
    expect(fine!['created']['m']).toMatchObject({ deliveryStatus: 'sent', readBy: [] });
    expect(alsoFine!['created']['m']['id']).toEqual(expect.any(String));
    expect(outsider!['notCreated']['m']).toMatchObject({ type: 'notFound' });
    expect(inArchive!['notCreated']['m']).toMatchObject({ type: 'forbidden' });
    const { rows } = await h.db.query(
      'SELECT conversation_id, count(*)::int AS n FROM messages WHERE conversation_id = ANY($1) GROUP BY 1',
      [[room, archived]],
    );
    expect(rows).toEqual([{ conversation_id: room, n: 2 }]);
  });

  it('stores concurrent retries of one clientMessageId once', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }]);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        sendRaw(ann, room, 'once', { metadata: { clientMessageId: 'same-key' } }),
      ),
    );
    const ids = new Set(results.map((r) => r['created']['m']['id']));
    expect(ids.size).toBe(1);
    const { rows } = await h.db.query(
      'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1',
      [room],
    );
    expect(rows[0].n).toBe(1);
  });

  it('without member lists at hand, carries the new messages whole in stateChanged events, in order', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const bus = await EventBus.connect(process.env.NATS_URL!, 'batch-test');
    const seen: StateChangedEvent[] = [];
    const subscription = bus.connection.subscribe(`${process.env.JCHAT_PREFIX}.events.>`, {
      callback: (_error, message) => {
        const event = JSON.parse(new TextDecoder().decode(message.data)) as StateChangedEvent;
        if (event.conversationId === room) seen.push(event);
      },
    });
    try {
      await bus.connection.flush();
      await Promise.all([1, 2, 3, 4, 5].map((i) => sendRaw(i % 2 ? ann : bob, room, `n${i}`)));
      const deadline = Date.now() + 5000;
      const carried = () => seen.flatMap((e) => e.messages ?? []);
      while (carried().length < 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const messages = carried();
      expect(messages).toHaveLength(5);
      const got = await h.call(bob, 'Message/get', { ids: messages.map((m) => m.view['id']) });
      // What Message/get gives each member, receipts as at creation: nobody had read it yet
      // (later sends moved their senders' read positions past it since)...
      for (const [index, message] of messages.entries()) {
        const { readBy: _readBy, deliveryStatus: _status, ...fetched } = got['list'][index];
        const { readBy, deliveryStatus, ...view } =
          message.senderId === bob ? { ...message.view, ...message.forSender } : message.view;
        expect(readBy).toEqual([]);
        expect(deliveryStatus).toBe(message.senderId === bob ? 'sent' : null);
        expect(view).toEqual(fetched);
      }
      // ...in the server's order.
      const { rows } = await h.db.query(
        'SELECT id FROM messages WHERE conversation_id = $1 ORDER BY seq',
        [room],
      );
      expect(messages.map((m) => m.view['id'])).toEqual(rows.map((r) => r.id));
    } finally {
      subscription.unsubscribe();
      await bus.close();
    }
  });
});
