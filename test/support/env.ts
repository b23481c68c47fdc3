// Typed access to the test environment. npm test (scripts/test.mjs) provides the servers;
// the jest global set-ups (global-setup.ts, e2e-setup.ts) add the per-run isolation.

const HOW = 'run the tests through npm test / npm run test:integration / npm run test:e2e';

function required(name: string, what: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} (${what}) is not set: ${HOW}`);
  return value;
}

/** PostgreSQL URL with the right to create and drop databases (scripts/test.mjs sets it). */
export const pgAdminUrl = (): string => required('JCHAT_TEST_PG_ADMIN_URL', 'PostgreSQL admin URL');
export const natsUrl = (): string => required('NATS_URL', 'NATS server URL');
export const redisUrl = (): string => required('REDIS_URL', 'Redis URL');
/** This run's database (created by the global set-up). */
export const databaseUrl = (): string =>
  required('DATABASE_URL', "this run's database, made by the global set-up");
/** This run's NATS subject / JetStream stream / Redis key prefix. */
export const prefix = (): string =>
  required('JCHAT_PREFIX', "this run's NATS/Redis prefix, set by the global set-up");
export const jwtSecret = (): string =>
  required('JWT_SECRET', "this run's JWT secret, set by the global set-up");
/** Base URL of the gateway the e2e set-up started, e.g. http://127.0.0.1:41234. */
export const gatewayUrl = (): string =>
  required('JCHAT_TEST_GATEWAY_URL', 'gateway URL, set by the e2e set-up');

export interface ServerEnv {
  pgAdminUrl: string;
  natsUrl: string;
  redisUrl: string;
}

/** The three servers, checked together so one error names everything missing. */
export function serverEnv(): ServerEnv {
  const missing = ['JCHAT_TEST_PG_ADMIN_URL', 'NATS_URL', 'REDIS_URL'].filter(
    (name) => !process.env[name]?.trim(),
  );
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not set: ${HOW}`);
  return { pgAdminUrl: pgAdminUrl(), natsUrl: natsUrl(), redisUrl: redisUrl() };
}

export interface RunEnv extends ServerEnv {
  databaseUrl: string;
  prefix: string;
  jwtSecret: string;
}

/** Everything an integration test needs: the servers plus this run's isolation. */
export function runEnv(): RunEnv {
  return { ...serverEnv(), databaseUrl: databaseUrl(), prefix: prefix(), jwtSecret: jwtSecret() };
}
