import { JmapMethodError } from './errors';
import { decodeState, encodeState } from './state';

/**
 * A sync position over rows ordered by (modseq, id), where modseq is the id of
 * the writing transaction. `modseq` alone means "every row with a smaller
 * modseq has been seen"; with `afterId`, rows of that same modseq up to and
 * including `afterId` have been seen too (a page cut inside one big transaction).
 */
export interface SyncCursor {
  modseq: bigint;
  afterId: string | null;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

export function encodeCursor(cursor: SyncCursor): string {
  const head = encodeState(cursor.modseq);
  return cursor.afterId === null ? head : `${head}.${cursor.afterId}`;
}

export function decodeCursor(state: string): SyncCursor | null {
  const dot = state.indexOf('.');
  const head = dot < 0 ? state : state.slice(0, dot);
  const afterId = dot < 0 ? null : state.slice(dot + 1);
  const modseq = decodeState(head);
  if (modseq === null || (afterId !== null && !ID_PATTERN.test(afterId))) return null;
  return { modseq, afterId };
}

/** A client's sinceState; one this server never issued cannot be synced from. */
export function decodeSinceCursor(state: string): SyncCursor {
  const cursor = decodeCursor(state);
  if (!cursor)
    throw new JmapMethodError('cannotCalculateChanges', `"${state}" is not a state of this server`);
  return cursor;
}

export interface ChangedRow {
  id: string;
  modseq: bigint;
}

/**
 * Turns the rows changed since a cursor (sorted by modseq then id, fetched with
 * limit maxChanges + 1) into the page to report and the state after it. With
 * no more rows, the state is `horizon` (read before the rows), so the next call
 * starts where this snapshot's certainty ends. A page is never cut at a row at
 * or past the horizon while rows below it remain: such a cut could step over a
 * transaction below that row that had not committed yet.
 */
export function pageChanges<T extends ChangedRow>(
  rows: readonly T[],
  maxChanges: number,
  horizon: bigint,
): { page: T[]; hasMoreChanges: boolean; newState: string } {
  if (rows.length <= maxChanges) {
    return {
      page: [...rows],
      hasMoreChanges: false,
      newState: encodeCursor({ modseq: horizon, afterId: null }),
    };
  }
  const full = rows.slice(0, maxChanges);
  const belowHorizon = full.filter((row) => row.modseq < horizon);
  const page = belowHorizon.length > 0 ? belowHorizon : full;
  const last = page.at(-1);
  return {
    page,
    hasMoreChanges: true,
    newState: last
      ? encodeCursor({ modseq: last.modseq, afterId: last.id })
      : encodeCursor({ modseq: horizon, afterId: null }),
  };
}

/** Whether a row at (modseq, id) lies past a cursor (was not yet reported from it). */
export function isPastCursor(modseq: bigint, id: string, cursor: SyncCursor): boolean {
  if (modseq !== cursor.modseq) return modseq > cursor.modseq;
  return cursor.afterId === null || id > cursor.afterId;
}
