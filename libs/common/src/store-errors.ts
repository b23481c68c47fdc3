// Errors that mean "a data store is down or unreachable right now" (PostgreSQL, Redis), as
// opposed to a bug: callers answer them with serverUnavailable / 503, which clients retry.

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
  'P2024',
  // PostgreSQL: shutting down, starting up, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// @prisma/adapter-pg's error kinds for a server it cannot talk to.
const CONNECTION_KINDS = new Set([
  'ConnectionClosed',
  'DatabaseNotReachable',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);

const CONNECTION_MESSAGES = [
  /Connection is closed/i, // ioredis
  /Stream isn't writeable/i, // ioredis, offline queue disabled
  /max retries per request/i, // ioredis
  /Command timed out/i, // ioredis commandTimeout
  /Connection terminated/i, // pg
  /Server has closed the connection/i, // Prisma P1017
  /timeout exceeded when trying to connect/i, // pg pool
  /Can't reach database server/i, // Prisma
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /Code: `(57P0[123]|08[0-9A-Z]{3}|53300)`/, // Prisma's raw query failure text
  /terminating connection due to administrator command/i,
  /connect ECONNREFUSED/i,
];

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for an error (or one it wraps) that says a store is unreachable, not that a query failed. */
export function isStoreUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const code = codeOf(error);
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const kind = (error as { kind?: unknown }).kind;
  if (typeof kind === 'string' && CONNECTION_KINDS.has(kind)) return true;
  const name = (error as { name?: unknown }).name;
  if (name === 'MaxRetriesPerRequestError') return true;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message)))
    return true;
  const wrapped = error as { cause?: unknown; originalError?: unknown; meta?: unknown };
  return (
    isStoreUnavailable(wrapped.meta, depth + 1) ||
    isStoreUnavailable(wrapped.cause, depth + 1) ||
    isStoreUnavailable(wrapped.originalError, depth + 1)
  );
}
