import './messaging-prefix';
import { eventually } from '../support/eventually';
import { type StateChangedEvent } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { randomUUID } from 'node:crypto';
import { MessagingOutboxRelay } from '../../apps/messaging/src/events/messaging-outbox.relay';
import {
  MessageSendRepository,
  type PendingSend,
} from '../../apps/messaging/src/messages/message-send.repository';
import { Harness } from './messaging-support';

/**
 * The write-ahead outbox of new-message events: every batch of sends stages its events in its own
 * statement and settles them once published; an event left behind (a crash or a NATS outage between commit
 * and publish) is published by the relay.
 */
describe('new-message events survive a lost publish (real PostgreSQL and NATS)', () => {
  const h = new Harness();
  let ann: string;
  let bob: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
  }, 30000);

  afterAll(() => h.stop());

  async function outboxRows(conversationId: string): Promise<number> {
    const { rows } = await h.db.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE payload->>'conversationId' = $1`,
      [conversationId],
    );
    return rows[0].n;
  }

  /** True once `check` holds (the relay runs on its own timer in the service). */
  const waitFor = (check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> =>
    eventually(async () => ((await check()) ? true : undefined), timeoutMs, 'outbox');

  it('settles the staged event once the send is announced', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const [response] = await h.jmap(ann, [
      ['Message/set', { create: { m: { conversationId: room, body: 'hello' } } }],
    ]);
    expect(response![1]['created']['m']['id']).toEqual(expect.any(String));
    expect(await waitFor(async () => (await outboxRows(room)) === 0, 5000)).toBe(true);
  });

  it('publishes an event left in the outbox, once', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const bus = await EventBus.connect(process.env.NATS_URL!, 'outbox-test');
    const seen: StateChangedEvent[] = [];
    const subscription = bus.connection.subscribe(`${process.env.JCHAT_PREFIX}.events.>`, {
      callback: (_error, message) => {
        const event = JSON.parse(new TextDecoder().decode(message.data)) as StateChangedEvent;
        if (event.conversationId === room) seen.push(event);
      },
    });
    try {
      await bus.connection.flush();
      // What a send leaves when its process dies between the commit and the publish.
      const left: StateChangedEvent = {
        conversationId: room,
        types: ['Message', 'Conversation', 'Participant'],
        extraAccountIds: [],
        messageId: null,
        at: new Date().toISOString(),
      };
      await h.db.query(
        `INSERT INTO event_outbox (service, payload, created_at)
         VALUES ('messaging', $1, now() - interval '1 minute')`,
        [JSON.stringify(left)],
      );
      expect(
        await waitFor(async () => seen.length > 0 && (await outboxRows(room)) === 0, 10_000),
      ).toBe(true);
      expect(seen).toEqual([left]);
      // Published once: the row is gone, so the relay's next round does not publish it again.
      // (That round may publish rows other test files left behind: the database is shared, and
      // a harness that stops before its sends' settles ran leaves their rows for the relay.)
      await h.get(MessagingOutboxRelay).relay.round();
      await bus.connection.flush();
      expect(seen).toHaveLength(1);
    } finally {
      subscription.unsubscribe();
      await bus.close();
    }
  });

  it("stages a batch's events in its own statement: they commit and roll back with it", async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const repository = h.get(MessageSendRepository);
    const send: PendingSend = {
      conversationId: room,
      assumed: null,
      row: {
        id: randomUUID(),
        senderId: ann,
        body: 'staged with its batch',
        bodyType: 'text/plain',
        proposedSentAt: null,
        replyToMessageId: null,
        attachments: [],
        metadata: {},
        clientKey: null,
        isSystemMessage: true,
      },
    };
    const staging = { service: 'messaging', events: new Map([[room, { conversationId: room }]]) };
    const stored = await repository.insertBatch([send], staging);
    expect(stored.results).toEqual([
      { kind: 'stored', message: expect.objectContaining({ seq: 1n }) },
    ]);
    const { rows } = await h.db.query(
      `SELECT id::text AS id, payload FROM event_outbox WHERE payload->>'conversationId' = $1`,
      [room],
    );
    expect(rows).toEqual([{ id: stored.outboxIds.get(room), payload: { conversationId: room } }]);
    // The same message id again: the batch fails as a whole and stages nothing.
    await expect(repository.insertBatch([send], staging)).rejects.toThrow();
    expect(await outboxRows(room)).toBe(1);
    await h.db.query(`DELETE FROM event_outbox WHERE id = $1`, [stored.outboxIds.get(room)]);
  });
});
