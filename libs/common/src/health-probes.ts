/** A dependency whose health /health/ready reports: PostgreSQL, Redis, NATS (JetStream). */
export type HealthProbeName = 'postgres' | 'redis' | 'nats';
export type ProbeState = 'up' | 'down';

const probes = new Map<HealthProbeName, () => Promise<unknown>>();

/**
 * Registers how this process checks one of its stores (one process runs one app, so the
 * registry is process-wide). Returns the unregister function, for module teardown.
 */
export function registerHealthProbe(
  name: HealthProbeName,
  check: () => Promise<unknown>,
): () => void {
  probes.set(name, check);
  return () => {
    if (probes.get(name) === check) probes.delete(name);
  };
}

export function hasHealthProbe(name: HealthProbeName): boolean {
  return probes.has(name);
}

/** Runs every registered probe at once; one that fails or takes over timeoutMs is 'down'. */
export async function runHealthProbes(
  timeoutMs: number,
): Promise<Partial<Record<HealthProbeName, ProbeState>>> {
  const results = await Promise.all(
    [...probes].map(async ([name, check]): Promise<[HealthProbeName, ProbeState]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, 'up'];
      } catch {
        return [name, 'down'];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(results);
}
