// Errors that mean "a data store cannot serve this right now" (PostgreSQL, Redis), as opposed
// to a bug: callers answer them with serverUnavailable / 503, which clients retry. Two kinds,
// told apart in logs and answers: the store is down or unreachable, or it is up but has no
// connection for us (every one this process may hold is in use, or the server takes no more):
// overload, which an operator meets with capacity, not with a restart.

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Prisma: cannot reach the server, server closed the connection, pool timeout.
  'P1001',
  'P1002',
  'P1017',
  // PostgreSQL: shutting down, starting up.
  '57P01',
  '57P02',
  '57P03',
]);

// Prisma: timed out waiting for a connection of its pool; PostgreSQL: too many connections.
const BUSY_CODES = new Set(['P2024', '53300']);

// @prisma/adapter-pg's error kinds for a server it cannot talk to.
const CONNECTION_KINDS = new Set([
  'ConnectionClosed',
  'DatabaseNotReachable',
  'SocketTimeout',
  'TlsConnectionError',
]);

const BUSY_KINDS = new Set(['TooManyConnections']);

const BUSY_MESSAGES = [
  // pg-pool, only while every connection is checked out (a new connection that does not come
  // up in time fails with "Connection terminated due to connection timeout" instead).
  /timeout exceeded when trying to connect/i,
  /Code: `53300`/, // Prisma's raw query failure text
];

const CONNECTION_MESSAGES = [
  /Connection is closed/i, // ioredis
  /Stream isn't writeable/i, // ioredis, offline queue disabled
  /max retries per request/i, // ioredis
  /Command timed out/i, // ioredis commandTimeout
  /Connection terminated/i, // pg
  /Server has closed the connection/i, // Prisma P1017
  /Can't reach database server/i, // Prisma
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /Code: `(57P0[123]|08[0-9A-Z]{3})`/, // Prisma's raw query failure text
  /terminating connection due to administrator command/i,
  /connect ECONNREFUSED/i,
];

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export type StoreFailure = 'busy' | 'unreachable';

/**
 * What an error (or one it wraps) says of a store: `unreachable` (down, not answering, closing
 * connections), `busy` (it answers, but no connection of this process was free in time, or the
 * server takes no more connections), or undefined for anything else (a query that failed, a bug).
 */
export function storeFailureOf(error: unknown, depth = 0): StoreFailure | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const code = codeOf(error);
  if (code && BUSY_CODES.has(code)) return 'busy';
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return 'unreachable';
  const kind = (error as { kind?: unknown }).kind;
  if (typeof kind === 'string' && BUSY_KINDS.has(kind)) return 'busy';
  if (typeof kind === 'string' && CONNECTION_KINDS.has(kind)) return 'unreachable';
  const name = (error as { name?: unknown }).name;
  if (name === 'MaxRetriesPerRequestError') return 'unreachable';
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    if (BUSY_MESSAGES.some((pattern) => pattern.test(message))) return 'busy';
    if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'unreachable';
  }
  const wrapped = error as { cause?: unknown; originalError?: unknown; meta?: unknown };
  return (
    storeFailureOf(wrapped.meta, depth + 1) ??
    storeFailureOf(wrapped.cause, depth + 1) ??
    storeFailureOf(wrapped.originalError, depth + 1)
  );
}

/** True for an error (or one it wraps) that says a store cannot serve now (see storeFailureOf). */
export function isStoreUnavailable(error: unknown): boolean {
  return storeFailureOf(error) !== undefined;
}

/** How a log line and an answer put a store failure. */
export function describeStoreFailure(failure: StoreFailure): string {
  return failure === 'busy'
    ? 'a data store is busy (every connection in use)'
    : 'a data store is unreachable';
}
