/**
 * Shares one read among concurrent callers without ever handing out a stale answer: every
 * caller gets the result of a read that started after it asked. While a read runs, new callers
 * wait for the next one, which starts as soon as the running one ends and serves all of them.
 * Under load, at most one read runs and one waits, whatever the number of callers.
 */
export class FreshReads<T> {
  private running = false;
  private next: { promise: Promise<T>; start: () => void } | null = null;

  constructor(private readonly load: () => Promise<T>) {}

  read(): Promise<T> {
    if (!this.running) return this.start();
    if (!this.next) {
      let start: (() => void) | null = null;
      const promise = new Promise<T>((resolve, reject) => {
        start = () => this.start().then(resolve, reject);
      });
      this.next = { promise, start: () => start?.() };
    }
    return this.next.promise;
  }

  private start(): Promise<T> {
    this.running = true;
    const reading = this.load();
    const done = () => {
      this.running = false;
      const queued = this.next;
      this.next = null;
      queued?.start();
    };
    reading.then(done, done);
    return reading;
  }
}
