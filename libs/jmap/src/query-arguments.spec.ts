import { JmapMethodError } from './errors';
import { parseQueryArguments, parseQueryChangesArguments } from './query-arguments';
import { isFilterOperator, MAX_FILTER_DEPTH, type FilterNode } from './query-filter';

function errorOf(action: () => unknown): JmapMethodError {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapMethodError) return error;
    throw error;
  }
  throw new Error('expected a JmapMethodError');
}

const options = {
  knownFilterProperties: ['conversationId', 'text', 'after'],
  knownSortProperties: ['sentAt', 'name'],
  collationAlgorithms: ['i;unicode-casemap'],
};

describe('parseQueryArguments', () => {
  it('applies the defaults of RFC 8620 §5.5', () => {
    expect(parseQueryArguments({ accountId: 'A1' })).toEqual({
      accountId: 'A1',
      filter: null,
      sort: [],
      position: 0,
      anchor: null,
      anchorOffset: 0,
      limit: null,
      calculateTotal: false,
      extra: {},
    });
  });

  it('parses every argument', () => {
    const filter = {
      operator: 'AND',
      conditions: [{ conversationId: 'c1' }, { operator: 'NOT', conditions: [{ text: 'spam' }] }],
    };
    expect(
      parseQueryArguments(
        {
          accountId: 'A1',
          filter,
          sort: [
            { property: 'sentAt', isAscending: false },
            { property: 'name', collation: 'i;unicode-casemap' },
          ],
          position: -10,
          anchor: 'm5',
          anchorOffset: -2,
          limit: 20,
          calculateTotal: true,
        },
        options,
      ),
    ).toEqual({
      accountId: 'A1',
      filter,
      sort: [
        { property: 'sentAt', isAscending: false },
        { property: 'name', isAscending: true, collation: 'i;unicode-casemap' },
      ],
      position: -10,
      anchor: 'm5',
      anchorOffset: -2,
      limit: 20,
      calculateTotal: true,
      extra: {},
    });
  });

  it('accepts a plain FilterCondition and null sort', () => {
    const parsed = parseQueryArguments(
      { accountId: 'A1', filter: { conversationId: 'c1', after: 'x' }, sort: null },
      options,
    );
    expect(parsed.filter).toEqual({ conversationId: 'c1', after: 'x' });
    expect(parsed.sort).toEqual([]);
  });

  it('accepts any filter and sort property when no lists are given', () => {
    const parsed = parseQueryArguments({
      accountId: 'A1',
      filter: { anything: 1 },
      sort: [{ property: 'whatever', collation: 'i;octet' }],
    });
    expect(parsed.filter).toEqual({ anything: 1 });
  });

  it('allows a zero limit and rejects a negative one', () => {
    expect(parseQueryArguments({ accountId: 'A1', limit: 0 }).limit).toBe(0);
    const error = errorOf(() => parseQueryArguments({ accountId: 'A1', limit: -1 }));
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain('limit');
  });

  it('rejects an unknown filter property with unsupportedFilter', () => {
    const filter = { operator: 'OR', conditions: [{ text: 'a' }, { hasAttachment: true }] };
    const error = errorOf(() => parseQueryArguments({ accountId: 'A1', filter }, options));
    expect(error.type).toBe('unsupportedFilter');
    expect(error.description).toContain('hasAttachment');
  });

  it('rejects an unknown sort property with unsupportedSort', () => {
    const error = errorOf(() =>
      parseQueryArguments({ accountId: 'A1', sort: [{ property: 'size' }] }, options),
    );
    expect(error.type).toBe('unsupportedSort');
    expect(error.description).toContain('size');
  });

  it('rejects an unknown collation with unsupportedSort', () => {
    const sort = [{ property: 'name', collation: 'i;octet' }];
    expect(errorOf(() => parseQueryArguments({ accountId: 'A1', sort }, options)).type).toBe(
      'unsupportedSort',
    );
  });

  it('rejects filters nested too deeply with unsupportedFilter', () => {
    let filter: FilterNode = { text: 'x' };
    for (let depth = 0; depth < MAX_FILTER_DEPTH; depth++) {
      filter = { operator: 'NOT', conditions: [filter] };
    }
    expect(errorOf(() => parseQueryArguments({ accountId: 'A1', filter }, options)).type).toBe(
      'unsupportedFilter',
    );
    const allowed = (filter as { conditions: FilterNode[] }).conditions[0];
    expect(() => parseQueryArguments({ accountId: 'A1', filter: allowed }, options)).not.toThrow();
  });

  it.each([
    ['a filter that is not an object', { filter: 'text' }, 'filter'],
    ['a filter that is an array', { filter: [] }, 'filter'],
    ['an unknown operator', { filter: { operator: 'XOR', conditions: [] } }, 'operator'],
    ['a lower-case operator', { filter: { operator: 'and', conditions: [] } }, 'operator'],
    ['an operator without conditions', { filter: { operator: 'AND' } }, 'conditions'],
    [
      'an operator mixed with a condition',
      { filter: { operator: 'AND', conditions: [], text: 'x' } },
      'text',
    ],
    [
      'a condition that is not an object',
      { filter: { operator: 'AND', conditions: [1] } },
      'filter/conditions/0',
    ],
    ['sort not an array', { sort: { property: 'name' } }, 'sort'],
    ['a comparator without property', { sort: [{ isAscending: true }] }, 'sort/0/property'],
    ['a non-boolean isAscending', { sort: [{ property: 'name', isAscending: 1 }] }, 'isAscending'],
    ['a non-string collation', { sort: [{ property: 'name', collation: 1 }] }, 'collation'],
    ['an unknown comparator key', { sort: [{ property: 'name', keyword: 'x' }] }, 'keyword'],
    ['a fractional position', { position: 1.5 }, 'position'],
    ['a null position', { position: null }, 'position'],
    ['a non-Id anchor', { anchor: 5 }, 'anchor'],
    ['a string anchorOffset', { anchorOffset: '1' }, 'anchorOffset'],
    ['a non-boolean calculateTotal', { calculateTotal: 'yes' }, 'calculateTotal'],
    ['an unknown argument', { collapseThreads: true }, 'collapseThreads'],
  ])('rejects %s with invalidArguments', (_case, args, mentioned) => {
    const error = errorOf(() => parseQueryArguments({ accountId: 'A1', ...args }, options));
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain(mentioned);
  });

  it('passes allowed type-specific arguments through', () => {
    const parsed = parseQueryArguments(
      { accountId: 'A1', collapseThreads: true },
      { extraArguments: ['collapseThreads'] },
    );
    expect(parsed.extra).toEqual({ collapseThreads: true });
  });
});

describe('parseQueryChangesArguments', () => {
  it('applies defaults', () => {
    expect(parseQueryChangesArguments({ accountId: 'A1', sinceQueryState: 'q1' })).toEqual({
      accountId: 'A1',
      filter: null,
      sort: [],
      sinceQueryState: 'q1',
      maxChanges: null,
      upToId: null,
      calculateTotal: false,
      extra: {},
    });
  });

  it('parses every argument', () => {
    const parsed = parseQueryChangesArguments(
      {
        accountId: 'A1',
        filter: { conversationId: 'c1' },
        sort: [{ property: 'sentAt' }],
        sinceQueryState: 'q1',
        maxChanges: 0,
        upToId: 'm9',
        calculateTotal: true,
      },
      options,
    );
    expect(parsed).toMatchObject({
      filter: { conversationId: 'c1' },
      sort: [{ property: 'sentAt', isAscending: true }],
      maxChanges: 0,
      upToId: 'm9',
      calculateTotal: true,
    });
  });

  it('checks filter and sort like /query', () => {
    const base = { accountId: 'A1', sinceQueryState: 'q1' };
    expect(
      errorOf(() => parseQueryChangesArguments({ ...base, filter: { size: 1 } }, options)).type,
    ).toBe('unsupportedFilter');
    expect(
      errorOf(() => parseQueryChangesArguments({ ...base, sort: [{ property: 'x' }] }, options))
        .type,
    ).toBe('unsupportedSort');
  });

  it.each([
    ['a missing sinceQueryState', { accountId: 'A1' }],
    ['a negative maxChanges', { accountId: 'A1', sinceQueryState: 'q', maxChanges: -1 }],
    ['a non-Id upToId', { accountId: 'A1', sinceQueryState: 'q', upToId: '' }],
    ['a query-only argument', { accountId: 'A1', sinceQueryState: 'q', position: 0 }],
  ])('rejects %s with invalidArguments', (_case, args) => {
    expect(errorOf(() => parseQueryChangesArguments(args)).type).toBe('invalidArguments');
  });
});

describe('isFilterOperator', () => {
  it('tells operators from conditions', () => {
    expect(isFilterOperator({ operator: 'AND', conditions: [] })).toBe(true);
    expect(isFilterOperator({ text: 'x' })).toBe(false);
  });
});
