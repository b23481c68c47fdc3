/**
 * Errors that cross NATS. A handler throws a DomainException; the service's RPC
 * filter sends `RemoteErrorBody`; the caller's bus client throws `RemoteError`.
 */
export type DomainErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface RemoteErrorBody {
  code: DomainErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class DomainException extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainException';
  }

  toBody(): RemoteErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Thrown by the bus client when the service answered with an error. */
export class RemoteError extends DomainException {
  constructor(body: RemoteErrorBody) {
    super(body.code, body.message, body.details);
    this.name = 'RemoteError';
  }
}

/** Thrown by the bus client when no instance of the service answered in time. */
export class ServiceUnavailableError extends Error {
  constructor(readonly subject: string) {
    super(`no answer on ${subject}`);
    this.name = 'ServiceUnavailableError';
  }
}

const codes: ReadonlySet<string> = new Set<DomainErrorCode>([
  'invalid_argument',
  'not_found',
  'conflict',
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'unavailable',
  'internal',
]);

export function isRemoteErrorBody(value: unknown): value is RemoteErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    codes.has((value as { code: string }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
