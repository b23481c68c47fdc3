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

/**
 * Where a snapshot's certainty ends: `modseq` is pg_snapshot_xmin (every transaction
 * below it has finished) and `fingerprint` a digest of the whole snapshot. xmin alone
 * can stay put while other writes commit (a long transaction holds it), so a state
 * made of it alone could repeat after a change and a client comparing states would
 * miss the change; with the fingerprint, a state taken after any commit differs.
 */
export interface SyncHorizon {
  modseq: bigint;
  fingerprint: string;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const FINGERPRINT_PATTERN = /^[0-9a-f]{1,16}$/;

export function encodeCursor(cursor: SyncCursor): string {
  const head = encodeState(cursor.modseq);
  return cursor.afterId === null ? head : `${head}.${cursor.afterId}`;
}

/** The state string of a horizon: `<modseq>~<fingerprint>`. */
export function horizonState(horizon: SyncHorizon): string {
  return `${encodeState(horizon.modseq)}~${horizon.fingerprint}`;
}

export function decodeCursor(state: string): SyncCursor | null {
  const tilde = state.indexOf('~');
  if (tilde >= 0) {
    const modseq = decodeState(state.slice(0, tilde));
    return modseq !== null && FINGERPRINT_PATTERN.test(state.slice(tilde + 1))
      ? { modseq, afterId: null }
      : null;
  }
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
 * or past the horizon: such a cut could step over a transaction below that row
 * that had not committed yet.
 */
export function pageChanges<T extends ChangedRow>(
  rows: readonly T[],
  maxChanges: number,
  horizon: SyncHorizon,
): { page: T[]; hasMoreChanges: boolean; newState: string } {
  if (rows.length <= maxChanges) {
    return { page: [...rows], hasMoreChanges: false, newState: horizonState(horizon) };
  }
  const full = rows.slice(0, maxChanges);
  const page = full.filter((row) => row.modseq < horizon.modseq);
  const last = page.at(-1);
  if (!last) {
    // Every row of the page is at or past the horizon: a cursor there could step over
    // a transaction still running below it. Report them and stay at the horizon; they
    // come again next time (JMAP allows that) until the horizon passes them.
    return { page: full, hasMoreChanges: true, newState: horizonState(horizon) };
  }
  return {
    page,
    hasMoreChanges: true,
    newState: encodeCursor({ modseq: last.modseq, afterId: last.id }),
  };
}

/** Whether a row at (modseq, id) lies past a cursor (was not yet reported from it). */
export function isPastCursor(modseq: bigint, id: string, cursor: SyncCursor): boolean {
  if (modseq !== cursor.modseq) return modseq > cursor.modseq;
  return cursor.afterId === null || id > cursor.afterId;
}
