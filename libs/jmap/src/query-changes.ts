import { JmapMethodError } from './errors';

export interface AddedItem {
  id: string;
  index: number;
}

export interface QueryChanges {
  removed: string[];
  added: AddedItem[];
}

/**
 * Computes /queryChanges' removed and added lists (RFC 8620 §5.6) from the old and new full
 * results. Ids gone from the results, ids in `changedIds` (they may have moved, since the filter
 * or sort may involve mutable properties) and ids whose order changed are removed, and those
 * still present are added back at their new index. Only the ids outside a longest run kept in
 * the same relative order count as moved, so splicing the lists into the old results gives the
 * new results with few changes.
 *
 * Pass `upToId` only when filter and sort use immutable properties: then changes past that id
 * (in the old and in the new results) are left out. It is ignored unless in both lists.
 */
export function queryChangesFromLists(
  oldIds: readonly string[],
  newIds: readonly string[],
  changedIds: ReadonlySet<string>,
  upToId: string | null,
): QueryChanges {
  const newIndex = new Map(newIds.map((id, index) => [id, index]));
  const candidates = oldIds.filter((id) => newIndex.has(id) && !changedIds.has(id));
  const candidateNewIndexes = candidates.map((id) => newIndex.get(id) ?? -1);
  const kept = new Set(
    longestIncreasingSubsequence(candidateNewIndexes).map((at) => candidates[at]),
  );

  let removed = oldIds.filter((id) => !kept.has(id));
  let added = newIds.flatMap((id, index) => (kept.has(id) ? [] : [{ id, index }]));

  const oldCutoff = upToId === null ? -1 : oldIds.indexOf(upToId);
  const newCutoff = upToId === null ? undefined : newIndex.get(upToId);
  if (oldCutoff !== -1 && newCutoff !== undefined) {
    const oldIndex = new Map(oldIds.map((id, index) => [id, index]));
    removed = removed.filter((id) => (oldIndex.get(id) ?? 0) <= oldCutoff);
    added = added.filter(({ index }) => index <= newCutoff);
  }
  return { removed, added };
}

/** Aborts a /queryChanges whose changes exceed the client's maxChanges. */
export function checkMaxChanges(changes: QueryChanges, maxChanges: number | null): void {
  const count = changes.removed.length + changes.added.length;
  if (maxChanges !== null && count > maxChanges) {
    throw new JmapMethodError('tooManyChanges', `${count} changes exceed maxChanges ${maxChanges}`);
  }
}

/**
 * Positions (into `values`) of one longest strictly increasing subsequence, in order.
 * Patience sorting: O(n log n).
 */
export function longestIncreasingSubsequence(values: readonly number[]): number[] {
  // tails[k]: position of the smallest last value of an increasing run of length k + 1.
  const tails: number[] = [];
  const previous: number[] = new Array<number>(values.length).fill(-1);
  values.forEach((value, position) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (values[tails[middle]] < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[position] = tails[low - 1];
    tails[low] = position;
  });
  const run: number[] = [];
  for (let at = tails.length > 0 ? tails[tails.length - 1] : -1; at !== -1; at = previous[at]) {
    run.push(at);
  }
  return run.reverse();
}
