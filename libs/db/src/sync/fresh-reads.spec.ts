import { FreshReads } from './fresh-reads';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('FreshReads', () => {
  it('serves callers that arrive during a read with the next read, shared', async () => {
    const reads: ReturnType<typeof deferred<number>>[] = [];
    const fresh = new FreshReads(() => {
      const read = deferred<number>();
      reads.push(read);
      return read.promise;
    });
    const first = fresh.read();
    const second = fresh.read();
    const third = fresh.read();
    expect(reads).toHaveLength(1);
    reads[0]?.resolve(1);
    expect(await first).toBe(1);
    await Promise.resolve();
    expect(reads).toHaveLength(2);
    reads[1]?.resolve(2);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });

  it('starts at once when nothing runs, and passes failures to the callers of that read', async () => {
    let calls = 0;
    const fresh = new FreshReads(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(calls);
    });
    await expect(fresh.read()).rejects.toThrow('down');
    expect(await fresh.read()).toBe(2);
    expect(await fresh.read()).toBe(3);
  });
});
