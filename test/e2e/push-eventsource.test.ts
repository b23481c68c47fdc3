import { http, newUser, type TestUser } from './support/http';
import { JmapEventSource, writerBus } from './support/push-clients';

/** GET /jmap/eventsource (RFC 8620 §7.3). */
describe('EventSource push', () => {
  let ann: TestUser;
  let bus: Awaited<ReturnType<typeof writerBus>>;
  const sources: JmapEventSource[] = [];

  const open = async (options: Parameters<typeof JmapEventSource.open>[1] = {}) => {
    const source = await JmapEventSource.open(ann.accessToken, options);
    sources.push(source);
    return source;
  };

  beforeAll(async () => {
    ann = await newUser({ displayName: 'Ann Events' });
    bus = await writerBus();
  });

  afterEach(() => {
    for (const source of sources.splice(0)) source.close();
  });

  afterAll(async () => {
    await bus.close();
  });

  it('needs an access token', async () => {
    const res = await http('GET', '/jmap/eventsource?types=*&closeafter=no&ping=0');
    expect(res.status).toBe(401);
    await expect(JmapEventSource.open('bad-token', { auth: 'query' })).rejects.toThrow(/401/);
  });

  it('refuses malformed parameters', async () => {
    const res = await http('GET', '/jmap/eventsource?types=*&closeafter=later&ping=0', {
      token: ann.accessToken,
    });
    expect(res.status).toBe(400);
  });

  it('sends state events with the pushState as event id, by header or access_token', async () => {
    const byHeader = await open();
    const byQuery = await open({ auth: 'query' });
    await bus.publish({ types: ['Conversation'], extraAccountIds: [ann.id] });
    const [a, b] = await Promise.all([
      byHeader.stateChange(ann.id, ['Conversation'], 1000),
      byQuery.stateChange(ann.id, ['Conversation'], 1000),
    ]);
    expect(a.data).toEqual({
      '@type': 'StateChange',
      changed: { [ann.id]: { Conversation: expect.any(String) } },
      pushState: a.id,
    });
    expect(b.data.changed).toEqual(a.data.changed);
  });

  it('only sends the types listed', async () => {
    const source = await open({ query: 'types=Message&closeafter=no&ping=0' });
    await bus.publish({ types: ['Conversation'], extraAccountIds: [ann.id] });
    await bus.publish({ types: ['Message', 'Participant'], extraAccountIds: [ann.id] });
    const event = await source.stateChange(ann.id, ['Message']);
    expect(Object.keys(event.data.changed[ann.id])).toEqual(['Message']);
    expect(source.events.pending((e) => e.type === 'state')).toEqual([]);
  });

  it('pings with the interval it uses, and ends after the first state event with closeafter=state', async () => {
    const pinging = await open({ query: 'types=*&closeafter=no&ping=5' });
    const ping = await pinging.next('ping', () => true, 8000);
    expect(ping.data).toEqual({ interval: 5 });
    expect(ping.id).toBeUndefined();

    const once = await open({ query: 'types=Conversation&closeafter=state&ping=0' });
    const ended = new Promise<void>((resolve) => {
      once.source.onerror = () => resolve();
    });
    await bus.publish({ types: ['Conversation'], extraAccountIds: [ann.id] });
    await once.stateChange(ann.id, ['Conversation']);
    // The server ended the response: the client sees the stream drop (and would reconnect).
    await ended;
  }, 15_000);
});
