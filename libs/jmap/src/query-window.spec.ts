import { JmapMethodError } from './errors';
import { windowQueryResults, type QueryWindow } from './query-window';

const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const window = (overrides: Partial<QueryWindow>): QueryWindow => ({
  position: 0,
  anchor: null,
  anchorOffset: 0,
  limit: null,
  ...overrides,
});

describe('windowQueryResults', () => {
  it('returns everything up to the server maximum by default, reporting the limit it set', () => {
    expect(windowQueryResults(ids, window({}), 100)).toEqual({
      ids,
      position: 0,
      total: 10,
      limit: 100,
    });
  });

  it('pages from a position with the client limit, not reporting it', () => {
    expect(windowQueryResults(ids, window({ position: 3, limit: 2 }), 100)).toEqual({
      ids: ['d', 'e'],
      position: 3,
      total: 10,
    });
  });

  it('stops at the end of the results', () => {
    expect(windowQueryResults(ids, window({ position: 8, limit: 5 }), 100).ids).toEqual(['i', 'j']);
  });

  it('returns no ids, without error, for a position at or past the end', () => {
    expect(windowQueryResults(ids, window({ position: 10, limit: 5 }), 100)).toEqual({
      ids: [],
      position: 10,
      total: 10,
    });
    expect(windowQueryResults(ids, window({ position: 50 }), 100).ids).toEqual([]);
  });

  it('counts a negative position from the end', () => {
    expect(windowQueryResults(ids, window({ position: -3, limit: 2 }), 100)).toEqual({
      ids: ['h', 'i'],
      position: 7,
      total: 10,
    });
  });

  it('clamps a negative position beyond the start to 0', () => {
    expect(windowQueryResults(ids, window({ position: -50, limit: 2 }), 100)).toMatchObject({
      ids: ['a', 'b'],
      position: 0,
    });
  });

  it('clamps a limit above the maximum and reports the limit used', () => {
    expect(windowQueryResults(ids, window({ limit: 50 }), 4)).toEqual({
      ids: ['a', 'b', 'c', 'd'],
      position: 0,
      total: 10,
      limit: 4,
    });
  });

  it('does not report a limit equal to the maximum', () => {
    expect(windowQueryResults(ids, window({ limit: 4 }), 4)).not.toHaveProperty('limit');
  });

  it('returns nothing for a zero limit', () => {
    expect(windowQueryResults(ids, window({ limit: 0 }), 4).ids).toEqual([]);
  });

  it('starts at the anchor and ignores position', () => {
    expect(windowQueryResults(ids, window({ position: 8, anchor: 'c', limit: 3 }), 100)).toEqual({
      ids: ['c', 'd', 'e'],
      position: 2,
      total: 10,
    });
  });

  it('adds a positive anchorOffset', () => {
    expect(
      windowQueryResults(ids, window({ anchor: 'c', anchorOffset: 2, limit: 2 }), 100),
    ).toMatchObject({ ids: ['e', 'f'], position: 4 });
  });

  it('adds a negative anchorOffset so that earlier items come first', () => {
    expect(
      windowQueryResults(ids, window({ anchor: 'e', anchorOffset: -1, limit: 3 }), 100),
    ).toMatchObject({ ids: ['d', 'e', 'f'], position: 3 });
  });

  it('clamps an anchor index made negative to 0', () => {
    expect(
      windowQueryResults(ids, window({ anchor: 'b', anchorOffset: -5, limit: 2 }), 100),
    ).toMatchObject({ ids: ['a', 'b'], position: 0 });
  });

  it('ignores anchorOffset without an anchor', () => {
    expect(windowQueryResults(ids, window({ anchorOffset: 5, limit: 1 }), 100).ids).toEqual(['a']);
  });

  it('gives an empty page for an anchorOffset past the end', () => {
    expect(windowQueryResults(ids, window({ anchor: 'j', anchorOffset: 3 }), 100)).toMatchObject({
      ids: [],
      position: 12,
    });
  });

  it('rejects a missing anchor with anchorNotFound', () => {
    expect(() => windowQueryResults(ids, window({ anchor: 'zz' }), 100)).toThrow(
      expect.objectContaining({ type: 'anchorNotFound' }),
    );
    expect(() => windowQueryResults([], window({ anchor: 'a' }), 100)).toThrow(JmapMethodError);
  });

  it('handles empty results', () => {
    expect(windowQueryResults([], window({ position: -1, limit: 5 }), 100)).toEqual({
      ids: [],
      position: 0,
      total: 0,
    });
  });
});
