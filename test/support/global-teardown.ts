// Integration layer (jest globalTeardown): drops this run's database and removes its Redis keys
// and JetStream streams.
import { destroyIsolation } from './isolation';

export default async function globalTeardown(): Promise<void> {
  globalThis.__JCHAT_IT_RELEASE__?.();
  globalThis.__JCHAT_IT_RELEASE__ = undefined;
  const database = process.env.JCHAT_TEST_DATABASE;
  const prefix = process.env.JCHAT_PREFIX;
  const databaseUrl = process.env.DATABASE_URL;
  if (!database || !prefix || !databaseUrl) return; // the set-up failed before creating anything
  await destroyIsolation({ database, prefix, databaseUrl, jwtSecret: '' });
}
