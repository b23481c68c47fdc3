import {
  decodeCursor,
  decodeSinceCursor,
  encodeCursor,
  horizonState,
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
    expect(pageChanges(rows, 2, { modseq: 9n, fingerprint: 'f' })).toEqual({
      page: rows,
      hasMoreChanges: false,
      newState: '9~f',
    });
  });

  it('cuts a page inside one transaction without losing its other rows', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 5n },
      { id: 'c', modseq: 5n },
    ];
    const result = pageChanges(rows, 2, { modseq: 9n, fingerprint: 'f' });
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
    const result = pageChanges(rows, 2, { modseq: 20n, fingerprint: 'f' });
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

  it('stays at the horizon when every row of a full page is past it', () => {
    const rows = [
      { id: 'b', modseq: 101n },
      { id: 'c', modseq: 102n },
    ];
    const result = pageChanges(rows, 1, { modseq: 100n, fingerprint: 'f' });
    expect(result.page.map((r) => r.id)).toEqual(['b']);
    expect(result.hasMoreChanges).toBe(true);
    expect(result.newState).toBe(`${(100).toString(36)}~f`);
  });
});

describe('horizon states', () => {
  it('differ for two snapshots of the same xmin and decode to that xmin', () => {
    const a = horizonState({ modseq: 100n, fingerprint: '0a1b2c3d' });
    const b = horizonState({ modseq: 100n, fingerprint: '99aa00ff' });
    expect(a).not.toBe(b);
    expect(decodeCursor(a)).toEqual({ modseq: 100n, afterId: null });
    expect(decodeCursor(b)).toEqual({ modseq: 100n, afterId: null });
  });

  it.each(['2s~', '2s~XYZ', '~abc', '2s~ab.cd'])('rejects %p', (state) => {
    expect(decodeCursor(state)).toBeNull();
  });
});
