import type { AccountPush } from '@jchat/contracts';
import {
  type MessagePush,
  type PushOutput,
  PushStream,
  type PushStreamOptions,
} from './push-stream';

const ACCOUNT = 'acc1';

type StatePush = Extract<AccountPush, { kind: 'state' }>;

function state(states: Record<string, string>, messageId: string | null = null): StatePush {
  return {
    kind: 'state',
    types: Object.keys(states) as never,
    states,
    messageId,
    conversationId: 'conv1',
  };
}

function setup(overrides: Partial<PushStreamOptions> = {}) {
  const out: PushOutput[] = [];
  let now = 1000;
  let tooSlow = 0;
  const stream = new PushStream({
    accountId: ACCOUNT,
    intervalMs: 100,
    maxPendingObjects: 2,
    fetchMessage: async (id) => ({ id, body: `body of ${id}` }),
    emit: (output) => out.push(output),
    onTooSlow: () => {
      tooSlow += 1;
    },
    now: () => now,
    ...overrides,
  });
  return {
    stream,
    out,
    advance: (ms: number) => {
      now += ms;
      jest.advanceTimersByTime(ms);
    },
    tooSlow: () => tooSlow,
  };
}

const flushPromises = async () => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

describe('PushStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pushes nothing before it is enabled', () => {
    const { stream, out } = setup();
    stream.setBaseline({ horizon: '1', presence: 1n });
    stream.push(state({ Message: 'a' }));
    expect(out).toEqual([]);
  });

  it('waits for the baseline, then sends one StateChange with a pushState', () => {
    const { stream, out } = setup();
    stream.enable({ dataTypes: null, includeMessages: false });
    stream.push(state({ Message: 'a', Conversation: 'a' }));
    expect(out).toEqual([]);
    stream.setBaseline({ horizon: '5', presence: 2n });
    expect(out).toEqual([
      {
        '@type': 'StateChange',
        changed: { [ACCOUNT]: { Message: 'a', Conversation: 'a' } },
        pushState: 'a-2',
      },
    ]);
  });

  it('coalesces a burst into one StateChange per interval, keeping the latest states', () => {
    const { stream, out, advance } = setup();
    stream.enable({ dataTypes: null, includeMessages: false });
    stream.setBaseline({ horizon: '1', presence: 0n });
    stream.push(state({ Message: 'b' }));
    expect(out).toHaveLength(1);
    for (const s of ['c', 'e', 'd']) stream.push(state({ Message: s }));
    stream.push(state({ Presence: '4' }));
    expect(out).toHaveLength(1);
    advance(100);
    expect(out).toHaveLength(2);
    expect(out[1]).toEqual({
      '@type': 'StateChange',
      changed: { [ACCOUNT]: { Message: 'e', Presence: '4' } },
      pushState: 'e-4',
    });
    advance(500);
    expect(out).toHaveLength(2);
  });

  it('only pushes the types asked for', () => {
    const { stream, out } = setup();
    stream.enable({ dataTypes: new Set(['Conversation']), includeMessages: false });
    stream.setBaseline({ horizon: '1', presence: 0n });
    stream.push(state({ Message: 'b' }));
    stream.push({ kind: 'typing', conversationId: 'c', userId: 'u', isTyping: true });
    expect(out).toEqual([]);
    stream.push(state({ Message: 'c', Conversation: 'c' }));
    expect(out).toEqual([
      { '@type': 'StateChange', changed: { [ACCOUNT]: { Conversation: 'c' } }, pushState: 'c-0' },
    ]);
  });

  it('sends typing when Presence is wanted', () => {
    const { stream, out } = setup();
    stream.enable({ dataTypes: new Set(['Presence']), includeMessages: false });
    stream.push({ kind: 'typing', conversationId: 'c', userId: 'u', isTyping: true });
    expect(out).toEqual([{ '@type': 'Typing', conversationId: 'c', userId: 'u', isTyping: true }]);
  });

  it('sends the message before the StateChange that covers it, only when asked', async () => {
    const plain = setup();
    plain.stream.enable({ dataTypes: null, includeMessages: false });
    plain.stream.setBaseline({ horizon: '1', presence: 0n });
    plain.stream.push(state({ Message: 'b' }, 'm1'));
    await flushPromises();
    expect(plain.out.map((o) => o['@type'])).toEqual(['StateChange']);

    const inline = setup();
    inline.stream.enable({ dataTypes: null, includeMessages: true });
    inline.stream.setBaseline({ horizon: '1', presence: 0n });
    inline.stream.push(state({ Message: 'b' }, 'm1'));
    expect(inline.out).toEqual([]);
    await flushPromises();
    expect(inline.out).toEqual([
      { '@type': 'MessagePush', accountId: ACCOUNT, message: { id: 'm1', body: 'body of m1' } },
      { '@type': 'StateChange', changed: { [ACCOUNT]: { Message: 'b' } }, pushState: 'b-0' },
    ]);
  });

  it('keeps order behind a pending fetch, and skips messages it cannot see', async () => {
    let release: (value: Record<string, unknown> | null) => void = () => undefined;
    const { stream, out, advance } = setup({
      fetchMessage: () => new Promise((resolve) => (release = resolve)),
    });
    stream.enable({ dataTypes: null, includeMessages: true });
    stream.setBaseline({ horizon: '1', presence: 0n });
    stream.push(state({ Message: 'b' }, 'gone'));
    stream.push({ kind: 'typing', conversationId: 'c', userId: 'u', isTyping: true });
    stream.push(state({ Conversation: 'c' }));
    expect(out).toEqual([]);
    release(null);
    await flushPromises();
    advance(100);
    expect(out.map((o) => o['@type'])).toEqual(['StateChange', 'Typing', 'StateChange']);
  });

  it('gives up on a client with too many objects pending', () => {
    const { stream, tooSlow } = setup({ fetchMessage: () => new Promise(() => undefined) });
    stream.enable({ dataTypes: null, includeMessages: true });
    stream.setBaseline({ horizon: '1', presence: 0n });
    for (let i = 0; i < 3; i += 1) stream.push(state({ Message: 'b' }, `m${i}`));
    expect(tooSlow()).toBe(1);
  });

  it('stops after disable, and catch-up states go out with the baseline', () => {
    const { stream, out } = setup();
    stream.enable({ dataTypes: null, includeMessages: false });
    stream.addStates({ Message: 'x', Presence: '9' });
    stream.setBaseline({ horizon: '14', presence: 9n });
    expect(out).toEqual([
      {
        '@type': 'StateChange',
        changed: { [ACCOUNT]: { Message: 'x', Presence: '9' } },
        pushState: '14-9',
      },
    ]);
    stream.disable();
    stream.push(state({ Message: 'y' }));
    expect(out).toHaveLength(1);
  });

  it('pushes carried messages without fetching, the sender with their own deliveryStatus', async () => {
    const fetched: string[] = [];
    const delivered: string[] = [];
    const { stream, out } = setup({
      fetchMessage: async (id) => {
        fetched.push(id);
        return { id };
      },
      onMessagePushed: (_conversationId, messageId) => delivered.push(messageId),
    });
    stream.enable({ dataTypes: null, includeMessages: true });
    stream.setBaseline({ horizon: '1', presence: 0n });
    const carried = (id: string, senderId: string) => ({
      view: { id, senderId, deliveryStatus: null },
      senderId,
      forSender: { deliveryStatus: 'sent' },
    });
    stream.push({
      ...state({ Message: 'b' }),
      messages: [carried('m1', 'someone'), carried('m2', ACCOUNT)],
    });
    await flushPromises();
    expect(fetched).toEqual([]);
    expect(out.slice(0, 2)).toEqual([
      {
        '@type': 'MessagePush',
        accountId: ACCOUNT,
        message: { id: 'm1', senderId: 'someone', deliveryStatus: null },
      },
      {
        '@type': 'MessagePush',
        accountId: ACCOUNT,
        message: { id: 'm2', senderId: ACCOUNT, deliveryStatus: 'sent' },
      },
    ]);
    expect(out[2]?.['@type']).toBe('StateChange');
    // Only others' messages count as delivered to this account.
    expect(delivered).toEqual(['m1']);
  });

  it('keeps carried messages behind a message still being fetched', async () => {
    let release: (value: Record<string, unknown> | null) => void = () => undefined;
    const { stream, out } = setup({
      fetchMessage: () => new Promise((resolve) => (release = resolve)),
    });
    stream.enable({ dataTypes: null, includeMessages: true });
    stream.setBaseline({ horizon: '1', presence: 0n });
    stream.push(state({ Message: 'b' }, 'edited'));
    stream.push({
      ...state({ Message: 'c' }),
      messages: [{ view: { id: 'new' }, senderId: 'x', forSender: {} }],
    });
    expect(out).toEqual([]);
    release({ id: 'edited' });
    await flushPromises();
    const ids = out
      .filter((o) => o['@type'] === 'MessagePush')
      .map((o) => (o as MessagePush).message['id']);
    expect(ids).toEqual(['edited', 'new']);
  });
});
