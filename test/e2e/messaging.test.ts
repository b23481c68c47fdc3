// Messages through the gateway: each rule of issue 5 as a client sees it.
import { createConversation, ok, one } from './conversations.fixtures';
import { http, newUser, type TestUser } from './support/http';

async function send(
  user: TestUser,
  conversationId: string,
  body: string,
  extra: Record<string, unknown> = {},
) {
  const result = await ok(user, 'Message/set', {
    create: { m: { conversationId, body, ...extra } },
  });
  const created = result['created']?.m;
  if (!created) throw new Error(`send failed: ${JSON.stringify(result)}`);
  return created as Record<string, any> & { id: string };
}

async function getMessage(user: TestUser, id: string, properties?: string[]) {
  const result = await ok(user, 'Message/get', {
    ids: [id],
    ...(properties ? { properties } : {}),
  });
  return result['list'][0] as Record<string, any> | undefined;
}

describe('Message through the gateway', () => {
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let room: string;

  beforeAll(async () => {
    [ann, bob, eve] = await Promise.all([newUser(), newUser(), newUser()]);
    room = (await createConversation(ann, { participantIds: [bob.id], title: 'Room' }))['id'];
  });

  it('sends: the server sets id, sender, times and order, and moves the conversation counters', async () => {
    const before = await ok(ann, 'Conversation/get', { ids: [room], properties: ['messageCount'] });
    const created = await send(ann, room, 'Hello Bob', { sentAt: '2001-01-01T00:00:00Z' });
    expect(created).toMatchObject({
      id: expect.any(String),
      senderId: ann.id,
      sentAt: expect.any(String),
      receivedAt: expect.any(String),
      isDeleted: false,
      isSystemMessage: false,
      deliveryStatus: 'sent',
      readBy: [],
      reactions: {},
    });
    // A proposed sentAt before the previous message is not taken as is: order is the server's.
    expect(created['sentAt'] > '2001-01-01T00:00:00Z').toBe(true);
    const seen = await getMessage(bob, created.id);
    expect(seen).toMatchObject({
      id: created.id,
      conversationId: room,
      senderId: ann.id,
      body: 'Hello Bob',
      bodyType: 'text/plain',
    });
    const conversation = (await ok(bob, 'Conversation/get', { ids: [room] }))['list'][0];
    expect(conversation).toMatchObject({
      lastMessageId: created.id,
      lastMessageAt: created['sentAt'],
    });
    expect(conversation['messageCount']).toBe(before['list'][0]['messageCount'] + 1);
  });

  it('sanitises HTML: an <img onerror> and a <script> are removed', async () => {
    const created = await send(
      ann,
      room,
      '<p>Hi <b>there</b><img src="x" onerror="alert(1)"><script>alert(2)</script></p>',
      {
        bodyType: 'text/html',
      },
    );
    expect(created['body']).toBe('<p>Hi <b>there</b></p>');
    const seen = await getMessage(bob, created.id, ['body', 'bodyType']);
    expect(seen).toEqual({ id: created.id, body: '<p>Hi <b>there</b></p>', bodyType: 'text/html' });
  });

  it('sends idempotently by metadata.clientMessageId', async () => {
    const key = `client-${Date.now()}`;
    const first = await send(ann, room, 'only once', { metadata: { clientMessageId: key } });
    const count = (
      await ok(ann, 'Conversation/get', { ids: [room], properties: ['messageCount'] })
    )['list'][0]['messageCount'];
    const retry = await send(ann, room, 'only once', { metadata: { clientMessageId: key } });
    expect(retry.id).toBe(first.id);
    const after = (
      await ok(ann, 'Conversation/get', { ids: [room], properties: ['messageCount'] })
    )['list'][0]['messageCount'];
    expect(after).toBe(count);
    const query = await ok(ann, 'Message/query', {
      filter: { conversationId: room, text: 'only once' },
    });
    expect(query['ids']).toEqual([first.id]);
  });

  it('enforces the published limits with tooLarge', async () => {
    const session = await fetchSessionLimits(ann);
    const result = await ok(ann, 'Message/set', {
      create: { big: { conversationId: room, body: 'x'.repeat(session.maxBodyBytes + 1) } },
    });
    expect(result['notCreated']['big']).toMatchObject({ type: 'tooLarge', properties: ['body'] });
  });

  it('takes replies only to a message of the same conversation', async () => {
    const other = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    const elsewhere = await send(ann, other, 'elsewhere');
    const parent = await send(ann, room, 'question?');
    const reply = await send(bob, room, 'answer', { replyToMessageId: parent.id });
    expect((await getMessage(ann, reply.id, ['replyToMessageId']))?.['replyToMessageId']).toBe(
      parent.id,
    );
    const wrong = await ok(bob, 'Message/set', {
      create: { r: { conversationId: room, body: 'x', replyToMessageId: elsewhere.id } },
    });
    expect(wrong['notCreated']['r']).toMatchObject({
      type: 'invalidProperties',
      properties: ['replyToMessageId'],
    });
  });

  it('keeps an edit history readable by participants; only the sender edits', async () => {
    const message = await send(ann, room, 'first draft');
    await ok(ann, 'Message/set', { update: { [message.id]: { body: 'second draft' } } });
    const edited = await ok(ann, 'Message/set', { update: { [message.id]: { body: 'final' } } });
    expect(edited['updated'][message.id]).toMatchObject({ editedAt: expect.any(String) });
    const denied = await ok(bob, 'Message/set', {
      update: { [message.id]: { body: 'bob was here' } },
    });
    expect(denied['notUpdated'][message.id]).toMatchObject({ type: 'forbidden' });
    const seen = await getMessage(bob, message.id, ['body', 'editedAt', 'history']);
    expect(seen).toMatchObject({ body: 'final', editedAt: expect.any(String) });
    expect(seen?.['history'].map((v: { body: string }) => v.body)).toEqual([
      'first draft',
      'second draft',
    ]);
    expect(seen?.['history'][0]).toEqual({
      version: 1,
      body: 'first draft',
      bodyType: 'text/plain',
      createdAt: message['sentAt'],
    });
  });

  it('soft-deletes: another participant sees it via /changes, emptied but in its place', async () => {
    const message = await send(ann, room, 'regrettable');
    const state = (await ok(bob, 'Message/get', { ids: [message.id] }))['state'];
    const denied = await ok(bob, 'Message/set', { destroy: [message.id] });
    expect(denied['notDestroyed'][message.id]).toMatchObject({ type: 'forbidden' });
    const destroyed = await ok(ann, 'Message/set', { destroy: [message.id] });
    expect(destroyed['destroyed']).toEqual([message.id]);
    const changes = await ok(bob, 'Message/changes', { sinceState: state });
    expect(changes['updated']).toContain(message.id);
    expect(changes['destroyed']).toEqual([]);
    expect(
      await getMessage(bob, message.id, ['isDeleted', 'body', 'attachments', 'reactions']),
    ).toEqual({
      id: message.id,
      isDeleted: true,
      body: '',
      attachments: [],
      reactions: {},
    });
  });

  it("lets a holder of messages.deleteAny (the owner) delete anyone's message", async () => {
    const message = await send(bob, room, 'off-topic');
    const destroyed = await ok(ann, 'Message/set', { destroy: [message.id] });
    expect(destroyed['destroyed']).toEqual([message.id]);
    expect((await getMessage(bob, message.id, ['isDeleted']))?.['isDeleted']).toBe(true);
  });

  it('takes reactions from two users, each patching only their own', async () => {
    const message = await send(ann, room, 'react!');
    await ok(ann, 'Message/set', {
      update: { [message.id]: { [`reactions/👍/${ann.id}`]: true } },
    });
    await ok(bob, 'Message/set', {
      update: {
        [message.id]: { [`reactions/👍/${bob.id}`]: true, [`reactions/😂/${bob.id}`]: true },
      },
    });
    const forbidden = await ok(bob, 'Message/set', {
      update: { [message.id]: { [`reactions/👍/${ann.id}`]: null } },
    });
    expect(forbidden['notUpdated'][message.id]).toMatchObject({ type: 'forbidden' });
    const whole = await ok(bob, 'Message/set', { update: { [message.id]: { reactions: {} } } });
    expect(whole['notUpdated'][message.id]).toMatchObject({ type: 'forbidden' });
    await ok(bob, 'Message/set', {
      update: { [message.id]: { [`reactions/😂/${bob.id}`]: null } },
    });
    expect((await getMessage(ann, message.id, ['reactions']))?.['reactions']).toEqual({
      '👍': { [ann.id]: true, [bob.id]: true },
    });
  });

  it('moves deliveryStatus to delivered, then read, and unreadCount to 0, from read positions', async () => {
    const conversation = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    const message = await send(ann, conversation, 'did you read this?');
    const bobsConversation = async () =>
      (await ok(bob, 'Conversation/get', { ids: [conversation], properties: ['unreadCount'] }))[
        'list'
      ][0]['unreadCount'];
    expect(await bobsConversation()).toBeGreaterThanOrEqual(1);
    expect((await getMessage(ann, message.id, ['deliveryStatus']))?.['deliveryStatus']).toBe(
      'sent',
    );
    // Bob's client fetches it: delivered.
    await getMessage(bob, message.id);
    expect((await getMessage(ann, message.id, ['deliveryStatus']))?.['deliveryStatus']).toBe(
      'delivered',
    );
    // Bob reads it (the Message/set shortcut): read.
    const annState = (await ok(ann, 'Message/get', { ids: [] }))['state'];
    const marked = await ok(bob, 'Message/set', { markRead: [message.id] });
    expect(marked['markedRead']).toEqual([message.id]);
    expect(await getMessage(ann, message.id, ['deliveryStatus', 'readBy'])).toEqual({
      id: message.id,
      deliveryStatus: 'read',
      readBy: [bob.id],
    });
    expect(await bobsConversation()).toBe(0);
    // The sender learns of it through /changes too.
    expect((await ok(ann, 'Message/changes', { sinceState: annState }))['updated']).toContain(
      message.id,
    );
  });

  it('derives read receipts from Participant/set lastReadMessageId as well', async () => {
    const conversation = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    const message = await send(ann, conversation, 'read me via Participant/set');
    const query = await ok(bob, 'Participant/query', {
      filter: { conversationId: conversation, userId: bob.id },
    });
    const updated = await ok(bob, 'Participant/set', {
      update: { [query['ids'][0]]: { lastReadMessageId: message.id } },
    });
    expect(updated['notUpdated']).toBeNull();
    expect((await getMessage(ann, message.id, ['deliveryStatus']))?.['deliveryStatus']).toBe(
      'read',
    );
  });

  it('finds a word only in conversations the caller belongs to, ranked, with snippets', async () => {
    const word = `quokka${Date.now().toString(36)}`;
    const mine = await send(ann, room, `a ${word} in the room`);
    const mineToo = await send(bob, room, `${word} ${word}, twice`);
    const secret = (await createConversation(eve, { title: 'Eve alone' }))['id'];
    const hers = await send(eve, secret, `eve's ${word}`);
    const bobs = await ok(bob, 'Message/query', { filter: { text: word }, calculateTotal: true });
    expect(new Set(bobs['ids'])).toEqual(new Set([mine.id, mineToo.id]));
    expect(bobs['ids'][0]).toBe(mineToo.id); // more matches rank first
    expect(bobs['total']).toBe(2);
    expect((await ok(eve, 'Message/query', { filter: { text: word } }))['ids']).toEqual([hers.id]);
    const snippets = await ok(bob, 'SearchSnippet/get', {
      filter: { text: word },
      messageIds: [mine.id, hers.id],
    });
    expect(snippets['list']).toEqual([
      { messageId: mine.id, subject: null, preview: `a <mark>${word}</mark> in the room` },
    ]);
    expect(snippets['notFound']).toEqual([hers.id]);
  });

  it('gives notFound to non-members and refuses their sends', async () => {
    const message = await send(ann, room, 'members only');
    const got = await ok(eve, 'Message/get', { ids: [message.id] });
    expect(got['list']).toEqual([]);
    expect(got['notFound']).toEqual([message.id]);
    const sent = await ok(eve, 'Message/set', {
      create: { x: { conversationId: room, body: 'let me in' } },
    });
    expect(sent['notCreated']['x']).toMatchObject({
      type: 'notFound',
      properties: ['conversationId'],
    });
    const destroy = await ok(eve, 'Message/set', { destroy: [message.id] });
    expect(destroy['notDestroyed'][message.id]).toMatchObject({ type: 'notFound' });
  });

  it('lets only owners and admins post in an announcement conversation', async () => {
    const news = (
      await createConversation(ann, { conversationType: 'announcement', participantIds: [bob.id] })
    )['id'];
    await send(ann, news, 'news!');
    const denied = await ok(bob, 'Message/set', {
      create: { x: { conversationId: news, body: 'me too' } },
    });
    expect(denied['notCreated']['x']).toMatchObject({ type: 'forbidden' });
  });

  it('pages with anchor, anchorOffset and limit (RFC 8620 §5.5)', async () => {
    const conversation = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await send(ann, conversation, `page ${i}`)).id);
    const filter = { conversationId: conversation, isSystemMessage: false };
    const newest = await ok(bob, 'Message/query', {
      filter,
      sort: [{ property: 'sentAt', isAscending: false }],
      limit: 2,
    });
    expect(newest['ids']).toEqual([ids[5], ids[4]]);
    const older = await ok(bob, 'Message/query', {
      filter,
      sort: [{ property: 'sentAt', isAscending: false }],
      anchor: ids[4],
      anchorOffset: 1,
      limit: 2,
      calculateTotal: true,
    });
    expect(older).toMatchObject({ ids: [ids[3], ids[2]], position: 2, total: 6 });
    const missing = await one(bob, 'Message/query', { filter, anchor: 'not-there' });
    expect(missing['type']).toBe('anchorNotFound');
  });

  it('records membership changes as system messages', async () => {
    const conversation = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    const system = await ok(bob, 'Message/query', {
      filter: { conversationId: conversation, isSystemMessage: true },
    });
    expect(system['ids'].length).toBeGreaterThanOrEqual(1);
    const [first] = (await ok(bob, 'Message/get', { ids: system['ids'] }))['list'];
    expect(first).toMatchObject({ isSystemMessage: true, conversationId: conversation });
  });
});

async function fetchSessionLimits(user: TestUser): Promise<{ maxBodyBytes: number }> {
  const session = await http('GET', '/.well-known/jmap', { token: user.accessToken });
  return session.body.capabilities['urn:ietf:params:jmap:chat'];
}
