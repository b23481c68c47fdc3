/**
 * Polls `check` until it returns a value other than undefined, and returns that value; fails
 * after `timeoutMs` naming `what` (and the last error `check` threw, if any). The one way tests
 * wait for another process: there is no event to wait on, so no fixed sleeps either.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
