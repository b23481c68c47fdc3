import { JmapMethodError } from './errors';
import { parseGetArguments } from './get-arguments';

const options = { maxObjectsInGet: 3, knownProperties: ['id', 'name', 'kind'] };

function errorOf(action: () => unknown): JmapMethodError {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapMethodError) return error;
    throw error;
  }
  throw new Error('expected a JmapMethodError');
}

describe('parseGetArguments', () => {
  it('defaults ids and properties to null', () => {
    expect(parseGetArguments({ accountId: 'A1' }, options)).toEqual({
      accountId: 'A1',
      ids: null,
      properties: null,
      extra: {},
    });
  });

  it('parses ids and properties, deduplicating and always including id', () => {
    expect(
      parseGetArguments(
        { accountId: 'A1', ids: ['a', 'b', 'a'], properties: ['name', 'name'] },
        options,
      ),
    ).toEqual({ accountId: 'A1', ids: ['a', 'b'], properties: ['id', 'name'], extra: {} });
  });

  it('keeps id where the client put it', () => {
    const parsed = parseGetArguments({ accountId: 'A1', properties: ['name', 'id'] }, options);
    expect(parsed.properties).toEqual(['name', 'id']);
  });

  it('accepts creation references among ids', () => {
    expect(parseGetArguments({ accountId: 'A1', ids: ['#k1'] }, options).ids).toEqual(['#k1']);
  });

  it('accepts an empty ids list', () => {
    expect(parseGetArguments({ accountId: 'A1', ids: [] }, options).ids).toEqual([]);
  });

  it('rejects more ids than maxObjectsInGet with requestTooLarge', () => {
    const error = errorOf(() =>
      parseGetArguments({ accountId: 'A1', ids: ['a', 'b', 'c', 'd'] }, options),
    );
    expect(error.type).toBe('requestTooLarge');
  });

  it('counts distinct ids against the limit', () => {
    const ids = ['a', 'b', 'c', 'a', 'b'];
    expect(parseGetArguments({ accountId: 'A1', ids }, options).ids).toHaveLength(3);
  });

  it('rejects unknown properties with invalidArguments naming them', () => {
    const error = errorOf(() =>
      parseGetArguments({ accountId: 'A1', properties: ['name', 'secret'] }, options),
    );
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain('"secret"');
  });

  it.each([
    ['a missing accountId', {}, 'accountId'],
    ['a non-Id accountId', { accountId: '' }, 'accountId'],
    ['ids not an array', { accountId: 'A1', ids: 'a' }, 'ids'],
    ['a non-Id id', { accountId: 'A1', ids: ['a', 'b c'] }, 'ids'],
    ['properties not an array', { accountId: 'A1', properties: 'name' }, 'properties'],
    ['an unknown argument', { accountId: 'A1', fetchAll: true }, 'fetchAll'],
  ])('rejects %s with invalidArguments', (_case, args, mentioned) => {
    const error = errorOf(() => parseGetArguments(args, options));
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain(mentioned);
  });

  it('passes allowed type-specific arguments through', () => {
    const parsed = parseGetArguments(
      { accountId: 'A1', fetchAll: true },
      { ...options, extraArguments: ['fetchAll', 'other'] },
    );
    expect(parsed.extra).toEqual({ fetchAll: true });
  });
});
