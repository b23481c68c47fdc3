import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('runs a lone item at once and items arriving meanwhile together, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((n) => n * 10);
    });
    const first = batcher.add(1);
    const rest = [batcher.add(2), batcher.add(3)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('fails only the batch that failed', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('down');
      return items;
    });
    await expect(batcher.add(1)).rejects.toThrow('down');
    await expect(batcher.add(2)).resolves.toBe(2);
  });

  it('keeps batches within their bound', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('with a linger, lets items arriving within it join the first batch', async () => {
    jest.useFakeTimers();
    try {
      const batches: number[][] = [];
      const batcher = new MicroBatcher<number, number>(
        async (items) => {
          batches.push(items);
          return items;
        },
        10,
        50,
      );
      const first = batcher.add(1);
      await jest.advanceTimersByTimeAsync(20);
      const second = batcher.add(2);
      expect(batches).toEqual([]);
      await jest.advanceTimersByTimeAsync(30);
      expect(await Promise.all([first, second])).toEqual([1, 2]);
      expect(batches).toEqual([[1, 2]]);
    } finally {
      jest.useRealTimers();
    }
  });
});
