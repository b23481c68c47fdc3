import { SingleFlight } from './single-flight';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs concurrent callers of one key once and gives them all its result', async () => {
    const flights = new SingleFlight<number>();
    const answer = deferred<number>();
    let runs = 0;
    const start = () => {
      runs += 1;
      return answer.promise;
    };
    const callers = [flights.run('a', start), flights.run('a', start), flights.run('a', start)];
    expect(flights.size).toBe(1);
    answer.resolve(7);
    expect(await Promise.all(callers)).toEqual([7, 7, 7]);
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([
      flights.run('a', async () => 'for a'),
      flights.run('b', async () => 'for b'),
    ]);
    expect([a, b]).toEqual(['for a', 'for b']);
  });

  it('remembers nothing: a caller after the run settled starts a new one', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const start = async () => (runs += 1);
    expect(await flights.run('a', start)).toBe(1);
    expect(await flights.run('a', start)).toBe(2);
  });

  it('gives a failure to every caller of that run, and the next caller tries again', async () => {
    const flights = new SingleFlight<number>();
    const failing = deferred<number>();
    const callers = [
      flights.run('a', () => failing.promise),
      flights.run('a', () => Promise.resolve(1)),
    ];
    failing.reject(new Error('rbac away'));
    for (const caller of callers) await expect(caller).rejects.toThrow('rbac away');
    await expect(flights.run('a', async () => 2)).resolves.toBe(2);
  });

  it('turns a start that throws at once into a failed run', async () => {
    const flights = new SingleFlight<number>();
    await expect(
      flights.run('a', () => {
        throw new Error('bad input');
      }),
    ).rejects.toThrow('bad input');
    expect(flights.size).toBe(0);
  });
});
