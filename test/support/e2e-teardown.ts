// End-to-end layer (jest globalTeardown): stops the system, drops the database, removes the
// Redis keys and JetStream streams of the run's prefix.
import { destroyIsolation } from './isolation';

export default async function e2eTeardown(): Promise<void> {
  const state = globalThis.__JCHAT_E2E__;
  if (!state) return; // the set-up failed and cleaned up after itself
  globalThis.__JCHAT_E2E__ = undefined;
  state.release();
  try {
    await state.system.stopAll();
  } finally {
    await destroyIsolation(state.isolation);
  }
}
