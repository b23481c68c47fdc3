import { InFlight, within } from './in-flight';

describe('InFlight', () => {
  it('is idle at once with nothing in progress, and once every piece of work ended', async () => {
    const work = new InFlight();
    await expect(within(work.idle(), 50)).resolves.toBe(true);
    const first = work.begin();
    const second = work.begin();
    let idle = false;
    const waiting = work.idle().then(() => {
      idle = true;
    });
    first();
    first(); // ending twice counts once
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    expect(work.count).toBe(1);
    second();
    await waiting;
    expect(work.count).toBe(0);
  });
});

describe('within', () => {
  it('says whether the work settled in time (failing counts as settled)', async () => {
    await expect(within(new Promise(() => undefined), 10)).resolves.toBe(false);
    await expect(within(Promise.reject(new Error('no')), 1000)).resolves.toBe(true);
    await expect(within(Promise.resolve(1), 1000)).resolves.toBe(true);
  });
});
