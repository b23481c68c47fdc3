/**
 * Typed, validated environment settings. A service builds its config once at
 * start-up; a missing or malformed setting stops it with every problem named.
 */
export interface Setting<T> {
  readonly describe: string;
  parse(raw: string | undefined): { value: T } | { problem: string };
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
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(spec)) {
    const parsed = setting.parse(env[name]);
    if ('problem' in parsed) problems.push(`${name}: ${parsed.problem} (${setting.describe})`);
    else values[name] = parsed.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Values<S>;
}

function present(raw: string | undefined): raw is string {
  return raw !== undefined && raw.trim() !== '';
}

export function str(describe: string, fallback?: string): Setting<string> {
  return {
    describe,
    parse: (raw) =>
      present(raw)
        ? { value: raw.trim() }
        : fallback !== undefined
          ? { value: fallback }
          : { problem: 'is required' },
  };
}

export function optionalStr(describe: string): Setting<string | undefined> {
  return { describe, parse: (raw) => ({ value: present(raw) ? raw.trim() : undefined }) };
}

export function url(describe: string, protocols: string[], fallback?: string): Setting<string> {
  return {
    describe,
    parse: (raw) => {
      const value = present(raw) ? raw.trim() : fallback;
      if (value === undefined) return { problem: 'is required' };
      try {
        const parsed = new URL(value);
        if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
          return { problem: `must use one of ${protocols.join(', ')}, got ${parsed.protocol}` };
        }
        return { value };
      } catch {
        return { problem: `is not a URL` };
      }
    },
  };
}

export function optionalUrl(describe: string, protocols: string[]): Setting<string | undefined> {
  const inner = url(describe, protocols);
  return { describe, parse: (raw) => (present(raw) ? inner.parse(raw) : { value: undefined }) };
}

export function int(describe: string, fallback: number, min: number, max: number): Setting<number> {
  return {
    describe,
    parse: (raw) => {
      if (!present(raw)) return { value: fallback };
      if (!/^-?\d+$/.test(raw.trim())) return { problem: `must be an integer, got "${raw}"` };
      const value = Number(raw);
      if (value < min || value > max) return { problem: `must be between ${min} and ${max}` };
      return { value };
    },
  };
}

export function secret(describe: string, minLength: number): Setting<string> {
  return {
    describe,
    parse: (raw) =>
      !present(raw)
        ? { problem: 'is required' }
        : raw.length < minLength
          ? { problem: `must be at least ${minLength} characters` }
          : { value: raw },
  };
}

export function prefix(describe: string): Setting<string> {
  return {
    describe,
    parse: (raw) => {
      const value = present(raw) ? raw.trim() : 'jchat';
      return /^[a-zA-Z][a-zA-Z0-9_-]{0,31}$/.test(value)
        ? { value }
        : { problem: 'must be letters, digits, _ or -, starting with a letter (max 32)' };
    },
  };
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
