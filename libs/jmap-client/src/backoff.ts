// Reconnect delays: exponential, capped, with jitter so that many clients cut off together do
// not all come back in the same instant.

export interface BackoffOptions {
  /** First delay (attempt 0), in ms. */
  initialMs: number;
  /** Cap, in ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Share of the delay that is random, 0..1 (0.5: between half and the whole delay). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/** The delay before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
