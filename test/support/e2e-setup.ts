// End-to-end layer (jest globalSetup): the same isolation as the integration layer, then the
// whole system from dist/ on a free port. JCHAT_TEST_GATEWAY_URL tells the tests where it is.
import {
  cleanUpOnInterrupt,
  createIsolation,
  destroyIsolation,
  exportIsolation,
  type Isolation,
} from './isolation';
import { serverEnv } from './env';
import { startSystem, type System } from './system';

export interface E2eState {
  isolation: Isolation;
  system: System;
  release: () => void;
}

declare global {
  // Shared with e2e-teardown.ts: jest runs both in its main process.
  var __JCHAT_E2E__: E2eState | undefined;
}

export default async function e2eSetup(): Promise<void> {
  serverEnv(); // fail first, and clearly, when the servers are not provided
  const isolation = await createIsolation('e2e');
  exportIsolation(isolation);
  let system: System;
  try {
    // The main system uses the run's own prefix, so the tests can reach its Redis keys and
    // streams through JCHAT_PREFIX; the teardown cleans them with the database.
    system = await startSystem({ prefix: isolation.prefix });
  } catch (error) {
    await destroyIsolation(isolation).catch(() => undefined);
    throw error;
  }
  process.env.JCHAT_TEST_GATEWAY_URL = system.url;
  const release = cleanUpOnInterrupt(async () => {
    await system.stopAll().catch(() => undefined);
    await destroyIsolation(isolation);
  });
  globalThis.__JCHAT_E2E__ = { isolation, system, release };
}
