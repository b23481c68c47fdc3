/**
 * Typed, validated environment settings, as zod schemas. A service builds its config once at
 * start-up; a missing or malformed setting stops it with every problem named, each as
 * `NAME: problem (what the setting is)`.
 */
import { z } from 'zod';

/** What a setting receives: the raw environment value (absent or blank means unset). */
type Raw = string | undefined;

export interface Setting<T> {
  readonly describe: string;
  /** Parses the raw value; its issues' messages are the problems shown to operators. */
  readonly schema: z.ZodType<T, Raw>;
  /** One value on its own: the parsed value or the first problem. */
  parse(raw: Raw): { value: T } | { problem: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Values<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export function loadConfig<S extends Record<string, Setting<unknown>>>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
): Values<S> {
  const shape = Object.fromEntries(Object.entries(spec).map(([name, s]) => [name, s.schema]));
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data as Values<S>;
  const problems = new Map<string, string>(); // the first problem of each setting, in spec order
  for (const issue of result.error.issues) {
    const name = String(issue.path[0]);
    if (!problems.has(name)) problems.set(name, issue.message);
  }
  throw new ConfigError(
    Object.keys(spec)
      .filter((name) => problems.has(name))
      .map((name) => `${name}: ${problems.get(name)} (${spec[name]?.describe ?? name})`),
  );
}

function setting<T>(describe: string, schema: z.ZodType<T, Raw>): Setting<T> {
  return {
    describe,
    schema,
    parse(raw) {
      const result = schema.safeParse(raw);
      return result.success
        ? { value: result.data }
        : { problem: result.error.issues[0]?.message ?? 'is invalid' };
    },
  };
}

/** The raw value trimmed; blank counts as unset. */
const trimmed = z
  .string()
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));

/** A trimmed value, `fallback` when unset, else required. */
function given(fallback?: string) {
  const value = z.string({ error: 'is required' });
  return trimmed.pipe(fallback === undefined ? value : value.default(fallback));
}

export function str(describe: string, fallback?: string): Setting<string> {
  return setting(describe, given(fallback));
}

export function optionalStr(describe: string): Setting<string | undefined> {
  return setting(describe, trimmed);
}

function urlSchema(protocols: string[]) {
  const protocolOf = (value: string) => new URL(value).protocol;
  return z
    .string()
    .refine((value) => URL.canParse(value), { error: 'is not a URL', abort: true })
    .refine((value) => protocols.includes(protocolOf(value).replace(/:$/, '')), {
      error: (issue) =>
        `must use one of ${protocols.join(', ')}, got ${protocolOf(issue.input as string)}`,
    });
}

export function url(describe: string, protocols: string[], fallback?: string): Setting<string> {
  return setting(describe, given(fallback).pipe(urlSchema(protocols)));
}

export function optionalUrl(describe: string, protocols: string[]): Setting<string | undefined> {
  return setting(describe, trimmed.pipe(urlSchema(protocols).optional()));
}

export function int(describe: string, fallback: number, min: number, max: number): Setting<number> {
  const range = `must be between ${min} and ${max}`;
  const integer = z
    .string()
    .regex(/^-?\d+$/, { error: (issue) => `must be an integer, got "${String(issue.input)}"` })
    .transform(Number)
    .pipe(z.number().min(min, range).max(max, range));
  return setting(
    describe,
    trimmed.pipe(integer.optional()).transform((v) => v ?? fallback),
  );
}

export function secret(describe: string, minLength: number): Setting<string> {
  return setting(
    describe,
    z
      .string()
      .optional()
      .refine((raw) => raw !== undefined && raw.trim() !== '', {
        error: 'is required',
        abort: true,
      })
      .pipe(z.string().min(minLength, `must be at least ${minLength} characters`)),
  );
}

export function prefix(describe: string): Setting<string> {
  const problem = 'must be letters, digits, _ or -, starting with a letter (max 32)';
  return setting(
    describe,
    given('jchat').pipe(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/, problem)),
  );
}

/** Settings every process needs to reach the shared infrastructure. */
export const infrastructureSettings = {
  DATABASE_URL: url('PostgreSQL connection URL', ['postgres', 'postgresql']),
  NATS_URL: url('NATS server URL', ['nats', 'tls'], 'nats://127.0.0.1:4222'),
  REDIS_URL: url('Redis URL', ['redis', 'rediss'], 'redis://127.0.0.1:6379'),
  JCHAT_PREFIX: prefix('prefix of NATS subjects, JetStream streams and Redis keys'),
};

/** Settings of every process's observability HTTP server and of its shutdown. */
export const observabilitySettings = {
  OBSERVABILITY_PORT: int(
    'port of the /metrics, /health and /health/ready server (0: none, e.g. many processes on one host)',
    0,
    0,
    65535,
  ),
  OBSERVABILITY_HOST: optionalStr('address the observability server listens on (default: all)'),
  SHUTDOWN_GRACE_MS: int(
    'on SIGTERM, how long in-flight requests and events may take before the process stops anyway',
    10_000,
    0,
    600_000,
  ),
};
