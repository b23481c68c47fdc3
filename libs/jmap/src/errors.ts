import type { Invocation } from './types';

/** Method-level error types (RFC 8620 §3.6.2 and §5). */
export const JMAP_METHOD_ERROR_TYPES = [
  'serverUnavailable',
  'serverFail',
  'serverPartialFail',
  'unknownMethod',
  'invalidArguments',
  'invalidResultReference',
  'forbidden',
  'accountNotFound',
  'accountNotSupportedByMethod',
  'accountReadOnly',
  'requestTooLarge',
  'cannotCalculateChanges',
  'stateMismatch',
  'anchorNotFound',
  'unsupportedSort',
  'unsupportedFilter',
  'tooManyChanges',
  'fromAccountNotFound',
  'fromAccountNotSupportedByMethod',
  'limit',
] as const;

export type JmapMethodErrorType = (typeof JMAP_METHOD_ERROR_TYPES)[number];

/** Aborts one method call; becomes an ["error", {...}, callId] response. */
export class JmapMethodError extends Error {
  override readonly name = 'JmapMethodError';

  constructor(
    readonly type: JmapMethodErrorType,
    readonly description?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description === undefined ? type : `${type}: ${description}`);
  }

  toResponseArgs(): Record<string, unknown> {
    // `type` goes last so that `extra` can never overwrite it.
    return {
      ...this.extra,
      ...(this.description === undefined ? {} : { description: this.description }),
      type: this.type,
    };
  }

  toInvocation(callId: string): Invocation {
    return ['error', this.toResponseArgs(), callId];
  }
}

/** Per-object error types of /set (RFC 8620 §5.3). */
export type SetErrorType =
  | 'forbidden'
  | 'overQuota'
  | 'tooLarge'
  | 'rateLimit'
  | 'notFound'
  | 'invalidPatch'
  | 'willDestroy'
  | 'invalidProperties'
  | 'singleton'
  | 'alreadyExists';

export interface SetError {
  type: SetErrorType;
  description?: string;
  properties?: string[];
  existingId?: string;
  /** With rateLimit: how long to wait before trying again. */
  retryAfterMs?: number;
}

/** Thrown by per-object /set code; the set runner turns it into a notCreated/notUpdated/notDestroyed entry. */
export class SetErrorException extends Error {
  override readonly name = 'SetErrorException';

  constructor(readonly setError: SetError) {
    super(
      setError.description === undefined
        ? setError.type
        : `${setError.type}: ${setError.description}`,
    );
  }
}

export const RequestErrorTypes = {
  unknownCapability: 'urn:ietf:params:jmap:error:unknownCapability',
  notJSON: 'urn:ietf:params:jmap:error:notJSON',
  notRequest: 'urn:ietf:params:jmap:error:notRequest',
  limit: 'urn:ietf:params:jmap:error:limit',
} as const;

/** Request-level error types (RFC 8620 §3.6.1). */
export type RequestErrorType = (typeof RequestErrorTypes)[keyof typeof RequestErrorTypes];

/** RFC 7807 problem details body of a request-level error. */
export interface RequestProblem {
  type: RequestErrorType;
  status: number;
  detail: string;
  limit?: string;
}

/** Rejects a whole API request with an HTTP error (RFC 8620 §3.6.1). */
export class JmapRequestError extends Error {
  override readonly name = 'JmapRequestError';
  readonly status: number;
  /** Name of the capability limit that was exceeded; set for the `limit` type. */
  readonly limit?: string;

  constructor(
    readonly type: RequestErrorType,
    readonly detail: string,
    options: { limit?: string; status?: number } = {},
  ) {
    super(`${type}: ${detail}`);
    this.status = options.status ?? 400;
    if (options.limit !== undefined) this.limit = options.limit;
  }

  toProblem(): RequestProblem {
    return {
      type: this.type,
      status: this.status,
      detail: this.detail,
      ...(this.limit === undefined ? {} : { limit: this.limit }),
    };
  }
}
