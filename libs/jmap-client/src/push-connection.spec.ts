import { PushConnection, type ConnectionStatus } from './push-connection';
import { FakeSocket, FakeTimers, flush } from './testing';
import { JmapRequestError } from './types';

describe('PushConnection', () => {
  let timers: FakeTimers;
  let sockets: FakeSocket[];
  let statuses: [ConnectionStatus, boolean][];
  let changes: unknown[];

  const connection = (options: { heartbeatMs?: number } = {}) =>
    new PushConnection({
      url: async () => `ws://server/jmap/ws?access_token=t${sockets.length}`,
      socketFactory: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      timers,
      random: () => 0.5,
      requestTimeoutMs: 5000,
      onStatus: (status, reconnected) => statuses.push([status, reconnected]),
      onStateChange: (change) => changes.push(change),
      ...options,
    });
  const last = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    timers = new FakeTimers();
    sockets = [];
    statuses = [];
    changes = [];
  });

  it('enables push, and after a loss reconnects with back-off and resumes from the last pushState', async () => {
    const push = connection();
    push.start();
    await flush();
    last().open();
    expect(last().sent[0]).toEqual({ '@type': 'WebSocketPushEnable', dataTypes: null });
    last().receive({ '@type': 'StateChange', changed: { a: { Message: 's1' } }, pushState: 'p1' });
    expect(changes).toHaveLength(1);
    expect(push.pushState).toBe('p1');

    last().drop();
    expect(push.status).toBe('waiting');
    // attempt 0: 500 ms with half of it jittered; random 0.5 gives 375 ms
    expect(timers.pending).toEqual([375]);
    timers.advance(374);
    expect(sockets).toHaveLength(1);
    timers.advance(1);
    await flush();
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe('ws://server/jmap/ws?access_token=t1');
    last().open();
    expect(last().sent[0]).toEqual({
      '@type': 'WebSocketPushEnable',
      dataTypes: null,
      pushState: 'p1',
    });
    expect(statuses.at(-1)).toEqual(['open', true]);
  });

  it('waits longer after each failed attempt, up to the cap, and starts over once connected', async () => {
    const push = connection();
    push.start();
    await flush();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().drop();
      delays.push(timers.pending[0]!);
      timers.advance(timers.pending[0]!);
      await flush();
    }
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 12000, 22500, 22500]);
    last().open();
    last().drop();
    expect(timers.pending).toEqual([375]);
    push.stop();
  });

  it('reconnects at once when asked (the browser is online again)', async () => {
    const push = connection();
    push.start();
    await flush();
    last().drop();
    last().drop(); // a late close of the same socket changes nothing
    push.reconnectNow();
    await flush();
    expect(sockets).toHaveLength(2);
    expect(timers.pending).toEqual([]);
  });

  it('answers requests by their id, and fails those in flight when the socket drops', async () => {
    const push = connection();
    push.start();
    await flush();
    last().open();
    const first = push.request({ using: [], methodCalls: [['Core/echo', {}, 'c0']] });
    const second = push.request({ using: [], methodCalls: [['Core/echo', {}, 'c0']] });
    const [, one, two] = last().sent as { id: string }[];
    last().receive({ '@type': 'Response', requestId: two!.id, methodResponses: [] });
    await expect(second).resolves.toEqual({
      '@type': 'Response',
      requestId: two!.id,
      methodResponses: [],
    });
    expect(one!.id).not.toBe(two!.id);
    last().drop();
    await expect(first).rejects.toMatchObject({ transient: true });
    await expect(push.request({ using: [], methodCalls: [] })).rejects.toBeInstanceOf(
      JmapRequestError,
    );
  });

  it('probes an idle connection and drops it when the probe is not answered (a sleeping laptop)', async () => {
    const push = connection({ heartbeatMs: 20_000 });
    push.start();
    await flush();
    last().open();
    timers.advance(20_000);
    expect(last().sent.at(-1)).toMatchObject({
      '@type': 'Request',
      methodCalls: [['Core/echo', {}, 'ping']],
    });
    timers.advance(5000);
    expect(last().closedWith?.code).toBe(4000);
    expect(push.status).toBe('waiting');
    timers.advance(timers.pending[0]!);
    await flush();
    expect(sockets).toHaveLength(2);
  });

  it('stops for good', async () => {
    const push = connection();
    push.start();
    await flush();
    last().open();
    push.stop();
    expect(last().closedWith?.code).toBe(1000);
    expect(push.status).toBe('stopped');
    expect(timers.pending).toEqual([]);
  });
});
