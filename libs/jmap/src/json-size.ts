/**
 * The UTF-8 length of `JSON.stringify(value)`, or null as soon as it is known to exceed `limit`,
 * without building the text. Arguments made by result references share objects: a request whose
 * every call refers twice to the previous answer doubles it 63 times, and its text would be far
 * larger than memory. Walking it stops after about `limit` bytes' worth of nodes.
 */
export function jsonBytesWithin(value: unknown, limit: number): number | null {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') {
      total += scalarBytes(item);
    } else if (Array.isArray(item)) {
      total += 2 + Math.max(0, item.length - 1);
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
    } else {
      const keys = Object.keys(item);
      total += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        total += scalarBytes(key) + 1;
        stack.push((item as Record<string, unknown>)[key]);
      }
    }
    if (total > limit) return null;
  }
  return total;
}

function scalarBytes(value: unknown): number {
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? 4 : Buffer.byteLength(text);
}
