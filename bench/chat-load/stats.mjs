// Small numeric helpers of the chat-load benchmark: latency samples and rounding.

export const round1 = (value) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);
export const round2 = (value) => (Number.isFinite(value) ? Math.round(value * 100) / 100 : null);

/** Latencies in ms, kept in one preallocated array (at most `capacity`; the rest only counted). */
export class Latencies {
  constructor(capacity) {
    this.values = new Float64Array(capacity);
    this.count = 0;
    this.dropped = 0;
  }

  add(ms) {
    if (this.count < this.values.length) this.values[this.count++] = ms;
    else this.dropped += 1;
  }

  /** {n, p50_ms, p95_ms, p99_ms, max_ms}: nulls when empty. */
  summary() {
    const n = this.count;
    const sorted = this.values.subarray(0, n).sort();
    const at = (p) => (n === 0 ? null : round2(sorted[Math.min(n - 1, Math.floor(p * n))]));
    return {
      n: n + this.dropped,
      p50_ms: at(0.5),
      p95_ms: at(0.95),
      p99_ms: at(0.99),
      max_ms: n === 0 ? null : round2(sorted[n - 1]),
    };
  }
}

/** Counts by kind, e.g. refusals: {"request:limit": 3, "method:serverFail": 9}. */
export class Tally {
  constructor() {
    this.counts = {};
  }

  add(kind, by = 1) {
    this.counts[kind] = (this.counts[kind] ?? 0) + by;
  }

  total() {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }

  /** A new tally of both. */
  merge(other) {
    const merged = new Tally();
    for (const tally of [this, other]) {
      for (const [kind, n] of Object.entries(tally.counts)) merged.add(kind, n);
    }
    return merged;
  }
}

export const now = () => performance.timeOrigin + performance.now();
export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs fn over items with at most `concurrency` at once; returns {ok, errors: Tally}. */
export async function pool(items, concurrency, fn) {
  let next = 0;
  let ok = 0;
  const errors = new Tally();
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
        ok += 1;
      } catch (error) {
        errors.add(String(error?.message ?? error).slice(0, 120));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { ok, errors };
}
