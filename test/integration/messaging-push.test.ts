import './messaging-prefix';
import type { Subscription } from 'nats';
import { pushDeliverySubject, type PushDelivery, type StateChangedEvent } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { natsUrl, prefix } from '../support/env';
import { Harness } from './messaging-support';

const decode = (data: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(data));

/**
 * New messages go from messaging straight to the gateways' push subject once their
 * conversation's member list is cached (fetched from the conversations service after the first
 * send, which goes through JetStream instead); the outbox row staged with them is settled and
 * no stateChanged event travels.
 */
describe('push of new messages from messaging (real PostgreSQL, NATS and Redis)', () => {
  const h = new Harness({}, { withConversations: true });
  let bus: EventBus;
  const deliveries: PushDelivery[] = [];
  const events: StateChangedEvent[] = [];
  const subscriptions: Subscription[] = [];
  let ann: string;
  let bob: string;
  let eve: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
    eve = await h.user('Eve');
    bus = await EventBus.connect(natsUrl(), 'push-test');
    subscriptions.push(
      bus.connection.subscribe(pushDeliverySubject(), {
        callback: (_error, message) => deliveries.push(decode(message.data) as PushDelivery),
      }),
      bus.connection.subscribe(`${prefix()}.events.>`, {
        callback: (_error, message) => events.push(decode(message.data) as StateChangedEvent),
      }),
    );
    await bus.connection.flush();
  }, 30000);

  afterAll(async () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await bus?.close();
    await h.stop();
  });

  async function send(userId: string, conversationId: string, body: string) {
    const [response] = await h.jmap(userId, [
      ['Message/set', { create: { m: { conversationId, body } } }],
    ]);
    return response![1];
  }

  async function until(done: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** A first send: its event goes through JetStream, and messaging fetches the member list. */
  async function warmUp(conversationId: string, userId: string): Promise<void> {
    await send(userId, conversationId, 'warm-up');
    await until(() => events.some((e) => e.conversationId === conversationId));
    await until(() => false, 200);
    events.length = 0;
    deliveries.length = 0;
  }

  it('delivers them whole, in seq order, to the active members only, with no event', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    await h.join(room, eve);
    await h.leave(room, eve);
    await warmUp(room, ann);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => send(i % 2 ? ann : bob, room, `p${i}`)),
    );
    const sentIds = results.map((r) => r['created']['m']['id'] as string);
    const mine = () =>
      deliveries.filter((d) => d.push.kind === 'state' && d.push.conversationId === room);
    const carried = () =>
      mine().flatMap((d) => (d.push.kind === 'state' ? (d.push.messages ?? []) : []));
    await until(() => carried().length >= 5);

    expect(
      carried()
        .map((m) => m.view['id'])
        .sort(),
    ).toEqual([...sentIds].sort());
    const { rows } = await h.db.query(
      `SELECT id FROM messages WHERE conversation_id = $1 AND body <> 'warm-up' ORDER BY seq`,
      [room],
    );
    expect(carried().map((m) => m.view['id'])).toEqual(rows.map((r) => r.id));
    for (const delivery of mine()) {
      expect([...delivery.accountIds].sort()).toEqual([ann, bob].sort());
      const push = delivery.push;
      if (push.kind !== 'state') throw new Error('not a state push');
      expect(push.types).toEqual(expect.arrayContaining(['Message', 'Conversation']));
    }
    // The last push's state is after every message: Message/changes from it has none of them.
    const last = mine().at(-1)!.push;
    if (last.kind !== 'state') throw new Error('not a state push');
    const changes = await h.call(bob, 'Message/changes', { sinceState: last.states['Message'] });
    expect(changes['created']).toEqual([]);

    // Published straight, not through JetStream, and the staged outbox rows are gone.
    await until(() => false, 300);
    expect(events.filter((e) => e.conversationId === room)).toEqual([]);
    await until(() => false, 200);
    const outbox = await h.db.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE payload->>'conversationId' = $1`,
      [room],
    );
    expect(outbox.rows[0].n).toBe(0);
  });

  it('reaches a member who joined after the member list was cached', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }]);
    await warmUp(room, ann);
    // Joined through the conversations service, which announces the access change.
    const [invite] = await h.jmap(
      ann,
      [['Participant/set', { create: { p: { conversationId: room, userId: bob } } }]],
      'conversations',
    );
    expect(invite?.[1]['created']?.['p']).toBeDefined();
    // The access change dropped the cached list: the next send fetches it again.
    await warmUp(room, ann);
    const result = await send(ann, room, 'after');
    const id = result['created']['m']['id'] as string;
    const reached = () =>
      deliveries.find(
        (d) => d.push.kind === 'state' && (d.push.messages ?? []).some((m) => m.view['id'] === id),
      );
    await until(() => reached() !== undefined);
    expect(reached()?.accountIds).toContain(bob);
  });
});
