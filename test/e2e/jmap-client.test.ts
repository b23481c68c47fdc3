import WebSocket from 'ws';
import {
  type GetResponse,
  JmapClient,
  PushConnection,
  type QueryResponse,
  type SetResponse,
  type SocketLike,
  type StateChange,
  SyncEngine,
} from '@jchat/jmap-client';
import { eventually } from '../support/eventually';
import { gatewayUrl, newUser, type TestUser } from './support/http';

/** libs/jmap-client (what the web client runs on) against the real gateway. */
describe('the JMAP client library against the gateway', () => {
  const clients: JmapClient[] = [];
  const socketFactory = (url: string, protocol: string) =>
    new WebSocket(url, protocol) as unknown as SocketLike;

  const connect = async (user: TestUser, onStateChange?: (change: StateChange) => void) => {
    const client = new JmapClient({
      baseUrl: gatewayUrl(),
      tokens: { accessToken: async () => user.accessToken, refresh: async () => user.accessToken },
      socketFactory,
      push: { onStateChange },
    });
    clients.push(client);
    await client.start();
    await eventually(async () => (client.push?.isOpen ? true : undefined), 5000, 'push open');
    return client;
  };

  afterAll(() => {
    for (const client of clients) client.stop();
  });

  it('creates, sends and pages back in batches with result references, as the web client does', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const jmap = await connect(ann);
    const accountId = jmap.accountId;
    expect(accountId).toBe(ann.id);

    const create = jmap.batch();
    const made = create.call<SetResponse>('Conversation/set', {
      accountId,
      create: { c: { conversationType: 'group', title: 'Paging', participantIds: [bob.id] } },
    });
    const conversationId = ((await jmap.run(create)).get(made).created?.['c'] as { id: string }).id;

    const send = jmap.batch();
    const sent = send.call<SetResponse>('Message/set', {
      accountId,
      create: Object.fromEntries(
        Array.from({ length: 45 }, (_, i) => [
          `m${i}`,
          { conversationId, body: `message ${i}`, bodyType: 'text/plain' },
        ]),
      ),
    });
    expect(Object.keys((await jmap.run(send)).get(sent).created ?? {})).toHaveLength(45);

    // Newest first, then the page before the oldest one seen (anchor + anchorOffset 1).
    const page = async (anchor?: string) => {
      const batch = jmap.batch();
      const query = batch.call<QueryResponse>('Message/query', {
        accountId,
        filter: { conversationId, isSystemMessage: false },
        sort: [{ property: 'sentAt', isAscending: false }],
        ...(anchor ? { anchor, anchorOffset: 1 } : {}),
        limit: 40,
      });
      const get = batch.call<GetResponse<{ id: string; body: string }>>('Message/get', {
        accountId,
        ids: query.ref('/ids'),
        properties: ['id', 'body'],
      });
      return (await jmap.run(batch)).get(get).list.map((m) => m);
    };
    const newest = await page();
    expect(newest).toHaveLength(40);
    expect(newest[0]!.body).toBe('message 44');
    const older = await page(newest[39]!.id);
    expect(older.map((m) => m.body)).toEqual([4, 3, 2, 1, 0].map((i) => `message ${i}`));
  });

  it('keeps another client in sync by /changes on each push, and resumes push from its pushState', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const bodies: string[] = [];
    const engine: { sync?: SyncEngine } = {}; // set once the first states are read
    const bobs = await connect(
      bob,
      (change) => void engine.sync?.onStateChange(change.changed[bob.id]),
    );
    const initial = bobs.batch();
    const state = initial.call<GetResponse<unknown>>('Message/get', { accountId: bob.id, ids: [] });
    const conversations = initial.call<GetResponse<unknown>>('Conversation/get', {
      accountId: bob.id,
      ids: [],
    });
    const result = await bobs.run(initial);
    const sync = new SyncEngine({
      accountId: bob.id,
      run: (batch) => bobs.run(batch),
      handlers: {
        Message: {
          properties: ['id', 'body'],
          apply: (delta) => bodies.push(...delta.created.map((m: { body: string }) => m.body)),
          reload: async () => {
            throw new Error('no reload expected');
          },
        },
        Conversation: { apply: () => undefined, reload: async () => 'x' },
      },
    });
    engine.sync = sync;
    sync.setState('Message', result.get(state).state);
    sync.setState('Conversation', result.get(conversations).state);

    const anns = await connect(ann);
    const batch = anns.batch();
    const made = batch.call<SetResponse>('Conversation/set', {
      accountId: ann.id,
      create: { c: { conversationType: 'direct', participantIds: [bob.id] } },
    });
    const sent = batch.call<SetResponse>('Message/set', {
      accountId: ann.id,
      create: { m: { conversationId: '#c', body: 'hello Bob', bodyType: 'text/plain' } },
    });
    const answer = await anns.run(batch);
    expect(answer.get(made).created?.['c']).toBeDefined();
    expect(answer.get(sent).created?.['m']).toBeDefined();
    await eventually(async () => (bodies.includes('hello Bob') ? true : undefined), 5000, 'synced');

    // Bob's push goes away; Ann writes; a new connection from the last pushState is told.
    const pushState = bobs.push!.pushState;
    expect(pushState).toBeDefined();
    bobs.stop();
    const conversationId = (answer.get(made).created!['c'] as { id: string }).id;
    const again = anns.batch();
    again.call('Message/set', {
      accountId: ann.id,
      create: { m: { conversationId, body: 'while you were away', bodyType: 'text/plain' } },
    });
    await anns.run(again);
    const missed: StateChange[] = [];
    const resumed = new PushConnection({
      url: async () =>
        `${gatewayUrl().replace(/^http/, 'ws')}/jmap/ws?access_token=${bob.accessToken}`,
      socketFactory,
      dataTypes: ['Message'],
      onStateChange: (change) => missed.push(change),
      pushState, // the new connection starts from where the old one stopped
    });
    resumed.start();
    try {
      const change = await eventually(async () => missed[0], 5000, 'catch-up StateChange');
      await sync.onStateChange(change.changed[bob.id]);
      expect(bodies).toContain('while you were away');
    } finally {
      resumed.stop();
    }
  });
});
