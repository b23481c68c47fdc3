import { Batch, BatchResult } from './batch';
import { JmapMethodError } from './types';

describe('Batch', () => {
  it('numbers the calls and writes references as "#name" arguments', () => {
    const batch = new Batch();
    const query = batch.call('Conversation/query', { accountId: 'a', filter: undefined });
    const get = batch.call('Conversation/get', { accountId: 'a', ids: query.ref('/ids') });
    expect(get.callId).toBe('c1');
    expect(batch.invocations).toEqual([
      ['Conversation/query', { accountId: 'a' }, 'c0'],
      [
        'Conversation/get',
        { accountId: 'a', '#ids': { resultOf: 'c0', name: 'Conversation/query', path: '/ids' } },
        'c1',
      ],
    ]);
  });

  it('reads each answer by its call, and throws the method error of a failed one', () => {
    const batch = new Batch();
    const first = batch.call<{ ids: string[] }>('Message/query', {});
    const second = batch.call('Message/get', {});
    const result = new BatchResult({
      methodResponses: [
        ['Message/query', { ids: ['m1'] }, 'c0'],
        ['error', { type: 'invalidResultReference' }, 'c1'],
      ],
    });
    expect(result.get(first).ids).toEqual(['m1']);
    expect(() => result.get(second)).toThrow(JmapMethodError);
    expect(result.errorOf(second)).toBe('invalidResultReference');
    expect(result.errorOf(first)).toBeNull();
  });
});
