// Issue 10 ("Hard to break"): hostile input through the gateway is refused with a clear error,
// never a 500 or serverFail, and never leaks or forges anything.
import { randomUUID } from 'node:crypto';
import {
  createConversation,
  grantSystemAdmin,
  ok,
  one,
  participantOf,
} from './conversations.fixtures';
import { gatewayUrl, http, newUser, type TestUser } from './support/http';

const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';

async function upload(user: TestUser, data: string, type: string): Promise<string> {
  const response = await fetch(`${gatewayUrl()}/jmap/upload/${user.id}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': type },
    body: data,
  });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status}`);
  return ((await response.json()) as { blobId: string }).blobId;
}

/** GET /jmap/download with the name and query already encoded as the test wants them. */
async function download(user: TestUser, blobId: string, encodedName: string, query = '') {
  const response = await fetch(
    `${gatewayUrl()}/jmap/download/${user.id}/${blobId}/${encodedName}${query}`,
    { headers: { authorization: `Bearer ${user.accessToken}` } },
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

async function send(user: TestUser, conversationId: string, body: string, bodyType?: string) {
  const result = await ok(user, 'Message/set', {
    create: { m: { conversationId, body, ...(bodyType ? { bodyType } : {}) } },
  });
  const created = result['created']?.m;
  if (!created) throw new Error(`send failed: ${JSON.stringify(result)}`);
  return created as Record<string, any> & { id: string };
}

describe('downloads with hostile parameters', () => {
  let ann: TestUser;
  let blobId: string;

  beforeAll(async () => {
    ann = await newUser();
    blobId = await upload(ann, 'hello', 'text/plain');
  });

  it.each([
    ['a repeated type', '?type=text/plain&type=text/html'],
    ['a type with U+0100', `?type=${encodeURIComponent('text/plain; charset=\u0100')}`],
    ['a type with U+0001', `?type=${encodeURIComponent('text/plain; x=\u0001')}`],
    ['a type with U+007F', `?type=${encodeURIComponent('text/plain; x=\u007f')}`],
    ['a type that is no media type', '?type=nonsense'],
  ])('answers 400 naming the parameter for %s', async (_label, query) => {
    const response = await download(ann, blobId, 'a.txt', query);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: 'invalid_argument',
      message: expect.stringContaining('type'),
    });
  });

  // A decoded path segment is always well-formed text; one that does not decode (it would be a
  // lone surrogate, or is no percent-encoding) is refused by the router.
  it.each([
    ['the UTF-8 form of a lone surrogate', '%ED%A0%80.txt'],
    ['a bare percent sign', '100%.txt'],
  ])('answers 400 for a name with %s', async (_label, encodedName) => {
    const response = await download(ann, blobId, encodedName);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: 'invalid_request',
      message: expect.stringContaining('decode'),
    });
  });

  it('still serves valid parameters, with control and non-Latin-1 characters of the name encoded', async () => {
    const name = encodeURIComponent('r\u0001\u0100\u007f "x".txt');
    const response = await download(ann, blobId, name, '?type=text/plain;%20charset=utf-8');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="r___ _x_.txt"; filename*=UTF-8''r%01%C4%80%7F%20%22x%22.txt`,
    );
    expect(response.text).toBe('hello');
    const untyped = await download(ann, blobId, 'a.txt', '?type=');
    expect(untyped.status).toBe(200);
    expect(untyped.headers.get('content-type')).toBe('text/plain');
  });
});

describe('lone UTF-16 surrogates', () => {
  let ann: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let room: string;
  let message: string;

  beforeAll(async () => {
    [ann, bob, admin] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    room = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    message = (await send(ann, room, 'a message to react to')).id;
  });

  /** The SetError of a one-object /set: its only notCreated or notUpdated entry. */
  async function setError(user: TestUser, type: string, args: Record<string, unknown>) {
    const result = await ok(user, `${type}/set`, args);
    const errors = { ...result['notCreated'], ...result['notUpdated'] };
    expect(Object.keys(errors)).toHaveLength(1);
    return Object.values(errors)[0] as Record<string, unknown>;
  }

  function refused(property: string) {
    return {
      type: 'invalidProperties',
      properties: [property],
      description: expect.stringContaining('surrogate'),
    };
  }

  it.each([
    ['a metadata value', 'metadata', { metadata: { k: `v${LONE_HIGH}` } }],
    ['a metadata key', 'metadata', { metadata: { [`k${LONE_LOW}`]: 'v' } }],
    ['a nested settings value', 'settings', { settings: { a: [{ b: LONE_LOW }] } }],
    ['a settings key', 'settings', { settings: { [LONE_HIGH]: true } }],
    ['the title', 'title', { title: `Room ${LONE_HIGH}` }],
    ['the description', 'description', { description: `About ${LONE_LOW}` }],
  ])('Conversation/set create refuses one in %s', async (_label, property, props) => {
    const error = await setError(ann, 'Conversation', {
      create: { c: { conversationType: 'group', ...props } },
    });
    expect(error).toEqual(refused(property));
  });

  it('Conversation/set update refuses one in a patched metadata key or value', async () => {
    for (const patch of [{ [`metadata/k${LONE_HIGH}`]: 1 }, { 'metadata/k': LONE_LOW }]) {
      const error = await setError(ann, 'Conversation', { update: { [room]: patch } });
      expect(error).toEqual(refused('metadata'));
    }
  });

  it.each([
    ['the body', 'body', { body: `hi ${LONE_HIGH}` }],
    ['a metadata key', 'metadata', { metadata: { [LONE_LOW]: 1 } }],
    ['a metadata value', 'metadata', { metadata: { clientMessageId: `x${LONE_HIGH}` } }],
  ])('Message/set create refuses one in %s', async (_label, property, props) => {
    const error = await setError(ann, 'Message', {
      create: { m: { conversationId: room, body: 'hi', ...props } },
    });
    expect(error).toEqual(refused(property));
  });

  it('Message/set refuses one in an attachment name and in a reaction key', async () => {
    const blobId = await upload(ann, 'attached', 'text/plain');
    const attachment = await setError(ann, 'Message', {
      create: {
        m: {
          conversationId: room,
          body: 'see attached',
          attachments: [{ blobId, type: 'text/plain', name: `a${LONE_HIGH}.txt` }],
        },
      },
    });
    expect(attachment).toEqual(refused('attachments'));
    const reaction = await setError(bob, 'Message', {
      update: { [message]: { [`reactions/${LONE_LOW}/${bob.id}`]: true } },
    });
    expect(reaction).toEqual(refused('reactions'));
  });

  it('Participant/set refuses one in metadata and displayName', async () => {
    const mine = (await participantOf(bob, room, bob.id))['id'];
    for (const [property, patch] of [
      ['metadata', { metadata: { [`k${LONE_HIGH}`]: 'v' } }],
      ['metadata', { 'metadata/k': LONE_LOW }],
      ['displayName', { displayName: `Bob ${LONE_HIGH}` }],
    ] as const) {
      const error = await setError(bob, 'Participant', { update: { [mine]: patch } });
      expect(error).toEqual(refused(property));
    }
  });

  it('User/set, Presence/set and Role/set refuse one in their text', async () => {
    expect(
      await setError(ann, 'User', { update: { [ann.id]: { displayName: `Ann ${LONE_LOW}` } } }),
    ).toEqual(refused('displayName'));
    expect(
      await setError(ann, 'Presence', {
        update: { [ann.id]: { statusMessage: `brb ${LONE_HIGH}` } },
      }),
    ).toEqual(refused('statusMessage'));
    expect(
      await setError(admin, 'Role', {
        create: { r: { name: `role-${Date.now()}`, description: LONE_HIGH, permissions: [] } },
      }),
    ).toEqual(refused('description'));
  });

  it('stores nothing of a refused object, and keeps well-formed pairs (emoji) as they are', async () => {
    const before = await ok(ann, 'Conversation/get', { ids: [room], properties: ['metadata'] });
    await setError(ann, 'Conversation', {
      update: { [room]: { metadata: { ok: 1, bad: LONE_HIGH } } },
    });
    // The state may move with anyone's writes; the object must not.
    const after = await ok(ann, 'Conversation/get', { ids: [room], properties: ['metadata'] });
    expect(after['list']).toEqual(before['list']);
    const fine = await ok(ann, 'Conversation/set', {
      update: { [room]: { metadata: { '😀': '👍' } } },
    });
    expect(fine['updated']).toHaveProperty(room);
  });

  it('POST /auth/register refuses one in displayName and email with 400 and the field', async () => {
    const response = await http('POST', '/auth/register', {
      body: {
        email: `lone${LONE_HIGH}-${Date.now()}@example.test`,
        password: `pw-${randomUUID()}`,
        displayName: `Eve ${LONE_LOW}`,
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.fields).toEqual(
      expect.arrayContaining([
        { field: 'email', message: expect.any(String) },
        { field: 'displayName', message: expect.stringContaining('surrogate') },
      ]),
    );
  });
});

describe('ConversationRole/set reveals no grant its caller cannot read', () => {
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let admin: TestUser;
  let roleId: string;

  beforeAll(async () => {
    [owner, member, outsider, admin] = await Promise.all([
      newUser(),
      newUser(),
      newUser(),
      newUser(),
    ]);
    await grantSystemAdmin(admin);
    roleId = (
      await ok(admin, 'Role/set', {
        create: { r: { name: `hostile-${Date.now()}`, permissions: ['participants.invite'] } },
      })
    ).created.r.id;
  });

  it.each(['public', 'restricted', 'private'])(
    'answers an outsider the same for an existing and a missing grant in a %s conversation',
    async (privacyLevel) => {
      const room = await createConversation(owner, { privacyLevel, participantIds: [member.id] });
      const granted = await ok(owner, 'ConversationRole/set', {
        create: { g: { conversationId: room['id'], userId: member.id, roleId } },
      });
      const existing = granted.created.g.id as string;
      const missing = `${room['id']}_${member.id}_${randomUUID()}`;
      const destroy = await ok(outsider, 'ConversationRole/set', { destroy: [existing, missing] });
      expect(destroy['notDestroyed'][existing]).toEqual(destroy['notDestroyed'][missing]);
      expect(destroy['notDestroyed'][existing]).toMatchObject({ type: 'notFound' });
      const update = await ok(outsider, 'ConversationRole/set', {
        update: { [existing]: { roleId }, [missing]: { roleId } },
      });
      expect(update['notUpdated'][existing]).toEqual(update['notUpdated'][missing]);
      expect(update['notUpdated'][existing]).toMatchObject({ type: 'notFound' });
      // Members read the grants, so they may learn that they cannot revoke one.
      const byMember = await ok(member, 'ConversationRole/set', { destroy: [existing] });
      expect(byMember['notDestroyed'][existing]).toMatchObject({ type: 'forbidden' });
      // The grant is still there, and its manager can still revoke it.
      const revoked = await ok(owner, 'ConversationRole/set', { destroy: [existing] });
      expect(revoked['destroyed']).toEqual([existing]);
    },
  );

  it('lets a system admin who is not a member revoke a grant in a public conversation', async () => {
    const room = await createConversation(owner, {
      privacyLevel: 'public',
      participantIds: [member.id],
    });
    const granted = await ok(owner, 'ConversationRole/set', {
      create: { g: { conversationId: room['id'], userId: member.id, roleId } },
    });
    const revoked = await ok(admin, 'ConversationRole/set', { destroy: [granted.created.g.id] });
    expect(revoked['destroyed']).toEqual([granted.created.g.id]);
  });
});

describe('SearchSnippet/get cannot be forged', () => {
  let ann: TestUser;
  let room: string;

  beforeAll(async () => {
    ann = await newUser();
    room = (await createConversation(ann))['id'];
  });

  async function preview(messageId: string, text: string): Promise<string | null> {
    const snippets = await one(ann, 'SearchSnippet/get', {
      filter: { text },
      messageIds: [messageId],
    });
    return snippets['list'][0]['preview'];
  }

  it('marks only the matched words, whatever private-use characters the body holds', async () => {
    const word = `needle${Date.now()}`;
    const plain = await send(ann, room, `\uE000forged\uE001 and \uE001${word}\uE000 here`);
    const marked = await preview(plain.id, word);
    expect(marked).toContain(`<mark>${word}</mark>`);
    expect(marked).not.toContain('<mark>forged</mark>');
    expect(marked!.match(/<mark>/g)).toHaveLength(1);
    expect(marked!.match(/<\/mark>/g)).toHaveLength(1);
  });

  it('does not take escaped private-use characters of an HTML body for marks either', async () => {
    const word = `haystack${Date.now()}`;
    const html = await send(ann, room, `<p>&#xE000;forged&#xE001; ${word}</p>`, 'text/html');
    const marked = await preview(html.id, word);
    expect(marked).toContain(`<mark>${word}</mark>`);
    expect(marked).not.toContain('<mark>forged</mark>');
  });

  it('escapes the text around the marks', async () => {
    const word = `pin${Date.now()}`;
    const body = `<img src=x onerror=alert(1)> "&' ${word} <mark>${word}2</mark> end`;
    const marked = (await preview((await send(ann, room, body)).id, word))!;
    expect(marked).toContain(
      `&#60;img src=x onerror=alert(1)&#62; &#34;&#38;&#39; <mark>${word}</mark>`,
    );
    // ts_headline drops what its parser takes for tags (the <mark> of the body); nothing of the
    // body is markup.
    expect(marked.match(/<mark>/g)).toHaveLength(1);
    expect(marked.replace(`<mark>${word}</mark>`, '')).not.toMatch(/[<>"']|&(?!#\d+;)/);
  });
});
