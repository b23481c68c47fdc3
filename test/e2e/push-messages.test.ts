import { newUser, type TestUser } from './support/http';
import {
  JmapEventSource,
  JmapSocket,
  newConversation,
  ok,
  sendMessage,
} from './support/push-clients';

/** End to end: messages sent through Message/set reach the other member's push connections. */
describe('push of new messages', () => {
  let ann: TestUser;
  let bob: TestUser;
  let conversationId: string;
  const sockets: JmapSocket[] = [];
  const sources: JmapEventSource[] = [];

  const socket = async (user: TestUser) => {
    const opened = await JmapSocket.open(user.accessToken);
    sockets.push(opened);
    return opened;
  };
  const eventSource = async (
    user: TestUser,
    options: Parameters<typeof JmapEventSource.open>[1] = {},
  ) => {
    const opened = await JmapEventSource.open(user.accessToken, options);
    sources.push(opened);
    return opened;
  };
  const messageState = async (user: TestUser) =>
    (await ok(user, 'Message/get', { ids: [] })).state as string;

  beforeAll(async () => {
    ann = await newUser({ displayName: 'Ann Sender' });
    bob = await newUser({ displayName: 'Bob Receiver' });
    conversationId = await newConversation(ann, [bob]);
  });

  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  it("reaches the other member's WebSocket and EventSource within a second; /changes from the old state has it", async () => {
    const before = await messageState(bob);
    const ws = await socket(bob);
    await ws.enablePush({ dataTypes: ['Message'] });
    const es = await eventSource(bob, { query: 'types=Message&closeafter=no&ping=0' });

    const sentAt = Date.now();
    const messageId = await sendMessage(ann, conversationId, 'hello Bob');
    // Events are fanned out after their writers answered: the push of the conversation's
    // set-up may still arrive, with a state Bob already has. Wait for one past it.
    const moved = (data: Record<string, any>) => data['changed'][bob.id].Message !== before;
    const [frame, event] = await Promise.all([
      ws.stateChange(bob.id, ['Message'], 1000, moved),
      es.stateChange(bob.id, ['Message'], 1000, moved),
    ]);
    expect(Date.now() - sentAt).toBeLessThan(1000);

    // Each transport coalesces on its own: one may carry the set-up's push (a state after
    // `before` that Bob's read had not yet seen) where the other folded it into the message's.
    expect(frame.pushState).toEqual(expect.any(String));
    expect(event.data).toEqual({
      '@type': 'StateChange',
      changed: { [bob.id]: { Message: expect.any(String) } },
      pushState: expect.any(String),
    });
    expect(event.id).toBe(event.data.pushState);

    const changes = await ok(bob, 'Message/changes', { sinceState: before });
    expect([...changes.created, ...changes.updated]).toContain(messageId);
    // The pushed states are states of this server: syncing from them works.
    for (const pushed of [frame.changed[bob.id].Message, event.data.changed[bob.id].Message]) {
      expect(pushed).not.toBe(before);
      expect((await ok(bob, 'Message/changes', { sinceState: pushed })).oldState).toBe(pushed);
    }
  });

  it('sends the message itself first to a client that asked for includeObjects, and only to it', async () => {
    const inline = await socket(bob);
    await inline.enablePush({ dataTypes: ['Message'], includeObjects: ['Message'] });
    const plain = await socket(bob);
    await plain.enablePush({ dataTypes: ['Message'] });

    const messageId = await sendMessage(ann, conversationId, 'inline body');
    const push = await inline.next(
      (frame) => frame['@type'] === 'MessagePush' && frame.message.id === messageId,
      2000,
    );
    expect(push).toMatchObject({
      accountId: bob.id,
      message: { id: messageId, conversationId, body: 'inline body' },
    });
    const got = await ok(bob, 'Message/get', { ids: [messageId] });
    expect(push.message).toEqual(got.list[0]);
    const covering = await inline.stateChange(bob.id, ['Message'], 2000);
    expect(inline.log.indexOf(push)).toBeLessThan(inline.log.indexOf(covering));
    await plain.stateChange(bob.id, ['Message'], 2000);
    expect(plain.frames.pending((frame) => frame['@type'] === 'MessagePush')).toEqual([]);
  });

  it('catches a reconnecting WebSocket up from its last pushState with one StateChange', async () => {
    const first = await socket(bob);
    await first.enablePush({ dataTypes: ['Message'] });
    await sendMessage(ann, conversationId, 'while connected');
    const { pushState } = await first.stateChange(bob.id, ['Message']);
    const stateBefore = await messageState(bob);
    await first.close();

    const missedId = await sendMessage(ann, conversationId, 'while away');
    const again = await socket(bob);
    await again.enablePush({ dataTypes: ['Message'], pushState });
    const catchUp = await again.stateChange(bob.id, ['Message'], 3000);
    expect(catchUp.pushState).not.toBe(pushState);
    const changes = await ok(bob, 'Message/changes', { sinceState: stateBefore });
    expect([...changes.created, ...changes.updated]).toContain(missedId);

    // Nothing new since that pushState: no StateChange.
    const third = await socket(bob);
    await third.enablePush({ dataTypes: ['Message'], pushState: catchUp.pushState });
    await third.request([['Core/echo', {}, 'x']]);
    await expect(third.stateChange(bob.id, ['Message'], 1500)).rejects.toThrow(/no StateChange/);
  });

  it('catches a reconnecting EventSource up from Last-Event-ID', async () => {
    const first = await eventSource(bob, { query: 'types=Message&closeafter=no&ping=0' });
    await sendMessage(ann, conversationId, 'event one');
    const { id } = await first.stateChange(bob.id, ['Message']);
    first.close();
    await sendMessage(ann, conversationId, 'event two');
    const again = await eventSource(bob, {
      query: 'types=Message&closeafter=no&ping=0',
      lastEventId: id,
    });
    const event = await again.stateChange(bob.id, ['Message'], 3000);
    expect(event.id).not.toBe(id);
  });
});
