import { jsonBytesWithin } from './json-size';

describe('jsonBytesWithin', () => {
  it('measures exactly what JSON.stringify writes, in UTF-8 bytes', () => {
    const values: unknown[] = [
      null,
      true,
      -1.5e-7,
      '',
      'é😀\u0001"\\',
      '\ud800',
      [],
      {},
      [1, [2, [3]], { a: null }],
      { 'k"ey': ['x', { y: 'z' }], n: 0, e: [] },
      JSON.parse('{"__proto__":{"a":1},"b":[true,false]}'),
    ];
    for (const value of values) {
      expect(jsonBytesWithin(value, Infinity)).toBe(Buffer.byteLength(JSON.stringify(value)));
    }
  });

  it('answers null once the text would pass the limit', () => {
    const value = { a: 'x'.repeat(100) }; // {"a":"xx…x"}: 108 bytes
    expect(jsonBytesWithin(value, 108)).toBe(108);
    expect(jsonBytesWithin(value, 107)).toBeNull();
  });

  it('stops early on a value that shares itself exponentially', () => {
    let value: unknown = { pad: 'x'.repeat(1000) };
    for (let i = 0; i < 64; i++) value = { a: value, b: value }; // 2^64 copies when written out
    const started = Date.now();
    expect(jsonBytesWithin(value, 10_000_000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
