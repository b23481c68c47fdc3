import { ArgumentReader } from './arguments';
import { JmapMethodError } from './errors';

function invalidArgumentsDescription(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapMethodError && error.type === 'invalidArguments') {
      return error.description ?? '';
    }
    throw error;
  }
  throw new Error('expected invalidArguments');
}

const reader = (args: Record<string, unknown>) => new ArgumentReader(args, Object.keys(args));

describe('ArgumentReader', () => {
  it('rejects unknown argument names, naming them', () => {
    const description = invalidArgumentsDescription(
      () => new ArgumentReader({ accountId: 'a', foo: 1, bar: 2 }, ['accountId']),
    );
    expect(description).toContain('"foo"');
    expect(description).toContain('"bar"');
  });

  it('reads required Ids', () => {
    expect(reader({ accountId: 'A1' }).id('accountId')).toBe('A1');
    for (const value of [undefined, null, '', 'a b', 3]) {
      expect(
        invalidArgumentsDescription(() => reader({ accountId: value }).id('accountId')),
      ).toContain('"accountId"');
    }
  });

  it('reads optional Ids, with creation references only when allowed', () => {
    expect(reader({}).idOrNull('anchor')).toBeNull();
    expect(reader({ anchor: null }).idOrNull('anchor')).toBeNull();
    expect(reader({ anchor: 'x' }).idOrNull('anchor')).toBe('x');
    expect(() => reader({ anchor: '#x' }).idOrNull('anchor')).toThrow(JmapMethodError);
    expect(reader({ anchor: '#x' }).idOrNull('anchor', { allowCreationReferences: true })).toBe(
      '#x',
    );
  });

  it('reads strings', () => {
    expect(reader({ s: '' }).string('s')).toBe('');
    expect(() => reader({}).string('s')).toThrow(JmapMethodError);
    expect(reader({ s: null }).stringOrNull('s')).toBeNull();
    expect(() => reader({ s: 1 }).stringOrNull('s')).toThrow(JmapMethodError);
  });

  it('reads string lists, dropping duplicates', () => {
    expect(reader({ l: ['a', 'b', 'a'] }).stringListOrNull('l')).toEqual(['a', 'b']);
    expect(reader({ l: null }).stringListOrNull('l')).toBeNull();
    expect(() => reader({ l: 'a' }).stringListOrNull('l')).toThrow(JmapMethodError);
    expect(() => reader({ l: ['a', 1] }).stringListOrNull('l')).toThrow(JmapMethodError);
  });

  it('reads id lists', () => {
    expect(
      reader({ ids: ['a', '#k'] }).idListOrNull('ids', { allowCreationReferences: true }),
    ).toEqual(['a', '#k']);
    expect(() => reader({ ids: ['#k'] }).idListOrNull('ids')).toThrow(JmapMethodError);
    expect(() => reader({ ids: [''] }).idListOrNull('ids')).toThrow(JmapMethodError);
  });

  it('reads Id maps of objects', () => {
    expect(reader({}).idMapOfObjects('m')).toEqual({});
    expect(reader({ m: null }).idMapOfObjects('m')).toEqual({});
    expect(reader({ m: { a: { x: 1 } } }).idMapOfObjects('m')).toEqual({ a: { x: 1 } });
    expect(() => reader({ m: [] }).idMapOfObjects('m')).toThrow(JmapMethodError);
    expect(() => reader({ m: { a: 1 } }).idMapOfObjects('m')).toThrow(JmapMethodError);
    expect(() => reader({ m: { 'a b': {} } }).idMapOfObjects('m')).toThrow(JmapMethodError);
  });

  it('reads integers with a default', () => {
    expect(reader({}).int('n', 7)).toBe(7);
    expect(reader({ n: -3 }).int('n', 0)).toBe(-3);
    for (const value of [null, 1.5, '1', Number.MAX_SAFE_INTEGER + 1, Infinity, NaN]) {
      expect(() => reader({ n: value }).int('n', 0)).toThrow(JmapMethodError);
    }
  });

  it('reads unsigned and positive integers', () => {
    expect(reader({ n: 0 }).unsignedIntOrNull('n')).toBe(0);
    expect(reader({ n: null }).unsignedIntOrNull('n')).toBeNull();
    expect(() => reader({ n: -1 }).unsignedIntOrNull('n')).toThrow(JmapMethodError);
    expect(reader({ n: 1 }).positiveIntOrNull('n')).toBe(1);
    expect(() => reader({ n: 0 }).positiveIntOrNull('n')).toThrow(JmapMethodError);
  });

  it('reads booleans with a default', () => {
    expect(reader({}).boolean('b', true)).toBe(true);
    expect(reader({ b: false }).boolean('b', true)).toBe(false);
    expect(() => reader({ b: 'true' }).boolean('b', false)).toThrow(JmapMethodError);
    expect(() => reader({ b: null }).boolean('b', false)).toThrow(JmapMethodError);
  });

  it('picks the present names', () => {
    expect(reader({ a: 1, b: undefined }).pick(['a', 'c'])).toEqual({ a: 1 });
  });
});
