import { JmapMethodError } from './errors';
import {
  checkMaxChanges,
  longestIncreasingSubsequence,
  queryChangesFromLists,
  type QueryChanges,
} from './query-changes';

/** The client's side of RFC 8620 §5.6: splice out removed, then splice in added in order. */
function applyQueryChanges(oldIds: readonly string[], changes: QueryChanges): string[] {
  const removed = new Set(changes.removed);
  const result = oldIds.filter((id) => !removed.has(id));
  for (const { id, index } of changes.added) result.splice(index, 0, id);
  return result;
}

const none = new Set<string>();

describe('queryChangesFromLists', () => {
  it('reports nothing for identical lists', () => {
    expect(queryChangesFromLists(['a', 'b'], ['a', 'b'], none, null)).toEqual({
      removed: [],
      added: [],
    });
  });

  it('reports ids that left the results as removed', () => {
    expect(queryChangesFromLists(['a', 'b', 'c'], ['a', 'c'], none, null)).toEqual({
      removed: ['b'],
      added: [],
    });
  });

  it('reports new ids as added at their new index', () => {
    expect(queryChangesFromLists(['a', 'c'], ['x', 'a', 'b', 'c'], none, null)).toEqual({
      removed: [],
      added: [
        { id: 'x', index: 0 },
        { id: 'b', index: 2 },
      ],
    });
  });

  it('removes and re-adds a changed id even if it kept its place', () => {
    expect(queryChangesFromLists(['a', 'b', 'c'], ['a', 'b', 'c'], new Set(['b']), null)).toEqual({
      removed: ['b'],
      added: [{ id: 'b', index: 1 }],
    });
  });

  it('removes and re-adds a moved id', () => {
    expect(queryChangesFromLists(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'], none, null)).toEqual({
      removed: ['b'],
      added: [{ id: 'b', index: 3 }],
    });
  });

  it('moves as few ids as possible', () => {
    const changes = queryChangesFromLists(
      ['a', 'b', 'c', 'd', 'e'],
      ['e', 'a', 'b', 'c', 'd'],
      none,
      null,
    );
    expect(changes).toEqual({ removed: ['e'], added: [{ id: 'e', index: 0 }] });
  });

  it('ignores changed ids that are in neither list, and adds changed new ids once', () => {
    expect(queryChangesFromLists(['a'], ['a', 'b'], new Set(['b', 'z']), null)).toEqual({
      removed: [],
      added: [{ id: 'b', index: 1 }],
    });
  });

  it('handles empty lists', () => {
    expect(queryChangesFromLists([], ['a'], none, null)).toEqual({
      removed: [],
      added: [{ id: 'a', index: 0 }],
    });
    expect(queryChangesFromLists(['a'], [], none, null)).toEqual({ removed: ['a'], added: [] });
  });

  it('reproduces the example of RFC 8620 §5.6', () => {
    const oldIds = ['id1', 'id2', 'id3', 'id4'];
    const newIds = ['id5', 'id1', 'id3', 'id4'];
    const changes = queryChangesFromLists(oldIds, newIds, none, null);
    expect(changes).toEqual({ removed: ['id2'], added: [{ id: 'id5', index: 0 }] });
    expect(applyQueryChanges(oldIds, changes)).toEqual(newIds);
  });

  describe('with upToId', () => {
    const oldIds = ['a', 'b', 'c', 'd', 'e'];
    const newIds = ['x', 'a', 'c', 'y', 'd', 'z'];

    it('omits changes after upToId', () => {
      expect(queryChangesFromLists(oldIds, newIds, none, 'c')).toEqual({
        removed: ['b'],
        added: [{ id: 'x', index: 0 }],
      });
    });

    it('includes changes up to and at upToId', () => {
      const changes = queryChangesFromLists(oldIds, newIds, none, 'd');
      expect(changes).toEqual({
        removed: ['b'],
        added: [
          { id: 'x', index: 0 },
          { id: 'y', index: 3 },
        ],
      });
      expect(applyQueryChanges(oldIds.slice(0, 4), changes)).toEqual(newIds.slice(0, 5));
    });

    it('is ignored when upToId is not in both lists', () => {
      const full = queryChangesFromLists(oldIds, newIds, none, null);
      expect(queryChangesFromLists(oldIds, newIds, none, 'b')).toEqual(full);
      expect(queryChangesFromLists(oldIds, newIds, none, 'nope')).toEqual(full);
    });
  });

  it('always yields lists that turn the old results into the new ones', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const shuffle = (items: string[]) => {
      for (let index = items.length - 1; index > 0; index--) {
        const other = Math.floor(random() * (index + 1));
        [items[index], items[other]] = [items[other], items[index]];
      }
      return items;
    };
    for (let round = 0; round < 300; round++) {
      const universe = Array.from({ length: 12 }, (_, index) => `id${index}`);
      const oldIds = shuffle([...universe]).filter(() => random() < 0.7);
      const newIds = shuffle([...universe]).filter(() => random() < 0.7);
      const changed = new Set(universe.filter(() => random() < 0.2));
      const changes = queryChangesFromLists(oldIds, newIds, changed, null);

      expect(applyQueryChanges(oldIds, changes)).toEqual(newIds);
      const indexes = changes.added.map(({ index }) => index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      for (const id of changed) {
        if (oldIds.includes(id) && newIds.includes(id)) {
          expect(changes.removed).toContain(id);
          expect(changes.added.map((item) => item.id)).toContain(id);
        }
      }
    }
  });
});

describe('longestIncreasingSubsequence', () => {
  it.each([
    [[], []],
    [[5], [0]],
    [
      [3, 1, 2],
      [1, 2],
    ],
    [
      [0, 8, 4, 12, 2, 10, 6, 14, 1, 9],
      [0, 2, 6, 9],
    ],
    [[5, 4, 3], [2]],
  ])('finds one for %p', (values, positions) => {
    const result = longestIncreasingSubsequence(values);
    expect(result).toHaveLength(positions.length);
    const picked = result.map((position) => values[position]);
    expect(picked).toEqual([...picked].sort((a, b) => a - b));
  });
});

describe('checkMaxChanges', () => {
  const changes = { removed: ['a'], added: [{ id: 'b', index: 0 }] };

  it('passes within the limit or without one', () => {
    expect(() => checkMaxChanges(changes, 2)).not.toThrow();
    expect(() => checkMaxChanges(changes, null)).not.toThrow();
  });

  it('throws tooManyChanges beyond it', () => {
    expect(() => checkMaxChanges(changes, 1)).toThrow(
      expect.objectContaining({ type: 'tooManyChanges' }),
    );
    expect(() => checkMaxChanges(changes, 0)).toThrow(JmapMethodError);
  });
});
