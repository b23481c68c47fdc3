import type { JmapCallRequest } from '@jchat/contracts';
import { JmapMethodRegistry } from './jmap-methods';

function request(name: string, maxReplyBytes?: number): JmapCallRequest {
  return {
    userId: 'u1',
    sessionId: 's1',
    name,
    arguments: {},
    callId: 'c1',
    createdIds: { k: 'v' },
    ...(maxReplyBytes === undefined ? {} : { maxReplyBytes }),
  };
}

describe('JmapMethodRegistry reply size', () => {
  const registry = new JmapMethodRegistry();
  const list = Array.from({ length: 100 }, (_, i) => ({ id: `x${i}`, text: 'y'.repeat(100) }));
  registry.register('Thing/get', () => Promise.resolve({ response: { list } }));
  registry.register('Thing/set', () =>
    Promise.resolve({ response: { created: { a: { list } } }, createdIds: { a: 'id-a' } }),
  );

  it('answers with the reply and its size in bytes', async () => {
    const reply = await registry.dispatch(request('Thing/get', 1_000_000), undefined);
    expect(reply.methodResponses).toEqual([['Thing/get', { list }, 'c1']]);
    expect(reply.bytes).toBe(Buffer.byteLength(JSON.stringify(reply.methodResponses)));
  });

  it('answers requestTooLarge when a read is over what the request may still return', async () => {
    const reply = await registry.dispatch(request('Thing/get', 5000), undefined);
    expect(reply.methodResponses).toEqual([
      [
        'error',
        {
          type: 'requestTooLarge',
          description: expect.stringMatching(/more than the 5000 bytes .* fewer objects per call/),
        },
        'c1',
      ],
    ]);
    expect(reply.createdIds).toEqual({ k: 'v' });
    expect(reply.bytes).toBe(Buffer.byteLength(JSON.stringify(reply.methodResponses)));
  });

  it('always answers a /set, whose changes are made', async () => {
    const reply = await registry.dispatch(request('Thing/set', 5000), undefined);
    expect(reply.methodResponses[0]![0]).toBe('Thing/set');
    expect(reply.createdIds).toEqual({ k: 'v', a: 'id-a' });
  });
});

describe('JmapMethodRegistry store failures', () => {
  const registry = new JmapMethodRegistry();
  registry.register('Busy/get', () =>
    Promise.reject(new Error('timeout exceeded when trying to connect')),
  );
  registry.register('Down/get', () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
  );

  it.each([
    ['Busy/get', /^a data store is busy \(every connection in use\); retry shortly$/],
    ['Down/get', /^a data store is unreachable; retry shortly$/],
  ])('answers %s serverUnavailable, saying which', async (name, description) => {
    const reply = await registry.dispatch(request(name), undefined);
    expect(reply.methodResponses).toEqual([
      [
        'error',
        { type: 'serverUnavailable', description: expect.stringMatching(description) },
        'c1',
      ],
    ]);
  });
});
