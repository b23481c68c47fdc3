import { serializeFrame } from './push-frames';

describe('serializeFrame', () => {
  it('writes a MessagePush as JSON.stringify would (UTF-8), reusing the message JSON', () => {
    const message = { id: 'm1', body: 'he said "hi"\n — ünïcödé 👋', reactions: {} };
    const stringify = jest.spyOn(JSON, 'stringify');
    const first = serializeFrame({ '@type': 'MessagePush', accountId: 'a1', message });
    const second = serializeFrame({ '@type': 'MessagePush', accountId: 'a2', message });
    const text = (payload: string | Buffer) =>
      typeof payload === 'string' ? payload : payload.toString('utf8');
    expect(text(first)).toBe(JSON.stringify({ '@type': 'MessagePush', accountId: 'a1', message }));
    expect(JSON.parse(text(second))).toEqual({ '@type': 'MessagePush', accountId: 'a2', message });
    // The message was serialized once; each frame only adds its account id.
    expect(stringify.mock.calls.filter(([value]) => value === message)).toHaveLength(1);
    stringify.mockRestore();
  });

  it("encodes each account's head once, whatever the messages", () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    const frames = ['one', 'two'].map((body) =>
      serializeFrame({ '@type': 'MessagePush', accountId: 'a3', message: { id: body, body } }),
    );
    expect(frames.map((frame) => JSON.parse(frame.toString()))).toEqual([
      { '@type': 'MessagePush', accountId: 'a3', message: { id: 'one', body: 'one' } },
      { '@type': 'MessagePush', accountId: 'a3', message: { id: 'two', body: 'two' } },
    ]);
    expect(stringify.mock.calls.filter(([value]) => value === 'a3')).toHaveLength(1);
    stringify.mockRestore();
  });

  it('writes other frames with JSON.stringify', () => {
    const frame = { '@type': 'StateChange', changed: { a: { Message: 's1' } }, pushState: 'p' };
    expect(serializeFrame(frame)).toBe(JSON.stringify(frame));
  });
});
