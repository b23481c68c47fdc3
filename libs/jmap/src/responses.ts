import type { SetError } from './errors';
import type { AddedItem, QueryChanges } from './query-changes';
import type { QueryWindowResult } from './query-window';
import type { SetResult } from './set-runner';

/** Foo/get response (RFC 8620 §5.1). */
export interface GetResponse<T> {
  accountId: string;
  state: string;
  list: T[];
  notFound: string[];
}

/** Foo/changes response (RFC 8620 §5.2). */
export interface ChangesResponse {
  accountId: string;
  oldState: string;
  newState: string;
  hasMoreChanges: boolean;
  created: string[];
  updated: string[];
  destroyed: string[];
}

/**
 * Foo/set response (RFC 8620 §5.3); every empty map or list is null. T is the shape of the
 * server-set properties reported for created and updated objects.
 */
export interface SetResponse<T> {
  accountId: string;
  oldState: string | null;
  newState: string;
  created: Record<string, T & { id: string }> | null;
  updated: Record<string, T | null> | null;
  destroyed: string[] | null;
  notCreated: Record<string, SetError> | null;
  notUpdated: Record<string, SetError> | null;
  notDestroyed: Record<string, SetError> | null;
}

/** Foo/query response (RFC 8620 §5.5). */
export interface QueryResponse {
  accountId: string;
  queryState: string;
  canCalculateChanges: boolean;
  position: number;
  ids: string[];
  total?: number;
  limit?: number;
}

/** Foo/queryChanges response (RFC 8620 §5.6). */
export interface QueryChangesResponse {
  accountId: string;
  oldQueryState: string;
  newQueryState: string;
  total?: number;
  removed: string[];
  added: AddedItem[];
}

export function buildSetResponse<T>(fields: {
  accountId: string;
  oldState: string | null;
  newState: string;
  result: Omit<SetResult<T>, 'createdIds'>;
}): SetResponse<T> {
  const { result } = fields;
  return {
    accountId: fields.accountId,
    oldState: fields.oldState,
    newState: fields.newState,
    created: nullIfEmpty(result.created),
    updated: nullIfEmpty(result.updated),
    destroyed: result.destroyed.length > 0 ? result.destroyed : null,
    notCreated: nullIfEmpty(result.notCreated),
    notUpdated: nullIfEmpty(result.notUpdated),
    notDestroyed: nullIfEmpty(result.notDestroyed),
  };
}

/** "total" is included only when the client asked for it, "limit" only when the server set it. */
export function buildQueryResponse(fields: {
  accountId: string;
  queryState: string;
  canCalculateChanges: boolean;
  calculateTotal: boolean;
  window: QueryWindowResult;
}): QueryResponse {
  const { window } = fields;
  return {
    accountId: fields.accountId,
    queryState: fields.queryState,
    canCalculateChanges: fields.canCalculateChanges,
    position: window.position,
    ids: window.ids,
    ...(fields.calculateTotal ? { total: window.total } : {}),
    ...(window.limit === undefined ? {} : { limit: window.limit }),
  };
}

/** "total" is included only when the client asked for it. */
export function buildQueryChangesResponse(fields: {
  accountId: string;
  oldQueryState: string;
  newQueryState: string;
  calculateTotal: boolean;
  total: number;
  changes: QueryChanges;
}): QueryChangesResponse {
  return {
    accountId: fields.accountId,
    oldQueryState: fields.oldQueryState,
    newQueryState: fields.newQueryState,
    ...(fields.calculateTotal ? { total: fields.total } : {}),
    removed: fields.changes.removed,
    added: fields.changes.added,
  };
}

function nullIfEmpty<V>(map: Record<string, V>): Record<string, V> | null {
  return Object.keys(map).length > 0 ? map : null;
}
