// The shapes every data type's standard methods share (RFC 8620 §5), written once: /get's list
// and notFound with property filtering, /query's window and response, and /set's run between
// its ifInState check and its response. A type's handler supplies only what is its own: how
// records are found, viewed, filtered, written.
import { forbidden } from './set-errors';
import { checkIfInState, type SetArguments } from './set-arguments';
import type { GetResponse, QueryResponse, SetResponse } from './responses';
import { buildQueryResponse, buildSetResponse } from './responses';
import type { QueryArguments } from './query-arguments';
import { windowQueryResults } from './query-window';
import type { SetHandlers, SetResult } from './set-runner';

/** The object with only the named properties; null names them all (RFC 8620 §5.1). */
export function pickProperties<T extends object>(
  object: T,
  properties: readonly string[] | null,
): Partial<T> {
  if (properties === null) return object;
  return Object.fromEntries(
    Object.entries(object).filter(([key]) => properties.includes(key)),
  ) as Partial<T>;
}

/**
 * The records found, in the order their ids were asked (every record found when `asked` is
 * null), and the ids asked that name none. `resolve` maps an asked id to the record id to look
 * for (e.g. a "#creationId"; null: nothing); notFound reports the id as asked.
 */
export function inAskedOrder<R>(
  asked: readonly string[] | null,
  found: readonly R[],
  idOf: (record: R) => string,
  resolve: (id: string) => string | null = (id) => id,
): { records: R[]; notFound: string[] } {
  if (asked === null) return { records: [...found], notFound: [] };
  const byId = new Map(found.map((record) => [idOf(record), record]));
  const records: R[] = [];
  const notFound: string[] = [];
  for (const id of asked) {
    const resolved = resolve(id);
    const record = resolved === null ? undefined : byId.get(resolved);
    if (record === undefined) notFound.push(id);
    else records.push(record);
  }
  return { records, notFound };
}

/** A Foo/get response: the records found as objects with the asked properties, and notFound. */
export function getResponse<R, T extends object>(fields: {
  accountId: string;
  state: string;
  /** The ids asked (null: every record in `found`). */
  ids: readonly string[] | null;
  found: readonly R[];
  idOf: (record: R) => string;
  toObject: (record: R) => T;
  properties: readonly string[] | null;
}): GetResponse<Partial<T>> {
  const { records, notFound } = inAskedOrder(fields.ids, fields.found, fields.idOf);
  return {
    accountId: fields.accountId,
    state: fields.state,
    list: records.map((record) => pickProperties(fields.toObject(record), fields.properties)),
    notFound,
  };
}

/** A Foo/query response over the full, sorted result ids: the window the client asked for. */
export function queryResponse(
  parsed: QueryArguments,
  fields: {
    queryState: string;
    ids: readonly string[];
    maxLimit: number;
    canCalculateChanges?: boolean;
  },
): QueryResponse {
  return buildQueryResponse({
    accountId: parsed.accountId,
    queryState: fields.queryState,
    canCalculateChanges: fields.canCalculateChanges ?? false,
    calculateTotal: parsed.calculateTotal,
    window: windowQueryResults([...fields.ids], parsed, fields.maxLimit),
  });
}

/**
 * How a type's /set is kept atomic with its ifInState and where its state comes from. Made by
 * `SyncStates.setState` (libs/db) for horizon states, by `exactStateSet` for states compared
 * as strings.
 */
export interface SetState {
  /**
   * Checks ifInState, then runs `write` with the state to report as oldState; with ifInState,
   * holding the account's state of `type` from the check until the writes have committed.
   */
  guarded<T>(
    accountId: string,
    type: string,
    ifInState: string | null,
    write: (oldState: string) => Promise<T>,
  ): Promise<T>;
  /** The state to report as newState, read after the writes. */
  current(): Promise<string>;
}

/** What holds an account's state of a type across a /set (IfInStateGuard in libs/db). */
export interface StateGuard {
  run<T>(
    accountId: string,
    type: string,
    ifInState: string | null,
    set: () => Promise<T>,
  ): Promise<T>;
}

/** A SetState for states that change exactly when the data does (a counter): compared as strings. */
export function exactStateSet(guard: StateGuard, read: () => Promise<string>): SetState {
  return {
    guarded: (accountId, type, ifInState, write) =>
      guard.run(accountId, type, ifInState, async () => {
        const oldState = await read();
        checkIfInState(ifInState, oldState);
        return write(oldState);
      }),
    current: read,
  };
}

/** A /set's outcome: its response (with any extension arguments) and the request's creation ids. */
export interface SetOutcome<T> {
  response: SetResponse<T> & Record<string, unknown>;
  createdIds: Record<string, string>;
}

/**
 * A Foo/set (RFC 8620 §5.3) of parsed arguments: `apply` (usually runSet over the type's
 * handlers) runs under `state.guarded`, then the response is built with the state read after
 * the writes. `extend` adds extension arguments to the response, computed after `apply`.
 */
export async function guardedSet<T>(
  parsed: SetArguments,
  options: {
    accountId: string;
    type: string;
    state: SetState;
    apply: (oldState: string) => Promise<SetResult<T>>;
    extend?: (result: SetResult<T>) => Promise<Record<string, unknown>>;
  },
): Promise<SetOutcome<T>> {
  return options.state.guarded(
    options.accountId,
    options.type,
    parsed.ifInState,
    async (oldState) => {
      const result = await options.apply(oldState);
      const extra = options.extend ? await options.extend(result) : {};
      return {
        response: {
          ...buildSetResponse({
            accountId: parsed.accountId,
            oldState,
            newState: await options.state.current(),
            result,
          }),
          ...extra,
        },
        createdIds: result.createdIds,
      };
    },
  );
}

/**
 * Handlers for a type whose objects the client only updates: create and destroy are refused as
 * `forbidden`, each with the reason given.
 */
export function updateOnly<T extends Record<string, unknown>>(
  update: SetHandlers<T>['update'],
  refusals: { create: string; destroy: string },
): SetHandlers<T> {
  return {
    create: () => Promise.reject(forbidden(refusals.create)),
    update,
    destroy: () => Promise.reject(forbidden(refusals.destroy)),
  };
}
