import {
  evaluateJmapPointer,
  formatJsonPointer,
  JsonPointerError,
  parseJsonPointer,
} from './json-pointer';

describe('parseJsonPointer', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/foo', ['foo']],
    ['/foo/0', ['foo', '0']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/~10', ['/0']],
    ['/a//b', ['a', '', 'b']],
  ])('parses %p', (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toEqual(tokens);
  });

  it.each(['foo', '#/foo', '/a~2', '/a~', '/~x'])('rejects %p', (pointer) => {
    expect(() => parseJsonPointer(pointer)).toThrow(JsonPointerError);
  });

  it('round-trips through formatJsonPointer', () => {
    const tokens = ['a/b', 'm~n', '~1', '', 'x'];
    expect(parseJsonPointer(formatJsonPointer(tokens))).toEqual(tokens);
    expect(formatJsonPointer([])).toBe('');
  });
});

describe('evaluateJmapPointer', () => {
  // The document of RFC 6901 §5.
  const document = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  };

  it.each([
    ['', document],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('evaluates the RFC 6901 example %p', (pointer, expected) => {
    expect(evaluateJmapPointer(document, parseJsonPointer(pointer))).toEqual(expected);
  });

  it('maps "*" over an array', () => {
    const value = { list: [{ id: 'a' }, { id: 'b' }] };
    expect(evaluateJmapPointer(value, parseJsonPointer('/list/*/id'))).toEqual(['a', 'b']);
  });

  it('flattens array results of "*" by one level', () => {
    const value = {
      list: [{ ids: ['a', 'b'] }, { ids: [] }, { ids: [['c'], 'd'] }],
    };
    expect(evaluateJmapPointer(value, parseJsonPointer('/list/*/ids'))).toEqual([
      'a',
      'b',
      ['c'],
      'd',
    ]);
  });

  it('supports a trailing "*" and nested "*"', () => {
    const value = { rows: [[1, 2], [3]] };
    expect(evaluateJmapPointer(value, parseJsonPointer('/rows/*'))).toEqual([1, 2, 3]);
    const nested = { a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] };
    expect(evaluateJmapPointer(nested, parseJsonPointer('/a/*/b/*/c'))).toEqual([1, 2, 3]);
  });

  it('maps "*" over an empty array to an empty array', () => {
    expect(evaluateJmapPointer({ list: [] }, parseJsonPointer('/list/*/id'))).toEqual([]);
  });

  it('treats "*" on an object as an ordinary key', () => {
    expect(evaluateJmapPointer({ '*': 1 }, parseJsonPointer('/*'))).toBe(1);
    expect(() => evaluateJmapPointer({ a: 1 }, parseJsonPointer('/*'))).toThrow(JsonPointerError);
  });

  it.each([
    ['a missing property', { a: 1 }, '/b'],
    ['an inherited property', { a: 1 }, '/constructor'],
    ['a prototype lookup', {}, '/__proto__'],
    ['an index past the end', { a: [1] }, '/a/1'],
    ['a non-numeric index', { a: [1] }, '/a/x'],
    ['an index with a leading zero', { a: [1, 2] }, '/a/01'],
    ['the "-" index', { a: [1] }, '/a/-'],
    ['a step into a string', { a: 'text' }, '/a/length'],
    ['a step into null', { a: null }, '/a/b'],
    ['a missing property under "*"', { list: [{ id: 1 }, {}] }, '/list/*/id'],
  ])('fails on %s', (_case, value, pointer) => {
    expect(() => evaluateJmapPointer(value, parseJsonPointer(pointer))).toThrow(JsonPointerError);
  });

  it('names where evaluation failed', () => {
    expect(() => evaluateJmapPointer({ a: { b: {} } }, parseJsonPointer('/a/b/c'))).toThrow(
      'no property "c" at /a/b',
    );
  });
});
