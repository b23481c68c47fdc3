import { type JmapDataType } from '@jchat/contracts';
import { decodeCursor, decodeState, encodeState } from '@jchat/jmap';

/**
 * What a connection has been told: every change visible to the account up to these
 * states. `horizon` is the state of all PostgreSQL-backed types (they share the sync
 * horizon); `presence` is the Presence counter.
 */
export interface PushCursor {
  /** The state string of the sync horizon (`<modseq>~<fingerprint>`, see SyncHorizon). */
  horizon: string;
  presence: bigint;
}

export type TypeStates = Partial<Record<JmapDataType, string>>;

/** The opaque `pushState` string: "<horizon state>-<presence counter>". */
export function encodePushState(cursor: PushCursor): string {
  return `${cursor.horizon}-${encodeState(cursor.presence)}`;
}

export function decodePushState(pushState: string): PushCursor | null {
  const [head, tail, ...rest] = pushState.split('-');
  if (head === undefined || tail === undefined || rest.length > 0) return null;
  const horizon = decodeCursor(head);
  const presence = decodeState(tail);
  return horizon === null || horizon.afterId !== null || presence === null
    ? null
    : { horizon: head, presence };
}

/** States whose order was read lately: a push compares the same states on every connection. */
const recentOrders = new Map<string, bigint | null>();
const RECENT_ORDERS_MAX = 256;

/** The order of a state: its modseq (horizon states) or counter (Presence); null if unreadable. */
function orderOf(state: string): bigint | null {
  let order = recentOrders.get(state);
  if (order === undefined) {
    order = decodeCursor(state)?.modseq ?? null;
    if (recentOrders.size >= RECENT_ORDERS_MAX) recentOrders.clear();
    recentOrders.set(state, order);
  }
  return order;
}

/**
 * The later of two states of one type. Two horizon states with the same modseq are
 * different snapshots of it; the newer one (`b`, told later) wins.
 */
export function laterState(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const x = orderOf(a);
  const y = orderOf(b);
  if (x === null) return b;
  if (y === null) return a;
  return y >= x ? b : a;
}

/** The cursor after the client was told `states`. */
export function advanceCursor(cursor: PushCursor, states: TypeStates): PushCursor {
  let { horizon, presence } = cursor;
  for (const [type, state] of Object.entries(states)) {
    if (state === undefined) continue;
    if (type === 'Presence') {
      const value = decodeState(state);
      if (value !== null && value > presence) presence = value;
    } else {
      horizon = laterState(horizon, state);
    }
  }
  return { horizon, presence };
}

export function laterCursor(a: PushCursor, b: PushCursor): PushCursor {
  return {
    horizon: laterState(a.horizon, b.horizon),
    presence: a.presence > b.presence ? a.presence : b.presence,
  };
}
