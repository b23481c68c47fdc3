import { randomBytes, randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

/** An opaque URL-safe random token (request ids, blob ids, refresh tokens). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

const requestIdPrefix = randomToken(6);
let requestCount = 0;

/**
 * A request id, unique across processes: a random prefix per process and a counter. Ids only
 * correlate log lines, so they need no randomness of their own; a random one per request was a
 * system call in every request's path.
 */
export function newRequestId(): string {
  requestCount += 1;
  return `${requestIdPrefix}${requestCount.toString(36)}`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuidPattern.test(value);
}
