import './messaging-prefix';
import { eventually } from '../support/eventually';
import { CHAT_LIMITS, Events, MessagingSubjects } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { Harness } from './messaging-support';

describe('messaging service (in-process, real PostgreSQL, NATS and Redis)', () => {
  const h = new Harness();
  let ann: string;
  let bob: string;
  let eve: string;
  let room: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
    eve = await h.user('Eve');
    room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
  }, 30000);

  afterAll(() => h.stop());

  it('sends, orders by the server sequence and updates the conversation counters', async () => {
    const first = await h.send(ann, room, 'one');
    const second = await h.send(bob, room, 'two', { sentAt: '2001-01-01T00:00:00Z' });
    const got = await h.call(ann, 'Message/get', { ids: [first, second] });
    const [m1, m2] = got['list'];
    expect(m1).toMatchObject({
      id: first,
      senderId: ann,
      body: 'one',
      bodyType: 'text/plain',
      isDeleted: false,
    });
    // A proposed sentAt earlier than the previous message is clamped: order is the server's.
    expect(Date.parse(m2.sentAt)).toBeGreaterThanOrEqual(Date.parse(m1.sentAt));
    const { rows } = await h.db.query(
      'SELECT last_message_id, message_count, last_message_seq FROM conversations WHERE id = $1',
      [room],
    );
    expect(rows[0]).toMatchObject({
      last_message_id: second,
      message_count: 2,
      last_message_seq: '2',
    });
  });

  it('sanitises HTML bodies', async () => {
    const set = await h.call(ann, 'Message/set', {
      create: {
        h: {
          conversationId: room,
          bodyType: 'text/html',
          body: '<b>hi</b><img src=x onerror="alert(1)"><script>x()</script>',
        },
      },
    });
    expect(set['created']['h']['body']).toBe('<b>hi</b>');
  });

  it('is idempotent by clientMessageId, per sender', async () => {
    const a = await h.send(ann, room, 'once', { metadata: { clientMessageId: 'k-1' } });
    const b = await h.send(ann, room, 'once again', { metadata: { clientMessageId: 'k-1' } });
    const c = await h.send(bob, room, 'mine', { metadata: { clientMessageId: 'k-1' } });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('enforces the published limits with tooLarge', async () => {
    const [res] = await h.jmap(ann, [
      [
        'Message/set',
        {
          create: { big: { conversationId: room, body: 'x'.repeat(CHAT_LIMITS.maxBodyBytes + 1) } },
        },
      ],
    ]);
    expect(res![1]['notCreated']['big']).toMatchObject({ type: 'tooLarge', properties: ['body'] });
  });

  it('posts system messages once per idempotency key', async () => {
    const request = {
      conversationId: room,
      actorId: ann,
      kind: 'participant.joined' as const,
      body: 'Ann joined',
      details: { targetUserId: ann },
      idempotencyKey: 'join-ann-1',
    };
    const first = await h.bus.request(MessagingSubjects.postSystemMessage, request);
    const again = await h.bus.request(MessagingSubjects.postSystemMessage, request);
    expect(again.messageId).toBe(first.messageId);
    const got = await h.call(bob, 'Message/get', {
      ids: [first.messageId],
      properties: ['isSystemMessage', 'body', 'metadata'],
    });
    expect(got['list'][0]).toEqual({
      id: first.messageId,
      isSystemMessage: true,
      body: 'Ann joined',
      metadata: { kind: 'participant.joined', details: { targetUserId: ann } },
    });
  });

  it('refuses non-members and hides messages from them', async () => {
    const id = await h.send(ann, room, 'secret');
    const [res] = await h.jmap(eve, [
      ['Message/set', { create: { x: { conversationId: room, body: 'hi' } } }],
    ]);
    expect(res![1]['notCreated']['x']).toMatchObject({
      type: 'notFound',
      properties: ['conversationId'],
    });
    const got = await h.call(eve, 'Message/get', { ids: [id] });
    expect(got['list']).toEqual([]);
    expect(got['notFound']).toEqual([id]);
  });

  it('keeps an edit history readable by participants', async () => {
    const id = await h.send(ann, room, 'draft');
    const upd = await h.call(ann, 'Message/set', { update: { [id]: { body: 'final' } } });
    expect(upd['updated'][id]).toMatchObject({ editedAt: expect.any(String) });
    const [denied] = await h.jmap(bob, [['Message/set', { update: { [id]: { body: 'hijack' } } }]]);
    expect(denied![1]['notUpdated'][id]).toMatchObject({ type: 'forbidden' });
    const got = await h.call(bob, 'Message/get', {
      ids: [id],
      properties: ['body', 'editedAt', 'history'],
    });
    expect(got['list'][0]).toMatchObject({
      body: 'final',
      editedAt: expect.any(String),
      history: [
        { version: 1, body: 'draft', bodyType: 'text/plain', createdAt: expect.any(String) },
      ],
    });
  });

  it('lets each user patch only their own reactions', async () => {
    const id = await h.send(ann, room, 'react to me');
    await h.call(ann, 'Message/set', { update: { [id]: { [`reactions/👍/${ann}`]: true } } });
    await h.call(bob, 'Message/set', {
      update: { [id]: { [`reactions/👍/${bob}`]: true, [`reactions/🎉/${bob}`]: true } },
    });
    const [forbidden] = await h.jmap(bob, [
      ['Message/set', { update: { [id]: { [`reactions/👍/${ann}`]: null } } }],
    ]);
    expect(forbidden![1]['notUpdated'][id]).toMatchObject({ type: 'forbidden' });
    await h.call(bob, 'Message/set', { update: { [id]: { [`reactions/🎉/${bob}`]: null } } });
    const got = await h.call(ann, 'Message/get', { ids: [id], properties: ['reactions'] });
    expect(got['list'][0]['reactions']).toEqual({ '👍': { [ann]: true, [bob]: true } });
  });

  /**
   * Message/changes once it reports `id` (or after 10 s): a transaction left open anywhere on the
   * server (another test file's) holds the sync horizon back, and a change is reported once the
   * horizon passes it.
   */
  const changesUntil = (userId: string, sinceState: string, id: string) =>
    eventually(
      async () => {
        const changes = await h.call(userId, 'Message/changes', { sinceState });
        const listed = [...changes['created'], ...changes['updated']];
        return listed.includes(id) ? changes : undefined;
      },
      10_000,
      `Message/changes reporting ${id}`,
    );

  it('soft-deletes: another participant sees it as updated in /changes', async () => {
    const id = await h.send(ann, room, 'oops', {});
    const before = await h.call(bob, 'Message/get', { ids: [id] });
    await h.call(ann, 'Message/set', { destroy: [id] });
    const changes = await changesUntil(bob, before['state'], id);
    expect(changes['updated']).toContain(id);
    expect(changes['created']).not.toContain(id);
    const got = await h.call(bob, 'Message/get', {
      ids: [id],
      properties: ['isDeleted', 'body', 'attachments'],
    });
    expect(got['list'][0]).toEqual({ id, isDeleted: true, body: '', attachments: [] });
  });

  it('derives receipts from read positions', async () => {
    const id = await h.send(ann, room, 'read me');
    let got = await h.call(ann, 'Message/get', {
      ids: [id],
      properties: ['deliveryStatus', 'readBy'],
    });
    expect(got['list'][0]).toEqual({ id, deliveryStatus: 'sent', readBy: [] });
    const state = got['state'];
    // Bob fetches it: delivered.
    const bobView = await h.call(bob, 'Message/get', { ids: [id], properties: ['deliveryStatus'] });
    expect(bobView['list'][0]['deliveryStatus']).toBeNull();
    got = await h.call(ann, 'Message/get', { ids: [id], properties: ['deliveryStatus'] });
    expect(got['list'][0]['deliveryStatus']).toBe('delivered');
    // Bob reads it: read.
    const marked = await h.call(bob, 'Message/set', { markRead: [id] });
    expect(marked['markedRead']).toEqual([id]);
    got = await h.call(ann, 'Message/get', { ids: [id], properties: ['deliveryStatus', 'readBy'] });
    expect(got['list'][0]).toEqual({ id, deliveryStatus: 'read', readBy: [bob] });
    const { rows } = await h.db.query(
      `SELECT c.last_message_seq - p.last_read_seq AS unread FROM participants p JOIN conversations c ON c.id = p.conversation_id
        WHERE p.conversation_id = $1 AND p.user_id = $2`,
      [room, bob],
    );
    expect(rows[0].unread).toBe('0');
    const changes = await changesUntil(ann, state, id);
    expect(changes['updated']).toContain(id);
  });

  it("searches only the caller's conversations, ranked, with snippets", async () => {
    const other = await h.conversation([{ userId: eve }]);
    const mine = await h.send(ann, room, 'the quick brown zebrafish jumps');
    await h.send(eve, other, 'a zebrafish elsewhere');
    const query = await h.call(bob, 'Message/query', {
      filter: { text: 'zebrafish' },
      calculateTotal: true,
    });
    expect(query['ids']).toEqual([mine]);
    expect(query['total']).toBe(1);
    const snippets = await h.call(bob, 'SearchSnippet/get', {
      filter: { text: 'zebrafish' },
      messageIds: [mine],
    });
    expect(snippets['list'][0]).toEqual({
      messageId: mine,
      subject: null,
      preview: expect.stringContaining('<mark>zebrafish</mark>'),
    });
  });

  it('pages with anchors and follows changes with /queryChanges', async () => {
    const conv = await h.conversation([{ userId: ann }, { userId: bob }]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await h.send(ann, conv, `m${i}`));
    const page = await h.call(bob, 'Message/query', {
      filter: { conversationId: conv },
      sort: [{ property: 'sentAt', isAscending: false }],
      anchor: ids[2],
      anchorOffset: -1,
      limit: 2,
    });
    expect(page['ids']).toEqual([ids[3], ids[2]]);
    expect(page['position']).toBe(1);
    const full = await h.call(bob, 'Message/query', {
      filter: { conversationId: conv },
      calculateTotal: true,
    });
    expect(full['ids']).toEqual(ids);
    expect(full['total']).toBe(5);
    const added = await h.send(bob, conv, 'm5');
    await h.call(ann, 'Message/set', { destroy: [ids[0]] });
    const qc = await h.call(bob, 'Message/queryChanges', {
      filter: { conversationId: conv },
      sinceQueryState: full['queryState'],
      calculateTotal: true,
    });
    expect(qc['added']).toEqual([{ id: added, index: 5 }]);
    expect(qc['total']).toBe(6);
    const textQc = await h.call(bob, 'Message/queryChanges', {
      filter: { conversationId: conv, text: 'm0' },
      sort: [{ property: 'sentAt', isAscending: true }],
      sinceQueryState: full['queryState'],
    });
    expect(textQc['removed']).toContain(ids[0]);
    expect(textQc['added']).toEqual([]);
  });

  it('answers cannotCalculateChanges for a state older than a join of a conversation with history', async () => {
    const conv = await h.conversation([{ userId: ann }]);
    await h.send(ann, conv, 'before eve');
    const state = (await h.call(eve, 'Message/get', { ids: [] }))['state'];
    await h.join(conv, eve);
    const [res] = await h.jmap(eve, [['Message/changes', { sinceState: state }]]);
    expect(res![1]).toMatchObject({ type: 'cannotCalculateChanges' });
  });

  it('drops cached access answers on Events.accessChanged', async () => {
    const conv = await h.conversation([{ userId: ann }, { userId: bob }], { privacy: 'public' });
    const id = await h.send(ann, conv, 'react to this');
    const react = async (emoji: string) => {
      const [res] = await h.jmap(bob, [
        ['Message/set', { update: { [id]: { [`reactions/${emoji}/${bob}`]: true } } }],
      ]);
      return res![1];
    };
    expect((await react('👍'))['updated']).toHaveProperty(id); // caches Bob's answer: member
    await h.leave(conv, bob);
    // Sending checks membership in the same transaction, whatever the cache says.
    const [sent] = await h.jmap(bob, [
      ['Message/set', { create: { x: { conversationId: conv, body: 'hi' } } }],
    ]);
    expect(sent![1]['notCreated']['x']).toMatchObject({ type: 'forbidden' });
    // Reacting (in a public conversation he can still read) goes by the cached answer until the event...
    expect((await react('👀'))['updated']).toHaveProperty(id);
    const events = await EventBus.connect(process.env.NATS_URL!, 'messaging-test');
    try {
      await events.publish(Events.accessChanged, { conversationId: conv, userIds: [bob] });
      // ...and once it is consumed, Bob is refused.
      const deadline = Date.now() + 5000;
      let refusal: unknown;
      for (let n = 0; refusal === undefined && Date.now() < deadline; n++) {
        refusal = (await react(`e${n}`))['notUpdated']?.[id];
      }
      expect(refusal).toMatchObject({ type: 'forbidden' });
    } finally {
      await events.close();
    }
  });

  it('compares ifInState by meaning', async () => {
    const conv = await h.conversation([{ userId: ann }, { userId: bob }]);
    const state = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    await h.send(ann, conv, 'first', {});
    const [mismatch] = await h.jmap(ann, [
      ['Message/set', { ifInState: state, create: { x: { conversationId: conv, body: 'y' } } }],
    ]);
    expect(mismatch![1]).toMatchObject({ type: 'stateMismatch' });
    const fresh = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    const ok = await h.call(ann, 'Message/set', {
      ifInState: fresh,
      create: { x: { conversationId: conv, body: 'y' } },
    });
    expect(ok['created']['x']['id']).toEqual(expect.any(String));
  });
});
