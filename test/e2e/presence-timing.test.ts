import { startSystem, type System } from '../support/system';
import { http, newUser, type TestUser } from './support/http';
import { eventually, JmapSocket, ok } from './support/push-clients';

/**
 * Presence timing on a small system of its own (gateway, auth, presence) with short
 * periods: away after idle, back online on activity, offline when pings stop; and the periodic
 * re-check that closes the push sockets of revoked sessions.
 */
describe('presence timing', () => {
  let system: System;
  let ann: TestUser;
  const sockets: JmapSocket[] = [];

  beforeAll(async () => {
    system = await startSystem({
      apps: ['gateway', 'auth', 'presence'],
      env: {
        PRESENCE_AWAY_AFTER_MS: '1500',
        PRESENCE_OFFLINE_GRACE_MS: '500',
        PUSH_ACTIVITY_REPORT_MS: '200',
        PUSH_HEARTBEAT_MS: '1000',
      },
    });
    // Not all five services run, so /health/ready stays 503: wait for the ones this test needs.
    await system.waitForServices(['auth', 'presence'], 60_000);
    ann = await newUser({ base: system.url, displayName: 'Ann Timing' });
  }, 120_000);

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await system?.stopAll();
  });

  const statusOverHttp = async () =>
    (await ok(ann, 'Presence/get', { ids: [ann.id] }, system.url)).list[0].status as string;

  /** Waits on the watcher's Presence pushes until Ann's status (asked over HTTP: no activity) is `status`. */
  const untilStatus = async (watcher: JmapSocket, status: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await statusOverHttp();
      if (current === status) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still ${current}, not ${status}, after ${timeoutMs} ms`);
      await watcher.stateChange(ann.id, ['Presence'], left).catch(() => undefined);
    }
  };

  it('goes away when idle and comes back online on activity', async () => {
    const socket = await JmapSocket.open(ann.accessToken, { base: system.url });
    sockets.push(socket);
    await socket.enablePush({ dataTypes: ['Presence'] });
    await untilStatus(socket, 'online', 5000);
    const idleSince = Date.now();
    await untilStatus(socket, 'away', 8000);
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(1000);

    // Reading is not activity; a change made on the socket is.
    await socket.request([['Presence/get', { accountId: ann.id, ids: [] }, 'read']]);
    expect(await statusOverHttp()).toBe('away');
    await socket.request([
      ['Presence/set', { accountId: ann.id, update: { [ann.id]: { statusMessage: 'here' } } }, 'w'],
    ]);
    await untilStatus(socket, 'online', 5000);
  });

  it('respects a chosen status while connected, and is offline without a connection', async () => {
    await eventually(
      async () => ((await statusOverHttp()) === 'offline' ? true : undefined),
      5000,
      'offline',
    );
    await ok(ann, 'Presence/set', { update: { [ann.id]: { status: 'busy' } } }, system.url);
    expect(await statusOverHttp()).toBe('offline');
    const socket = await JmapSocket.open(ann.accessToken, { base: system.url });
    sockets.push(socket);
    await socket.enablePush({ dataTypes: ['Presence'] });
    await untilStatus(socket, 'busy', 5000);
    await ok(ann, 'Presence/set', { update: { [ann.id]: { status: 'online' } } }, system.url);
    await untilStatus(socket, 'online', 5000);
  });

  it('closes the sockets of a revoked session (1008), and only those', async () => {
    const [kim, lee] = await Promise.all(
      ['Kim Revoked', 'Lee Kept'].map((displayName) => newUser({ base: system.url, displayName })),
    );
    const [revoked, kept] = await Promise.all(
      [kim!, lee!].map((user) => JmapSocket.open(user.accessToken, { base: system.url })),
    );
    sockets.push(revoked!, kept!);
    const logout = await http('POST', '/auth/logout', {
      token: kim!.accessToken,
      base: system.url,
    });
    expect(logout.status).toBe(204);
    const closed = await Promise.race([
      revoked!.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
    ]);
    expect(closed?.code).toBe(1008);
    const response = await kept!.request([['Core/echo', {}, 'still']]);
    expect(response.methodResponses[0][0]).toBe('Core/echo');
  });
});
