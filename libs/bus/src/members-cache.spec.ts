import { MembersCache } from './members-cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('MembersCache', () => {
  it('fetches once, then serves from memory until the entry expires', async () => {
    let now = 0;
    const fetch = jest.fn(async (id: string) => [`${id}-a`, `${id}-b`]);
    const cache = new MembersCache(fetch, { ttlMs: 1000, maxIds: 100, now: () => now });
    expect((await cache.get('c1')).ids).toEqual(['c1-a', 'c1-b']);
    expect((await cache.get('c1')).set.has('c1-b')).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
    now = 1001;
    await cache.get('c1');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const pending = deferred<string[]>();
    const fetch = jest.fn(() => pending.promise);
    const cache = new MembersCache(fetch, { ttlMs: 1000, maxIds: 100 });
    const both = Promise.all([cache.get('c1'), cache.get('c1')]);
    pending.resolve(['u1']);
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('drops a list on invalidation, and does not keep a fetch that was under way meanwhile', async () => {
    const first = deferred<string[]>();
    const fetch = jest.fn().mockReturnValueOnce(first.promise).mockResolvedValue(['new']);
    const cache = new MembersCache(fetch, { ttlMs: 1000, maxIds: 100 });
    const stale = cache.get('c1');
    cache.invalidate('c1');
    first.resolve(['old']);
    expect((await stale).ids).toEqual(['old']);
    expect((await cache.get('c1')).ids).toEqual(['new']);
    cache.invalidate(null);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used lists beyond its id budget', async () => {
    const fetch = jest.fn(async (id: string) => [`${id}-1`, `${id}-2`]);
    const cache = new MembersCache(fetch, { ttlMs: 10_000, maxIds: 4 });
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    expect(cache.size).toBe(2);
    await cache.get('a');
    expect(fetch).toHaveBeenCalledTimes(3);
    await cache.get('b');
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('peeks without waiting: a miss starts the fetch for the next caller, failures ignored', async () => {
    let now = 0;
    const fetch = jest
      .fn()
      .mockRejectedValueOnce(new Error('conversations away'))
      .mockResolvedValue(['u1']);
    const cache = new MembersCache(fetch, { ttlMs: 1000, maxIds: 100, now: () => now });
    expect(cache.peek('c1')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.peek('c1')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.peek('c1')?.ids).toEqual(['u1']);
    expect(fetch).toHaveBeenCalledTimes(2);
    now = 1001;
    expect(cache.peek('c1')).toBeUndefined();
  });
});
