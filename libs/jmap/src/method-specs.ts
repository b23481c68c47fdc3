// A data type's standard methods (RFC 8620 §5) declared by what is its own, the common flow
// (argument parsing, state read before the data, list and notFound in the order asked,
// property filtering, query windows, the guarded /set and its response) written once here.
import { type GetArguments, parseGetArguments } from './get-arguments';
import { resolveCreationReference } from './id';
import {
  parseQueryArguments,
  type QueryArgumentOptions,
  type QueryArguments,
} from './query-arguments';
import { parseSetArguments, type SetArguments } from './set-arguments';
import { runSet, type SetHandlers, type SetResult, type SetRunOptions } from './set-runner';
import {
  exactStateSet,
  getResponse,
  guardedSet,
  queryResponse,
  type SetOutcome,
  type SetState,
  type StateGuard,
} from './standard-handlers';

/** What every method of the API is called with (JmapMethodContext in libs/contracts has more). */
export interface MethodContext {
  userId: string;
  /** The request's creation ids so far (RFC 8620 §5.3). */
  createdIds: Record<string, string>;
}

/** A method's answer: its response and the creation ids it added (from /set creates). */
export interface MethodOutcome {
  response: object;
  createdIds?: Record<string, string>;
}

export type Method<C extends MethodContext> = (
  args: Record<string, unknown>,
  ctx: C,
) => Promise<MethodOutcome>;

/** Foo/get of records R: how they are found and shown; the state is read before they are. */
export interface GetSpec<R, C extends MethodContext> {
  knownProperties: readonly string[];
  maxObjectsInGet: number;
  state(): Promise<string>;
  /**
   * The records of these ids the caller may see (creation references resolved, unresolved ones
   * left out); with null, every record the caller may see. May throw a JmapMethodError (e.g.
   * requestTooLarge when null would list too many).
   */
  find(ids: string[] | null, ctx: C): Promise<readonly R[]>;
  idOf(record: R): string;
  toObject(record: R, ctx: C): object;
  /** The ids to answer for when the client gives none (default: every record found). */
  defaultIds?(ctx: C): string[];
}

export function getMethod<R, C extends MethodContext>(spec: GetSpec<R, C>): Method<C> {
  return async (args, ctx) => {
    const parsed: GetArguments = parseGetArguments(args, spec);
    const state = await spec.state();
    const asked = parsed.ids ?? spec.defaultIds?.(ctx) ?? null;
    const resolved = asked?.map((id) => resolveCreationReference(id, ctx.createdIds));
    const found = await spec.find(resolved?.flatMap((id) => id ?? []) ?? null, ctx);
    return {
      response: getResponse({
        accountId: parsed.accountId,
        state,
        // Listed by the id asked; a creation reference stands for the id it resolves to.
        ids: asked?.map((id, index) => resolved?.[index] ?? id) ?? null,
        found,
        idOf: spec.idOf,
        toObject: (record) => spec.toObject(record, ctx),
        properties: parsed.properties,
      }),
    };
  };
}

/** Foo/query: the full sorted result ids (the window is cut here); state read before them. */
export interface QuerySpec<C extends MethodContext> extends QueryArgumentOptions {
  /** The most ids one answer returns. */
  maxLimit: number;
  canCalculateChanges?: boolean;
  state(): Promise<string>;
  /** Every result id in order; validates the filter and sort (invalidArguments, unsupportedFilter...). */
  ids(parsed: QueryArguments, ctx: C): Promise<readonly string[]>;
}

export function queryMethod<C extends MethodContext>(spec: QuerySpec<C>): Method<C> {
  return async (args, ctx) => {
    const parsed = parseQueryArguments(args, spec);
    const queryState = await spec.state();
    const ids = await spec.ids(parsed, ctx);
    return {
      response: queryResponse(parsed, {
        queryState,
        ids,
        maxLimit: spec.maxLimit,
        canCalculateChanges: spec.canCalculateChanges,
      }),
    };
  };
}

/** Foo/set of a type: its writes, run under the type's SetState (ifInState, oldState, newState). */
export interface SetSpec<T, C extends MethodContext> {
  type: string;
  maxObjectsInSet: number;
  extraArguments?: readonly string[];
  state(ctx: C): SetState;
  /** The writes (usually runSet over the type's handlers with ctx.createdIds). */
  apply(parsed: SetArguments, ctx: C): Promise<SetResult<T>>;
  /** Extension arguments of the response, computed after the writes. */
  extend?(parsed: SetArguments, result: SetResult<T>, ctx: C): Promise<Record<string, unknown>>;
}

export function setMethod<T, C extends MethodContext>(spec: SetSpec<T, C>): Method<C> {
  return (args, ctx): Promise<SetOutcome<T>> => {
    const parsed = parseSetArguments(args, spec);
    const { extend } = spec;
    return guardedSet(parsed, {
      accountId: ctx.userId,
      type: spec.type,
      state: spec.state(ctx),
      apply: () => spec.apply(parsed, ctx),
      extend: extend && ((result) => extend(parsed, result, ctx)),
    });
  };
}

/** The server's limits on /get and /set (the `JMAP_MAX_*` settings every service loads). */
export interface MethodLimits {
  JMAP_MAX_OBJECTS_IN_GET: number;
  JMAP_MAX_OBJECTS_IN_SET: number;
}

/**
 * Where a type's state comes from, how its /set is guarded and, where it has one, its /changes:
 * `SyncStates.typeSync` (libs/db) for horizon states, `exactSync` for counters.
 */
export interface TypeSync<C extends MethodContext> {
  /** The type's state (read before the data by /get and /query). */
  state(): Promise<string>;
  setState(ctx: C): SetState;
  changes?: Method<C>;
}

/** A SetSpec without what the type definition gives: its writes, as handlers or as a whole. */
export type SetDefinition<T extends Record<string, unknown>, C extends MethodContext> = Pick<
  SetSpec<T, C>,
  'extraArguments' | 'extend'
> &
  (
    | { apply: SetSpec<T, C>['apply'] }
    | {
        /** The handlers runSet calls, for this call (which may check `parsed` first). */
        handlers(ctx: C, parsed: SetArguments): SetHandlers<T>;
        runOptions?: SetRunOptions;
      }
  );

/**
 * A data type's methods, declared once: the limits, its sync (state, /set guard, /changes), what
 * is its own in /get, /query and /set, and any method of its own (`queryChanges`, ...).
 */
export interface TypeDefinition<R, T extends Record<string, unknown>, C extends MethodContext>
  extends TypeSync<C> {
  limits: MethodLimits;
  get?: Omit<GetSpec<R, C>, 'state' | 'maxObjectsInGet'>;
  query?: Omit<QuerySpec<C>, 'state'>;
  set?: SetDefinition<T, C>;
  /** Methods of the type written whole (`queryChanges`, extensions). */
  other?: Record<string, Method<C>>;
}

/** The methods of a data type by their full names (`Foo/get`, `Foo/set`, ...), to register. */
export function standardMethods<R, T extends Record<string, unknown>, C extends MethodContext>(
  type: string,
  definition: TypeDefinition<R, T, C>,
): Record<string, Method<C>> {
  const { limits, state, get, query, set } = definition;
  const methods: Record<string, Method<C>> = {};
  if (get) {
    methods['get'] = getMethod({ ...get, state, maxObjectsInGet: limits.JMAP_MAX_OBJECTS_IN_GET });
  }
  if (query) methods['query'] = queryMethod({ ...query, state });
  if (set) {
    const apply: SetSpec<T, C>['apply'] =
      'apply' in set
        ? set.apply
        : (parsed, ctx) =>
            runSet(parsed, set.handlers(ctx, parsed), ctx.createdIds, set.runOptions);
    methods['set'] = setMethod<T, C>({
      type,
      maxObjectsInSet: limits.JMAP_MAX_OBJECTS_IN_SET,
      extraArguments: set.extraArguments,
      extend: set.extend,
      state: (ctx) => definition.setState(ctx),
      apply,
    });
  }
  if (definition.changes) methods['changes'] = definition.changes;
  Object.assign(methods, definition.other);
  return Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [`${type}/${name}`, method]),
  );
}

/** The TypeSync of a type whose state is a counter, compared as a string (see exactStateSet). */
export function exactSync<C extends MethodContext>(
  guard: StateGuard,
  state: () => Promise<string>,
): TypeSync<C> {
  return { state, setState: () => exactStateSet(guard, state) };
}

/** A service's create, update and destroy of a type's objects, each done for an actor. */
export interface ObjectWriter<A, T> {
  create(actor: A, object: Record<string, unknown>): Promise<{ id: string; serverSet: T }>;
  update(actor: A, id: string, patch: Record<string, unknown>): Promise<T | null>;
  destroy(actor: A, id: string): Promise<void>;
}

/** SetHandlers that hand each object of a /set to the writer, for the actor. */
export function writerHandlers<A, T extends Record<string, unknown>>(
  writer: ObjectWriter<A, T>,
  actor: A,
): SetHandlers<T> {
  return {
    create: (_creationId, object) => writer.create(actor, object),
    update: (id, patch) => writer.update(actor, id, patch),
    destroy: (id) => writer.destroy(actor, id),
  };
}
