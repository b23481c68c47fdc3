import WebSocket from 'ws';
import { CHAT, call, http, newUser, type TestUser } from './support/http';
import { JmapSocket, writerBus, wsUrl } from './support/push-clients';

const WEBSOCKET = 'urn:ietf:params:jmap:websocket';

/** Opens a raw upgrade and reports the HTTP status it was refused with (or 101). */
function upgradeStatus(
  url: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('JMAP over WebSocket (RFC 8887)', () => {
  let ann: TestUser;
  let bus: Awaited<ReturnType<typeof writerBus>>;
  const sockets: JmapSocket[] = [];

  const open = async (user: TestUser, auth: 'header' | 'query' = 'header') => {
    const socket = await JmapSocket.open(user.accessToken, { auth });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    ann = await newUser({ displayName: 'Ann Socket' });
    bus = await writerBus();
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await bus.close();
  });

  it('is advertised in the session, with push and the inline Message extension', async () => {
    const session = (await http('GET', '/.well-known/jmap', { token: ann.accessToken })).body;
    expect(session.capabilities[WEBSOCKET]).toEqual({ url: wsUrl(), supportsPush: true });
    expect(session.capabilities[CHAT].pushObjects).toEqual(['Message']);
  });

  it('refuses an unauthenticated upgrade without upgrading', async () => {
    expect(await upgradeStatus(wsUrl(), ['jmap'])).toBe(401);
    expect(await upgradeStatus(`${wsUrl()}?access_token=not-a-token`, ['jmap'])).toBe(401);
    expect(await upgradeStatus(wsUrl(), ['jmap'], { authorization: 'Bearer x.y.z' })).toBe(401);
    // A signed-out session's token no longer works.
    const gone = await newUser();
    expect((await http('POST', '/auth/logout', { token: gone.accessToken })).status).toBe(204);
    expect(
      await upgradeStatus(wsUrl(), ['jmap'], { authorization: `Bearer ${gone.accessToken}` }),
    ).toBe(401);
    // The subprotocol is required; the token alone is not enough.
    expect(
      await upgradeStatus(wsUrl(), ['chat'], { authorization: `Bearer ${ann.accessToken}` }),
    ).toBe(400);
    expect(
      await upgradeStatus(wsUrl(), ['jmap'], { authorization: `Bearer ${ann.accessToken}` }),
    ).toBe(101);
  });

  it('closes the sockets of a session at once when it is revoked (1008), not at the next check', async () => {
    const kim = await newUser();
    const socket = await open(kim, 'header');
    const other = await http('POST', '/auth/login', {
      body: { email: kim.email, password: kim.password },
      headers: { 'x-forwarded-for': kim.ip },
    });
    expect(other.status).toBe(200);
    // Revoked from another session of hers: the announcement, not this socket's own request.
    const revoked = await http('DELETE', `/auth/sessions/${kim.sessionId}`, {
      token: other.body.accessToken,
    });
    expect(revoked.status).toBe(204);
    // The periodic check runs every PUSH_HEARTBEAT_MS (15 s here).
    const closed = await Promise.race([
      socket.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000)),
    ]);
    expect(closed?.code).toBe(1008);
  });

  it('runs Request frames through the JMAP API, by header or access_token', async () => {
    for (const auth of ['header', 'query'] as const) {
      const socket = await open(ann, auth);
      expect(socket.ws.protocol).toBe('jmap');
      const response = await socket.request([['Core/echo', { hello: auth }, 'c1']]);
      expect(response).toMatchObject({
        '@type': 'Response',
        methodResponses: [['Core/echo', { hello: auth }, 'c1']],
        sessionState: expect.any(String),
      });
    }
  });

  it('answers bad frames with RequestError and keeps the connection', async () => {
    const socket = await open(ann);
    socket.send({ '@type': 'Request', id: 'bad1', using: ['urn:example:nope'], methodCalls: [] });
    expect(await socket.next((frame) => frame.requestId === 'bad1')).toMatchObject({
      '@type': 'RequestError',
      type: 'urn:ietf:params:jmap:error:unknownCapability',
      status: 400,
    });
    socket.ws.send('{not json');
    expect(await socket.next((frame) => frame['@type'] === 'RequestError')).toMatchObject({
      type: 'urn:ietf:params:jmap:error:notJSON',
    });
    socket.send({ '@type': 'Hello' });
    expect(await socket.next((frame) => frame['@type'] === 'RequestError')).toMatchObject({
      type: 'urn:ietf:params:jmap:error:notRequest',
    });
    const echo = await socket.request([['Core/echo', { still: 'here' }, 'c2']]);
    expect(echo.methodResponses[0][1]).toEqual({ still: 'here' });
  });

  it('pushes a StateChange with a pushState only after WebSocketPushEnable, and stops after Disable', async () => {
    const socket = await open(ann);
    // A second account whose push, published after ann's, shows ann's went through the fan-out.
    const marker = await newUser();
    const markerSocket = await open(marker);
    await markerSocket.enablePush({ dataTypes: ['Participant'] });
    const settle = async () => {
      await bus.publish({ types: ['Participant'], extraAccountIds: [marker.id] });
      await markerSocket.stateChange(marker.id, ['Participant']);
      await socket.request([['Core/echo', {}, 'settle']]);
    };
    const types = ['Conversation', 'Participant'];

    await bus.publish({ types: ['Conversation'], extraAccountIds: [ann.id] });
    await settle();
    await socket.enablePush({ dataTypes: types });
    expect(socket.frames.pending((frame) => frame['@type'] === 'StateChange')).toEqual([]);

    await bus.publish({ types, extraAccountIds: [ann.id] });
    const change = await socket.stateChange(ann.id, types, 1000);
    expect(change).toEqual({
      '@type': 'StateChange',
      changed: { [ann.id]: { Conversation: expect.any(String), Participant: expect.any(String) } },
      pushState: expect.any(String),
    });
    expect(change.changed[ann.id].Conversation).toBe(change.changed[ann.id].Participant);

    socket.send({ '@type': 'WebSocketPushDisable' });
    await socket.request([['Core/echo', {}, 'disabled']]);
    await bus.publish({ types, extraAccountIds: [ann.id] });
    await settle();
    expect(socket.frames.pending((frame) => frame['@type'] === 'StateChange')).toEqual([]);
  });

  it('pushes only the data types asked for, and only to the accounts concerned', async () => {
    const bob = await newUser();
    const annSocket = await open(ann);
    const bobSocket = await open(bob);
    await annSocket.enablePush({ dataTypes: ['Message'] });
    await bobSocket.enablePush();
    await bus.publish({ types: ['Conversation'], extraAccountIds: [ann.id, bob.id] });
    await bus.publish({ types: ['Message'], extraAccountIds: [ann.id] });
    const change = await annSocket.stateChange(ann.id, ['Message']);
    expect(Object.keys(change.changed[ann.id])).toEqual(['Message']);
    const bobChange = await bobSocket.stateChange(bob.id, ['Conversation']);
    expect(bobChange.changed[bob.id].Message).toBeUndefined();
    expect(Object.keys(bobChange.changed)).toEqual([bob.id]);
  });

  it('coalesces a burst of changes into few StateChanges', async () => {
    const socket = await open(ann);
    await socket.enablePush({ dataTypes: ['Conversation', 'Message', 'Participant'] });
    for (let i = 0; i < 40; i += 1) {
      await bus.publish({ types: [i % 2 ? 'Conversation' : 'Message'], extraAccountIds: [ann.id] });
    }
    // A marker after the burst: once it is pushed, the burst has been too.
    const marker = await newUser();
    const markerSocket = await open(marker);
    await markerSocket.enablePush();
    await bus.publish({ types: ['Participant'], extraAccountIds: [ann.id, marker.id] });
    await markerSocket.stateChange(marker.id, ['Participant']);
    const changes: unknown[] = [];
    for (;;) {
      const change = await socket
        .next((frame) => frame['@type'] === 'StateChange', 3000)
        .catch(() => null);
      if (!change) break;
      changes.push(change);
      if (
        (change as { changed: Record<string, Record<string, string>> }).changed[ann.id]!.Participant
      )
        break;
    }
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes.length).toBeLessThan(10);
  });

  it('keeps independent sockets of one account in step', async () => {
    const first = await open(ann);
    const second = await open(ann, 'query');
    await first.enablePush();
    await second.enablePush();
    await bus.publish({ types: ['User'], extraAccountIds: [ann.id] });
    const [a, b] = await Promise.all([
      first.stateChange(ann.id, ['User']),
      second.stateChange(ann.id, ['User']),
    ]);
    expect(a.changed[ann.id].User).toBe(b.changed[ann.id].User);
  });

  it('lets Presence/get through the socket', async () => {
    const socket = await open(ann);
    const response = await socket.request([
      ['Presence/get', { accountId: ann.id, ids: [ann.id] }, 'p'],
    ]);
    expect(response.methodResponses[0][0]).toBe('Presence/get');
    // and the HTTP API sees the same object
    const [[, args]] = await call(ann.accessToken, [
      ['Presence/get', { accountId: ann.id, ids: [ann.id] }, 'p'],
    ]);
    expect(args.list[0].id).toBe(ann.id);
  });
});
