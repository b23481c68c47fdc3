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
  /**
   * Transactions at or past `modseq` whose rows were all reported already (see stateAfterAll);
   * absent when none.
   */
  seen?: readonly bigint[];
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

/** Most transactions a state records as seen past its horizon; with more, it records none. */
export const MAX_SEEN_TRANSACTIONS = 32;

/**
 * The state string of a horizon: `<modseq>~<fingerprint>`, followed by `+<xid>,<xid>...` when
 * it records transactions past the horizon already reported.
 */
export function horizonState(horizon: SyncHorizon, seen: readonly bigint[] = []): string {
  const head = `${encodeState(horizon.modseq)}~${horizon.fingerprint}`;
  return seen.length === 0 ? head : `${head}+${seen.map(encodeState).join(',')}`;
}

export function decodeCursor(state: string): SyncCursor | null {
  const tilde = state.indexOf('~');
  if (tilde >= 0) return decodeHorizonCursor(state.slice(0, tilde), state.slice(tilde + 1));
  const dot = state.indexOf('.');
  const head = dot < 0 ? state : state.slice(0, dot);
  const afterId = dot < 0 ? null : state.slice(dot + 1);
  const modseq = decodeState(head);
  if (modseq === null || (afterId !== null && !ID_PATTERN.test(afterId))) return null;
  return { modseq, afterId };
}

function decodeHorizonCursor(head: string, tail: string): SyncCursor | null {
  const modseq = decodeState(head);
  const plus = tail.indexOf('+');
  const fingerprint = plus < 0 ? tail : tail.slice(0, plus);
  if (modseq === null || !FINGERPRINT_PATTERN.test(fingerprint)) return null;
  if (plus < 0) return { modseq, afterId: null };
  const parts = tail.slice(plus + 1).split(',');
  if (parts.length > MAX_SEEN_TRANSACTIONS) return null;
  const seen: bigint[] = [];
  for (const part of parts) {
    const xid = decodeState(part);
    // Only this server's own encoding: ascending, each at or past the horizon.
    const last = seen.at(-1);
    if (xid === null || xid < modseq || (last !== undefined && xid <= last)) return null;
    seen.push(xid);
  }
  return { modseq, afterId: null, seen };
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
  cutAt: ChangedRow | null = null,
): { page: T[]; hasMoreChanges: boolean; newState: string } {
  if (cutAt === null) {
    if (rows.length <= maxChanges) {
      return { page: [...rows], hasMoreChanges: false, newState: horizonState(horizon) };
    }
    return fullPage(rows.slice(0, maxChanges), horizon);
  }
  // The rows were read only up to `cutAt`: those past it may lack changes not read yet.
  const cut = { modseq: cutAt.modseq, afterId: cutAt.id };
  const complete = rows.filter((row) => !isPastCursor(row.modseq, row.id, cut));
  if (complete.length <= maxChanges && cutAt.modseq < horizon.modseq) {
    return { page: complete, hasMoreChanges: true, newState: encodeCursor(cut) };
  }
  return fullPage(complete.slice(0, maxChanges), horizon);
}

/** A page of rows with more to come: the state is the last row below the horizon. */
function fullPage<T extends ChangedRow>(
  full: T[],
  horizon: SyncHorizon,
): { page: T[]; hasMoreChanges: boolean; newState: string } {
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
  if (cursor.seen?.includes(modseq)) return false;
  if (modseq !== cursor.modseq) return modseq > cursor.modseq;
  return cursor.afterId === null || id > cursor.afterId;
}

/**
 * The state after reporting every change past `cursor` (no more pages), given the horizon read
 * before the changes and the transactions (modseqs) that wrote the rows reported, all of whose
 * rows were reported. Rows past the horizon were written by transactions that committed while
 * one below them still ran; a state of the horizon alone would report them again on the next
 * call, and with a sync after every push most rows were reported twice under load. So the state
 * also records those transactions (`seen`), with the ones the cursor had recorded, as long as
 * they stay past the horizon. A state never moves backwards: with a horizon behind the cursor,
 * the cursor stays.
 */
export function stateAfterAll(
  horizon: SyncHorizon,
  cursor: SyncCursor,
  reported: readonly bigint[],
  sinceState: string,
): string {
  if (horizon.modseq < cursor.modseq) return sinceState;
  const seen = [...new Set([...(cursor.seen ?? []), ...reported])]
    .filter((xid) => xid >= horizon.modseq)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return seen.length > MAX_SEEN_TRANSACTIONS ? horizonState(horizon) : horizonState(horizon, seen);
}
