import { newRequestId } from './ids';

describe('newRequestId', () => {
  it('gives distinct ids that fit an X-Request-Id', () => {
    const ids = Array.from({ length: 10_000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 3)) expect(id).toMatch(/^[A-Za-z0-9_-]{9,64}$/);
  });

  it('starts each process with a prefix of its own', () => {
    const [first, second] = [newRequestId(), newRequestId()];
    expect(first.slice(0, 8)).toBe(second.slice(0, 8));
    jest.isolateModules(() => {
      const ids = require('./ids') as { newRequestId: () => string };
      const fresh = ids.newRequestId();
      expect(fresh.slice(0, 8)).not.toBe(first.slice(0, 8));
    });
  });
});
