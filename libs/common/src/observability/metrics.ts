import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

export { Counter, Gauge, Histogram };

/** Seconds: from a cached read (1 ms) to a call that times out (the gateway waits 5 s). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

let started = false;

/**
 * The process's own metrics (event-loop lag, heap, GC, handles, CPU) and an `app` label on
 * every metric of the process. Once per process, at start-up (never in tests importing a lib).
 */
export function startProcessMetrics(app: string): void {
  if (started) return;
  started = true;
  register.setDefaultLabels({ app });
  collectDefaultMetrics();
}

/** Every metric of the process in the Prometheus text format. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

/**
 * A counter kept in plain numbers by the hot path (a property increment per event, no label
 * lookup) and copied into Prometheus's counter when scraped. `read` returns [labels, total].
 */
export function scrapedCounter<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[] },
  read: () => Iterable<readonly [Record<L, string>, number]>,
): Counter<L> {
  return new Counter<L>({
    ...config,
    collect(this: Counter<L>) {
      this.reset();
      for (const [labels, total] of read()) this.inc(labels, total);
    },
  });
}

/** A gauge read when scraped (sizes of sets, pools, queues). */
export function scrapedGauge<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[] },
  read: () =>
    | Iterable<readonly [Record<L, string>, number]>
    | Promise<Iterable<readonly [Record<L, string>, number]>>,
): Gauge<L> {
  return new Gauge<L>({
    ...config,
    async collect(this: Gauge<L>) {
      this.reset();
      for (const [labels, value] of await read()) this.set(labels, value);
    },
  });
}
