import { JmapMethodError } from './errors';
import { decodeSinceState, decodeState, encodeState, MAX_MODSEQ } from './state';

describe('encodeState / decodeState', () => {
  it.each([0n, 1n, 35n, 36n, 1234567890123n, MAX_MODSEQ])('round-trips %p', (modseq) => {
    expect(decodeState(encodeState(modseq))).toBe(modseq);
  });

  it('is compact', () => {
    expect(encodeState(0n)).toBe('0');
    expect(encodeState(35n)).toBe('z');
    expect(encodeState(MAX_MODSEQ).length).toBeLessThanOrEqual(13);
  });

  it('keeps the order of modseqs distinguishable', () => {
    const states = [5n, 6n, 100n, 101n].map(encodeState);
    expect(new Set(states).size).toBe(4);
  });

  it.each([-1n, MAX_MODSEQ + 1n])('refuses to encode %p', (modseq) => {
    expect(() => encodeState(modseq)).toThrow(RangeError);
  });

  it.each([
    '',
    ' ',
    '-1',
    '+1',
    '00',
    '01',
    'A',
    '1.5',
    'abc!',
    '0x10',
    'abc def',
    '12\n',
    '1y2p0ij32e8e8', // MAX_MODSEQ + 1
    'zzzzzzzzzzzzz',
    '1'.repeat(14),
    'x'.repeat(10_000),
    '١',
  ])('decodes garbage %p to null', (state) => {
    expect(decodeState(state)).toBeNull();
  });
});

describe('decodeSinceState', () => {
  it('decodes a valid state', () => {
    expect(decodeSinceState(encodeState(42n))).toBe(42n);
  });

  it('rejects an invalid state with cannotCalculateChanges', () => {
    expect(() => decodeSinceState('nope!')).toThrow(
      expect.objectContaining({ type: 'cannotCalculateChanges' }),
    );
    expect(() => decodeSinceState('nope!')).toThrow(JmapMethodError);
  });
});
