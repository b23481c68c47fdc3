import { JmapMethodError } from './errors';

export interface QueryWindow {
  position: number;
  anchor: string | null;
  anchorOffset: number;
  limit: number | null;
}

export interface QueryWindowResult {
  ids: string[];
  /** Index in the full results of the first id returned. */
  position: number;
  total: number;
  /** Present only when the server's maximum replaced the client's limit. */
  limit?: number;
}

/** Selects the page of a query's full, sorted results that RFC 8620 §5.5 asks for. */
export function windowQueryResults(
  ids: readonly string[],
  window: QueryWindow,
  maxLimit: number,
): QueryWindowResult {
  const total = ids.length;
  const position =
    window.anchor === null
      ? positionFromStart(window.position, total)
      : positionFromAnchor(ids, window.anchor, window.anchorOffset);
  const limit = window.limit === null ? maxLimit : Math.min(window.limit, maxLimit);
  const page = { ids: ids.slice(position, position + limit), position, total };
  return limit === window.limit ? page : { ...page, limit };
}

function positionFromStart(position: number, total: number): number {
  // A negative position counts back from the end.
  return position < 0 ? Math.max(0, total + position) : position;
}

function positionFromAnchor(ids: readonly string[], anchor: string, anchorOffset: number): number {
  const index = ids.indexOf(anchor);
  if (index === -1) {
    throw new JmapMethodError('anchorNotFound', `"${anchor}" is not in the query results`);
  }
  return Math.max(0, index + anchorOffset);
}
