import {
  decodeCursor,
  decodeSinceCursor,
  encodeCursor,
  horizonState,
  isPastCursor,
  MAX_SEEN_TRANSACTIONS,
  pageChanges,
  stateAfterAll,
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

  it('pages up to where a read was cut short, past it once nothing below remains', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 7n },
      { id: 'c', modseq: 8n },
    ];
    const horizon = { modseq: 20n, fingerprint: 'f' };
    const cut = pageChanges(rows, 10, horizon, { id: 'x', modseq: 7n });
    expect(cut.page.map((r) => r.id)).toEqual(['a', 'b']);
    expect(cut.hasMoreChanges).toBe(true);
    expect(decodeCursor(cut.newState)).toEqual({ modseq: 7n, afterId: 'x' });
    // Nothing read is complete: the state still moves to the cut.
    const none = pageChanges([{ id: 'c', modseq: 8n }], 10, horizon, { id: 'x', modseq: 7n });
    expect(none.page).toEqual([]);
    expect(decodeCursor(none.newState)).toEqual({ modseq: 7n, afterId: 'x' });
  });

  it('never moves to a cut at or past the horizon', () => {
    const rows = [
      { id: 'a', modseq: 5n },
      { id: 'b', modseq: 25n },
    ];
    const result = pageChanges(
      rows,
      10,
      { modseq: 20n, fingerprint: 'f' },
      { id: 'z', modseq: 25n },
    );
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

describe('states recording transactions seen past the horizon', () => {
  const horizon = { modseq: 100n, fingerprint: 'f' };
  const b36 = (n: number) => n.toString(36);

  it('round-trip with their seen transactions', () => {
    const state = horizonState(horizon, [100n, 105n, 130n]);
    expect(state).toBe(`${b36(100)}~f+${b36(100)},${b36(105)},${b36(130)}`);
    expect(decodeCursor(state)).toEqual({ modseq: 100n, afterId: null, seen: [100n, 105n, 130n] });
  });

  it.each([
    ['below the horizon', `${b36(100)}~f+${b36(99)}`],
    ['out of order', `${b36(100)}~f+${b36(105)},${b36(101)}`],
    ['repeated', `${b36(100)}~f+${b36(105)},${b36(105)}`],
    ['empty', `${b36(100)}~f+`],
    ['not base 36', `${b36(100)}~f+1.5`],
    ['too many', `${b36(100)}~f+${Array.from({ length: 33 }, (_, i) => b36(101 + i)).join(',')}`],
  ])('are refused when their list is %s', (_case, state) => {
    expect(decodeCursor(state)).toBeNull();
  });

  it('record the transactions past the horizon of the rows reported, with those seen before', () => {
    const cursor = { modseq: 90n, afterId: null, seen: [95n, 120n] };
    const state = stateAfterAll(horizon, cursor, [92n, 101n, 101n, 110n], 'old');
    expect(decodeCursor(state)).toEqual({ modseq: 100n, afterId: null, seen: [101n, 110n, 120n] });
  });

  it('are the horizon alone when nothing reported is past it', () => {
    expect(stateAfterAll(horizon, { modseq: 90n, afterId: null }, [91n], 'old')).toBe(
      horizonState(horizon),
    );
  });

  it('are the horizon alone rather than an overlong list', () => {
    const many = Array.from({ length: MAX_SEEN_TRANSACTIONS + 1 }, (_, i) => 101n + BigInt(i));
    expect(stateAfterAll(horizon, { modseq: 90n, afterId: null }, many, 'old')).toBe(
      horizonState(horizon),
    );
  });

  it('keep the client state when the horizon is behind it', () => {
    expect(stateAfterAll(horizon, { modseq: 120n, afterId: null }, [125n], 'mine')).toBe('mine');
  });

  it('make a seen transaction no longer past the cursor', () => {
    const cursor = { modseq: 100n, afterId: null, seen: [110n] };
    expect(isPastCursor(110n, 'a', cursor)).toBe(false);
    expect(isPastCursor(111n, 'a', cursor)).toBe(true);
    expect(isPastCursor(100n, 'a', cursor)).toBe(true);
  });
});
