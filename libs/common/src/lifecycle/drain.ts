/**
 * What a process finishes before it closes its stores on shutdown (e.g. JetStream consumers:
 * take no new events, wait until the ones being handled are acked). One process runs one app,
 * so the registry is process-wide, as the health probes' is.
 */
const steps = new Set<() => Promise<void>>();

/** Registers a drain step; returns the function that unregisters it. */
export function registerDrainStep(step: () => Promise<void>): () => void {
  steps.add(step);
  return () => {
    steps.delete(step);
  };
}

/** Runs every registered step at once; resolves when all have ended (failed ones included). */
export async function runDrainSteps(): Promise<void> {
  await Promise.allSettled([...steps].map((step) => step()));
}
