/**
 * Runs work for many callers at once: what arrives while a batch runs waits and goes into the
 * next one, so under load one call serves many items, and with no load an item runs at once
 * (or after `lingerMs`, for work nobody waits on: what arrives meanwhile joins it). One batch at
 * a time, items in arrival order. `run` answers each item (same order), or throws to fail the
 * whole batch.
 */
export class MicroBatcher<I, O> {
  private waiting: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] =
    [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index] as O));
      } catch (error: unknown) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running = false;
  }
}
