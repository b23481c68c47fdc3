import { backoffDelay, DEFAULT_BACKOFF } from './backoff';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, without jitter', () => {
    const options = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, options))).toEqual([
      500, 1000, 2000, 4000, 8000,
    ]);
    expect(backoffDelay(20, options)).toBe(30_000);
  });

  it('keeps the jittered delay between (1 - jitter) and the whole delay', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0)).toBe(1000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.999999)).toBe(2000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.5)).toBe(1500);
  });
});
