import { startSystem, type System } from '../support/system';
import { gatewayUrl, newUser, type TestUser } from './support/http';
import {
  JmapEventSource,
  JmapSocket,
  newConversation,
  ok,
  sendMessage,
  writerBus,
} from './support/push-clients';

/**
 * Two gateway replicas in front of the same services: a change reaches every connection
 * of the account on whichever replica holds it, through the per-account NATS subjects.
 */
describe('push across two gateway replicas', () => {
  let second: System;
  let ann: TestUser;
  let bob: TestUser;
  let conversationId: string;
  const sockets: JmapSocket[] = [];
  const sources: JmapEventSource[] = [];

  beforeAll(async () => {
    const prefix = process.env.JCHAT_PREFIX;
    if (!prefix) throw new Error('JCHAT_PREFIX is not set: run e2e tests through npm test');
    // Only a gateway, on the run's prefix: it shares the services (and NATS subjects) of the main system.
    second = await startSystem({ apps: ['gateway'], prefix });
    ann = await newUser({ displayName: 'Ann Replica' });
    bob = await newUser({ displayName: 'Bob Replica' });
    conversationId = await newConversation(ann, [bob]);
  }, 120_000);

  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await second?.stopAll();
  });

  it('runs a second gateway that serves the same accounts', async () => {
    expect(second.url).not.toBe(gatewayUrl());
    const session = await ok(ann, 'Conversation/get', { ids: [conversationId] }, second.url);
    expect(session.list[0].id).toBe(conversationId);
  });

  it("fans a message out to the member's connections on both replicas", async () => {
    const onFirst = await JmapSocket.open(bob.accessToken);
    const onSecond = await JmapSocket.open(bob.accessToken, { base: second.url });
    sockets.push(onFirst, onSecond);
    await onFirst.enablePush({ dataTypes: ['Message'] });
    await onSecond.enablePush({ dataTypes: ['Message'], includeObjects: ['Message'] });
    const sourceOnSecond = await JmapEventSource.open(bob.accessToken, {
      base: second.url,
      auth: 'query',
      query: 'types=Message&closeafter=no&ping=0',
    });
    sources.push(sourceOnSecond);

    // Sent through the second replica, received on both.
    const messageId = await sendMessage(ann, conversationId, 'to both replicas', second.url);
    const [a, b, c] = await Promise.all([
      onFirst.stateChange(bob.id, ['Message'], 1000),
      onSecond.stateChange(bob.id, ['Message'], 1000),
      sourceOnSecond.stateChange(bob.id, ['Message'], 1000),
    ]);
    expect(b.changed[bob.id].Message).toBe(a.changed[bob.id].Message);
    expect(c.data.changed[bob.id].Message).toBe(a.changed[bob.id].Message);
    expect(onSecond.log.find((frame) => frame['@type'] === 'MessagePush')?.message.id).toBe(
      messageId,
    );
  });

  it("keeps each account's pushes to that account's connections, wherever they are", async () => {
    const carol = await newUser({ displayName: 'Carol Replica' });
    const bus = await writerBus();
    try {
      const carolOnFirst = await JmapSocket.open(carol.accessToken);
      const bobOnSecond = await JmapSocket.open(bob.accessToken, { base: second.url });
      sockets.push(carolOnFirst, bobOnSecond);
      await carolOnFirst.enablePush({ dataTypes: ['User'] });
      await bobOnSecond.enablePush({ dataTypes: ['User'] });
      await bus.publish({ types: ['User'], extraAccountIds: [carol.id] });
      await bus.publish({ types: ['User'], extraAccountIds: [bob.id] });
      const [forCarol, forBob] = await Promise.all([
        carolOnFirst.stateChange(carol.id, ['User']),
        bobOnSecond.stateChange(bob.id, ['User']),
      ]);
      expect(Object.keys(forCarol.changed)).toEqual([carol.id]);
      expect(Object.keys(forBob.changed)).toEqual([bob.id]);
      expect(carolOnFirst.log.some((frame) => frame.changed?.[bob.id])).toBe(false);
    } finally {
      await bus.close();
    }
  });
});
