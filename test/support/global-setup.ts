// Integration layer (jest globalSetup): a fresh migrated database `jchat_it_<random>`, a unique
// prefix and JWT secret, exported through process.env so the test workers inherit them.
import {
  cleanUpOnInterrupt,
  createIsolation,
  destroyIsolation,
  exportIsolation,
} from './isolation';
import { serverEnv } from './env';

export default async function globalSetup(): Promise<void> {
  serverEnv(); // fail first, and clearly, when the servers are not provided
  const isolation = await createIsolation('it');
  exportIsolation(isolation);
  process.env.JCHAT_TEST_DATABASE = isolation.database;
  globalThis.__JCHAT_IT_RELEASE__ = cleanUpOnInterrupt(() => destroyIsolation(isolation));
}

declare global {
  // Shared with global-teardown.ts: jest runs both in its main process.
  var __JCHAT_IT_RELEASE__: (() => void) | undefined;
}
