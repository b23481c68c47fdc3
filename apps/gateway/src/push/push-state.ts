import { type JmapDataType } from '@jchat/contracts';
import { decodeState, encodeState } from '@jchat/jmap';

/**
 * What a connection has been told: every change visible to the account up to these
 * states. `horizon` is the state of all PostgreSQL-backed types (they share the sync
 * horizon); `presence` is the Presence counter.
 */
export interface PushCursor {
  horizon: bigint;
  presence: bigint;
}

export type TypeStates = Partial<Record<JmapDataType, string>>;

/** The opaque `pushState` string: "<horizon>-<presence>" in base 36. */
export function encodePushState(cursor: PushCursor): string {
  return `${encodeState(cursor.horizon)}-${encodeState(cursor.presence)}`;
}

export function decodePushState(pushState: string): PushCursor | null {
  const [head, tail, ...rest] = pushState.split('-');
  if (head === undefined || tail === undefined || rest.length > 0) return null;
  const horizon = decodeState(head);
  const presence = decodeState(tail);
  return horizon === null || presence === null ? null : { horizon, presence };
}

/** The later of two states of one type (states are encoded modseqs or counters). */
export function laterState(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const x = decodeState(a);
  const y = decodeState(b);
  if (x === null) return b;
  if (y === null) return a;
  return y > x ? b : a;
}

/** The cursor after the client was told `states`. */
export function advanceCursor(cursor: PushCursor, states: TypeStates): PushCursor {
  let { horizon, presence } = cursor;
  for (const [type, state] of Object.entries(states)) {
    const value = state === undefined ? null : decodeState(state);
    if (value === null) continue;
    if (type === 'Presence') presence = value > presence ? value : presence;
    else horizon = value > horizon ? value : horizon;
  }
  return { horizon, presence };
}

export function laterCursor(a: PushCursor, b: PushCursor): PushCursor {
  return {
    horizon: a.horizon > b.horizon ? a.horizon : b.horizon,
    presence: a.presence > b.presence ? a.presence : b.presence,
  };
}
