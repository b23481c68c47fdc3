import { call, newUser, type TestUser } from './support/http';
import {
  eventually,
  JmapEventSource,
  JmapSocket,
  newConversation,
  ok,
} from './support/push-clients';

/** Presence: online while a push connection is open, offline shortly after; Presence/get and /set; typing. */
describe('presence and typing', () => {
  let ann: TestUser;
  let bob: TestUser;
  let stranger: TestUser;
  let conversationId: string;
  const sockets: JmapSocket[] = [];
  const sources: JmapEventSource[] = [];

  const socket = async (user: TestUser) => {
    const opened = await JmapSocket.open(user.accessToken);
    sockets.push(opened);
    return opened;
  };
  const presenceOf = async (viewer: TestUser, id: string) =>
    (await ok(viewer, 'Presence/get', { ids: [id] })).list[0];
  const stateNumber = (state: string) => parseInt(state, 36);
  /** The next Presence StateChange at or after `state` (a Presence state string). */
  const presencePush = (watcher: JmapSocket, viewer: TestUser, state: string, timeoutMs = 3000) =>
    watcher.next(
      (frame) =>
        frame['@type'] === 'StateChange' &&
        frame.changed[viewer.id]?.Presence !== undefined &&
        stateNumber(frame.changed[viewer.id].Presence) >= stateNumber(state),
      timeoutMs,
      `Presence StateChange at ${state} or later`,
    );
  /** Waits, on the watcher's Presence pushes, until `viewer` sees `id` with `status`. */
  const untilStatus = async (
    watcher: JmapSocket,
    viewer: TestUser,
    id: string,
    status: string,
    timeoutMs: number,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const presence = await presenceOf(viewer, id);
      if (presence.status === status) return presence;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${id} still ${presence.status}, not ${status}, after ${timeoutMs} ms`);
      await watcher
        .next(
          (frame) =>
            frame['@type'] === 'StateChange' && frame.changed[viewer.id]?.Presence !== undefined,
          left,
          'Presence StateChange',
        )
        .catch(() => undefined);
    }
  };

  beforeAll(async () => {
    [ann, bob, stranger] = await Promise.all([
      newUser({ displayName: 'Ann Presence' }),
      newUser({ displayName: 'Bob Presence' }),
      newUser({ displayName: 'Stranger' }),
    ]);
    conversationId = await newConversation(ann, [bob]);
  });

  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  it('shows people who share a conversation, and nobody else', async () => {
    const result = await ok(bob, 'Presence/get', { ids: [ann.id, stranger.id, bob.id, 'nope'] });
    expect(result.list.map((p: { id: string }) => p.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(result.notFound.sort()).toEqual([stranger.id, 'nope'].sort());
    expect(typeof result.state).toBe('string');
    expect(Object.keys(result.list[0]).sort()).toEqual(
      ['id', 'isTypingIn', 'lastSeenAt', 'status', 'statusMessage', 'updatedAt'].sort(),
    );
    expect(result.list[0].status).toMatch(/^(online|away|busy|offline)$/);
    const all = await ok(bob, 'Presence/get', { ids: null, properties: ['status'] });
    expect(all.list.map((p: { id: string }) => p.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(Object.keys(all.list[0]).sort()).toEqual(['id', 'status']);
  });

  it('goes online with a push connection and offline soon after it closes, telling contacts', async () => {
    const watcher = await socket(bob);
    await watcher.enablePush({ dataTypes: ['Presence'] });
    await untilStatus(watcher, bob, ann.id, 'offline', 15_000);
    const stateBefore = (await ok(bob, 'Presence/get', { ids: [] })).state;

    const annSocket = await JmapSocket.open(ann.accessToken);
    await untilStatus(watcher, bob, ann.id, 'online', 3000);
    expect((await ok(bob, 'Presence/changes', { sinceState: stateBefore })).updated).toContain(
      ann.id,
    );

    await annSocket.close();
    const closedAt = Date.now();
    const after = await untilStatus(watcher, bob, ann.id, 'offline', 15_000);
    expect(Date.now() - closedAt).toBeLessThan(10_000);
    expect(Date.parse(after.lastSeenAt)).toBeGreaterThan(closedAt - 60_000);
  });

  it("takes many accounts online and offline at once, keeping each one's open and close in order", async () => {
    const crowd = await Promise.all(
      Array.from({ length: 6 }, (_, i) => newUser({ displayName: `Crowd ${i}` })),
    );
    await newConversation(bob, crowd);
    const watcher = await socket(bob);
    await watcher.enablePush({ dataTypes: ['Presence'] });
    const opened = await Promise.all(crowd.map((user) => JmapSocket.open(user.accessToken)));
    // One closes and opens again at once: its close must not overtake its new open.
    const [flaky, ...others] = crowd as [TestUser, ...TestUser[]];
    await opened[0]!.close();
    await socket(flaky);
    for (const user of crowd) await untilStatus(watcher, bob, user.id, 'online', 5000);

    await Promise.all(opened.slice(1).map((s) => s.close()));
    for (const user of others) await untilStatus(watcher, bob, user.id, 'offline', 15_000);
    expect((await presenceOf(bob, flaky.id)).status).toBe('online');
  });

  it("sets one's own status and message, and nobody else's", async () => {
    const watcher = await socket(bob);
    await watcher.enablePush({ dataTypes: ['Presence'] });
    const annSocket = await socket(ann);
    await untilStatus(watcher, bob, ann.id, 'online', 3000);
    const before = (await ok(bob, 'Presence/get', { ids: [] })).state;

    const set = await ok(ann, 'Presence/set', {
      update: { [ann.id]: { status: 'busy', statusMessage: 'in a meeting' } },
    });
    expect(set.updated).toEqual({ [ann.id]: null });
    expect(set.newState).not.toBe(set.oldState);
    await presencePush(watcher, bob, set.newState);
    expect(await presenceOf(bob, ann.id)).toMatchObject({
      status: 'busy',
      statusMessage: 'in a meeting',
    });
    expect((await ok(bob, 'Presence/changes', { sinceState: before })).updated).toEqual([ann.id]);

    const refused = await ok(ann, 'Presence/set', {
      create: { x: { status: 'online' } },
      update: { [bob.id]: { status: 'away' }, [ann.id]: { status: 'dancing' } },
      destroy: [ann.id],
    });
    expect(refused.notCreated.x.type).toBe('forbidden');
    expect(refused.notUpdated[bob.id].type).toBe('forbidden');
    // Updated and destroyed in one call: the update is refused as willDestroy (RFC 8620 5.3).
    expect(refused.notUpdated[ann.id].type).toBe('willDestroy');
    expect(refused.notDestroyed[ann.id].type).toBe('forbidden');
    const invalid = await ok(ann, 'Presence/set', { update: { [ann.id]: { status: 'dancing' } } });
    expect(invalid.notUpdated[ann.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['status'],
    });

    await ok(ann, 'Presence/set', {
      update: { [ann.id]: { status: 'online', statusMessage: null } },
    });
    expect(await presenceOf(bob, ann.id)).toMatchObject({ status: 'online', statusMessage: null });
    await annSocket.close();
  });

  it('delivers typing to the other participant promptly, throttled, and lets it expire', async () => {
    const bobSocket = await socket(bob);
    await bobSocket.enablePush({ dataTypes: ['Presence'] });
    const bobEvents = await JmapEventSource.open(bob.accessToken, {
      query: 'types=Presence&closeafter=no&ping=0',
    });
    sources.push(bobEvents);

    const isTyping = (value: boolean) => (frame: Record<string, any>) =>
      frame['@type'] === 'Typing' && frame.userId === ann.id && frame.isTyping === value;
    const startedAt = Date.now();
    await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: conversationId } } });
    expect(await bobSocket.next(isTyping(true), 1000)).toEqual({
      '@type': 'Typing',
      conversationId,
      userId: ann.id,
      isTyping: true,
    });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    // Typing on: each keystroke batch sets it again, but the others hear of it once per throttle.
    for (let i = 0; i < 3; i += 1) {
      await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: conversationId } } });
    }
    const typedFor = Date.now() - startedAt;
    const event = await bobEvents.next('typing', (e) => e.data.userId === ann.id, 1000);
    expect(event.data).toMatchObject({ conversationId, isTyping: true });
    expect((await presenceOf(bob, ann.id)).isTypingIn).toBe(conversationId);

    // It ends by itself a few seconds after the last set.
    await bobSocket.next(isTyping(false), 15_000);
    // Throttled (TYPING_THROTTLE_MS, 2.5 s by default): one push, unless the sets took that long.
    expect(bobSocket.log.filter(isTyping(true)).length).toBeLessThanOrEqual(
      1 + Math.floor(typedFor / 2500),
    );
    expect((await presenceOf(bob, ann.id)).isTypingIn).toBeNull();

    // Set and cleared at once.
    await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: conversationId } } });
    await bobSocket.next(isTyping(true), 1000);
    await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: null } } });
    await bobSocket.next(isTyping(false), 1000);
    // The typist's own connections are not told.
    expect(
      bobSocket.log.some((frame) => frame['@type'] === 'Typing' && frame.userId === bob.id),
    ).toBe(false);
  });

  it('refuses typing in a conversation one is not in', async () => {
    const [[, result]] = await call(stranger.accessToken, [
      [
        'Presence/set',
        { accountId: stranger.id, update: { [stranger.id]: { isTypingIn: conversationId } } },
        't',
      ],
    ]);
    expect(result.notUpdated[stranger.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['isTypingIn'],
    });
  });

  it('shows isTypingIn only to members of that conversation', async () => {
    // Ann and Bob share `conversationId`; Ann types in a private conversation with Carol only.
    const carol = await newUser({ displayName: 'Carol Presence' });
    const secret = await newConversation(ann, [carol]);
    await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: secret } } });
    try {
      expect((await presenceOf(carol, ann.id)).isTypingIn).toBe(secret);
      expect((await presenceOf(ann, ann.id)).isTypingIn).toBe(secret);
      const seenByBob = await ok(bob, 'Presence/get', { ids: null });
      expect(seenByBob.list.find((p: { id: string }) => p.id === ann.id)).toMatchObject({
        isTypingIn: null,
      });
      expect((await presenceOf(bob, ann.id)).isTypingIn).toBeNull();
    } finally {
      await ok(ann, 'Presence/set', { update: { [ann.id]: { isTypingIn: null } } });
    }
  });

  it("pages Presence/changes over the caller's contacts only", async () => {
    const before = (await ok(bob, 'Presence/get', { ids: [] })).state;
    // A change by someone Bob shares nothing with is not his to see.
    await ok(stranger, 'Presence/set', { update: { [stranger.id]: { statusMessage: 'hidden' } } });
    await ok(ann, 'Presence/set', { update: { [ann.id]: { statusMessage: 'one' } } });
    await ok(bob, 'Presence/set', { update: { [bob.id]: { statusMessage: 'two' } } });
    // One per page (sweeps may add changes of Ann or Bob meanwhile: order is not asserted).
    const seen = new Set<string>();
    let state = before;
    for (let page = 0; ; page += 1) {
      expect(page).toBeLessThan(10);
      const result = await ok(bob, 'Presence/changes', { sinceState: state, maxChanges: 1 });
      expect(result.updated.length).toBeLessThanOrEqual(1);
      for (const id of result.updated) seen.add(id);
      state = result.newState;
      if (!result.hasMoreChanges) break;
    }
    expect(seen).toEqual(new Set([ann.id, bob.id]));
    await ok(ann, 'Presence/set', { update: { [ann.id]: { statusMessage: null } } });
    await ok(bob, 'Presence/set', { update: { [bob.id]: { statusMessage: null } } });
  });

  it('catches a reconnecting client up on presence from its pushState', async () => {
    const first = await socket(bob);
    await first.enablePush({ dataTypes: ['Presence'] });
    const set = await ok(ann, 'Presence/set', {
      update: { [ann.id]: { statusMessage: 'before' } },
    });
    const { pushState } = await presencePush(first, bob, set.newState);
    await first.close();
    const missed = await ok(ann, 'Presence/set', {
      update: { [ann.id]: { statusMessage: 'back soon' } },
    });
    const again = await socket(bob);
    await again.enablePush({ dataTypes: ['Presence'], pushState });
    const catchUp = await presencePush(again, bob, missed.newState);
    expect(catchUp.pushState).not.toBe(pushState);
    expect(await presenceOf(bob, ann.id)).toMatchObject({ statusMessage: 'back soon' });
    // Bob's own other connection kept him online meanwhile.
    await eventually(
      async () => ((await presenceOf(bob, bob.id)).status === 'online' ? true : undefined),
      5000,
      'bob online',
    );
  });
});
