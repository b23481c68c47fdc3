/**
 * Concurrent callers asking for the same key share one run: the first caller starts it, the
 * others get its result or its error. The key is free again once the run settles, so nothing is
 * remembered: a later caller starts afresh. Make the key name everything the answer depends on
 * (e.g. the cache generations read before asking), so that no caller gets an answer older
 * than what it has already seen.
 */
export class SingleFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  run(key: string, start: () => Promise<V>): Promise<V> {
    const running = this.running.get(key);
    if (running) return running;
    const started = (async () => start())().finally(() => {
      if (this.running.get(key) === started) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }

  /** Runs in flight now. */
  get size(): number {
    return this.running.size;
  }
}
