import { JmapMethodError } from './errors';
import { isResultReference, resolveResultReferences } from './result-reference';
import type { Invocation } from './types';

function methodErrorOf(action: () => unknown): JmapMethodError {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapMethodError) return error;
    throw error;
  }
  throw new Error('expected a JmapMethodError');
}

describe('resolveResultReferences', () => {
  it('resolves the simple example of RFC 8620 §3.7', () => {
    const responses: Invocation[] = [
      [
        'Foo/changes',
        {
          accountId: 'A1',
          oldState: 'abcdef',
          newState: '123456',
          hasMoreChanges: false,
          created: ['f1', 'f4'],
          updated: [],
          destroyed: [],
        },
        't0',
      ],
    ];
    const args = {
      accountId: 'A1',
      '#ids': { resultOf: 't0', name: 'Foo/changes', path: '/created' },
    };
    expect(resolveResultReferences(args, responses)).toEqual({
      accountId: 'A1',
      ids: ['f1', 'f4'],
    });
  });

  describe('the Email/Thread example of RFC 8620 §3.7', () => {
    const responses: Invocation[] = [
      [
        'Email/query',
        {
          accountId: 'A1',
          queryState: 'abcdefg',
          canCalculateChanges: true,
          position: 0,
          total: 101,
          ids: ['msg1023', 'msg223'],
        },
        't0',
      ],
      [
        'Email/get',
        {
          accountId: 'A1',
          state: '123456',
          list: [
            { id: 'msg1023', threadId: 'trd194' },
            { id: 'msg223', threadId: 'trd114' },
          ],
          notFound: [],
        },
        't1',
      ],
      [
        'Thread/get',
        {
          accountId: 'A1',
          state: '123456',
          list: [
            { id: 'trd194', emailIds: ['msg1020', 'msg1021', 'msg1023'] },
            { id: 'trd114', emailIds: ['msg201', 'msg223'] },
          ],
          notFound: [],
        },
        't2',
      ],
    ];

    it('takes ids from /ids', () => {
      const args = {
        accountId: 'A1',
        '#ids': { resultOf: 't0', name: 'Email/query', path: '/ids' },
        properties: ['threadId'],
      };
      expect(resolveResultReferences(args, responses)).toEqual({
        accountId: 'A1',
        ids: ['msg1023', 'msg223'],
        properties: ['threadId'],
      });
    });

    it('maps /list/*/threadId', () => {
      const args = {
        accountId: 'A1',
        '#ids': { resultOf: 't1', name: 'Email/get', path: '/list/*/threadId' },
      };
      expect(resolveResultReferences(args, responses)['ids']).toEqual(['trd194', 'trd114']);
    });

    it('flattens /list/*/emailIds', () => {
      const args = {
        accountId: 'A1',
        '#ids': { resultOf: 't2', name: 'Thread/get', path: '/list/*/emailIds' },
        properties: ['from', 'receivedAt', 'subject'],
      };
      expect(resolveResultReferences(args, responses)).toEqual({
        accountId: 'A1',
        ids: ['msg1020', 'msg1021', 'msg1023', 'msg201', 'msg223'],
        properties: ['from', 'receivedAt', 'subject'],
      });
    });
  });

  const responses: Invocation[] = [
    ['Foo/get', { list: [{ id: 'a' }], notFound: [] }, 'c1'],
    ['error', { type: 'serverFail' }, 'c2'],
    ['Foo/copy', { created: { k: { id: 'x' } } }, 'c3'],
    ['Foo/set', { destroyed: ['old'] }, 'c3'],
  ];

  it('leaves arguments without references alone and does not mutate its input', () => {
    const args = { accountId: 'A1', ids: null };
    const resolved = resolveResultReferences(args, responses);
    expect(resolved).toEqual(args);
    expect(resolved).not.toBe(args);
  });

  it('resolves several references in one call', () => {
    const args = {
      '#ids': { resultOf: 'c1', name: 'Foo/get', path: '/list/*/id' },
      '#missing': { resultOf: 'c1', name: 'Foo/get', path: '/notFound' },
    };
    expect(resolveResultReferences(args, responses)).toEqual({ ids: ['a'], missing: [] });
  });

  it('resolves the path "" to the whole arguments object', () => {
    const args = { '#all': { resultOf: 'c1', name: 'Foo/get', path: '' } };
    expect(resolveResultReferences(args, responses)['all']).toEqual(responses[0][1]);
  });

  it('finds a later response of the same call by its name', () => {
    const args = { '#ids': { resultOf: 'c3', name: 'Foo/set', path: '/destroyed' } };
    expect(resolveResultReferences(args, responses)['ids']).toEqual(['old']);
  });

  it('rejects a name given both plainly and as a reference with invalidArguments', () => {
    const args = { ids: [], '#ids': { resultOf: 'c1', name: 'Foo/get', path: '/list' } };
    const error = methodErrorOf(() => resolveResultReferences(args, responses));
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain('"ids"');
  });

  it.each([
    ['an unknown call id', { resultOf: 'c9', name: 'Foo/get', path: '/list' }, '"c9"'],
    ['a response of another name', { resultOf: 'c1', name: 'Bar/get', path: '/list' }, '"Foo/get"'],
    ['a reference to an error response', { resultOf: 'c2', name: 'Foo/get', path: '/x' }, 'error'],
    ['a missing property', { resultOf: 'c1', name: 'Foo/get', path: '/nope' }, '"nope"'],
    [
      'a pointer without a leading slash',
      { resultOf: 'c1', name: 'Foo/get', path: 'list' },
      'list',
    ],
    ['a bad escape', { resultOf: 'c1', name: 'Foo/get', path: '/a~2' }, '~'],
    ['an index out of range', { resultOf: 'c1', name: 'Foo/get', path: '/list/5' }, '5'],
    [
      '"*" over items lacking the rest',
      { resultOf: 'c1', name: 'Foo/get', path: '/list/*/x' },
      'x',
    ],
    ['a reference that is not an object', 'c1', 'ResultReference'],
    ['a reference with a missing path', { resultOf: 'c1', name: 'Foo/get' }, 'ResultReference'],
    ['a reference with a numeric name', { resultOf: 'c1', name: 1, path: '' }, 'ResultReference'],
  ])('rejects %s with invalidResultReference', (_case, reference, mentioned) => {
    const error = methodErrorOf(() => resolveResultReferences({ '#ids': reference }, responses));
    expect(error.type).toBe('invalidResultReference');
    expect(error.description).toContain('#ids');
    expect(error.description).toContain(mentioned);
  });

  it('fails when there are no earlier responses', () => {
    const args = { '#ids': { resultOf: 'c1', name: 'Foo/get', path: '/list' } };
    expect(methodErrorOf(() => resolveResultReferences(args, [])).type).toBe(
      'invalidResultReference',
    );
  });
});

describe('isResultReference', () => {
  it('recognises a ResultReference', () => {
    expect(isResultReference({ resultOf: 'a', name: 'b', path: '' })).toBe(true);
    expect(isResultReference({ resultOf: 'a', name: 'b' })).toBe(false);
    expect(isResultReference(null)).toBe(false);
    expect(isResultReference([])).toBe(false);
  });
});
