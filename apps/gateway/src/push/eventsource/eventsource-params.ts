import { DomainException } from '@jchat/contracts';

/** The server's bounds for `ping` (RFC 8620 §7.3 allows a minimum up to 30 s, a maximum from 300 s). */
export const MIN_PING_SECONDS = 5;
export const MAX_PING_SECONDS = 600;

export interface EventSourceParams {
  /** null: every type ("*"). */
  types: ReadonlySet<string> | null;
  closeAfterState: boolean;
  /** Seconds between pings; 0 for none. */
  pingSeconds: number;
}

function single(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw invalid('each parameter may be given once');
}

function invalid(message: string): DomainException {
  return new DomainException('invalid_argument', message);
}

/** Parses `types`, `closeafter` and `ping` (absent ones: every type, "no", no pings). */
export function parseEventSourceParams(query: Record<string, unknown>): EventSourceParams {
  const types = single(query['types'])?.trim() ?? '*';
  const closeAfter = single(query['closeafter']) ?? 'no';
  const ping = single(query['ping']) ?? '0';
  if (closeAfter !== 'state' && closeAfter !== 'no')
    throw invalid('closeafter must be "state" or "no"');
  if (!/^\d{1,9}$/.test(ping)) throw invalid('ping must be a non-negative integer (seconds)');
  const seconds = Number(ping);
  const names = types === '*' || types === '' ? null : types.split(',').map((name) => name.trim());
  if (names !== null && names.some((name) => !/^[A-Za-z]+$/.test(name))) {
    throw invalid('types must be "*" or a comma-separated list of type names');
  }
  return {
    types: names === null ? null : new Set(names),
    closeAfterState: closeAfter === 'state',
    pingSeconds:
      seconds === 0 ? 0 : Math.min(MAX_PING_SECONDS, Math.max(MIN_PING_SECONDS, seconds)),
  };
}
