import {
  decodeCursor,
  decodeSinceCursor,
  encodeCursor,
  isPastCursor,
  pageChanges,
} from './sync-cursor';

describe('sync cursors', () => {
  it('round-trips with and without an id', () => {
    for (const cursor of [
      { modseq: 0n, afterId: null },
      { modseq: 123456789n, afterId: null },
      { modseq: 42n, afterId: '0b8f0c0e-2d7a-4c1e-9a55-3b8a2f1c9d00' },
    ]) {
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    }
  });

  it.each(['', '.', 'zz.', '01', 'abc.def ghi', '-1', 'x'.repeat(20)])('rejects %p', (state) => {
    expect(decodeCursor(state)).toBeNull();
    expect(() => decodeSinceCursor(state)).toThrow(
      expect.objectContaining({ type: 'cannotCalculateChanges' }),
    );
  });

  it('ends at the horizon when everything fits', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 7n },
    ];
    expect(pageChanges(rows, 2, 9n)).toEqual({
      page: rows,
      hasMoreChanges: false,
      newState: encodeCursor({ modseq: 9n, afterId: null }),
    });
  });

  it('cuts a page inside one transaction without losing its other rows', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 5n },
      { id: 'c', modseq: 5n },
    ];
    const result = pageChanges(rows, 2, 9n);
    expect(result.page.map((r) => r.id)).toEqual(['a', 'b']);
    expect(result.hasMoreChanges).toBe(true);
    expect(decodeCursor(result.newState)).toEqual({ modseq: 5n, afterId: 'b' });
  });

  it('never cuts past the horizon while rows below it remain', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 25n },
      { id: 'c', modseq: 26n },
    ];
    const result = pageChanges(rows, 2, 20n);
    expect(result.page.map((r) => r.id)).toEqual(['a']);
    expect(result.hasMoreChanges).toBe(true);
    expect(decodeCursor(result.newState)).toEqual({ modseq: 5n, afterId: 'a' });
  });

  it('compares (modseq, id) with a cursor', () => {
    expect(isPastCursor(5n, 'a', { modseq: 5n, afterId: null })).toBe(true);
    expect(isPastCursor(5n, 'a', { modseq: 5n, afterId: 'a' })).toBe(false);
    expect(isPastCursor(5n, 'b', { modseq: 5n, afterId: 'a' })).toBe(true);
    expect(isPastCursor(4n, 'z', { modseq: 5n, afterId: null })).toBe(false);
  });
});
