import { isStoreUnavailable, storeFailureOf } from './store-errors';

describe('isStoreUnavailable', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    [
      'ioredis without its offline queue',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['an ioredis command timeout', new Error('Command timed out')],
    ['Prisma cannot reach the server', Object.assign(new Error('x'), { code: 'P1001' })],
    [
      'a raw query on a starting server',
      Object.assign(
        new Error(
          'Raw query failed. Code: `57P03`. Message: `the database system is not yet accepting connections`',
        ),
        { code: 'P2010' },
      ),
    ],
    ['a PostgreSQL code in meta', Object.assign(new Error('x'), { meta: { code: '57P01' } })],
    ['an adapter error kind', new Error('x', { cause: { kind: 'ConnectionClosed' } })],
    ['a connection error as the cause', new Error('wrapper', { cause: { code: '08006' } })],
  ])('recognises %s', (_what, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a bug', new TypeError('undefined is not a function')],
    ['a string', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('does not take %s for an outage', (_what, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});

describe('storeFailureOf', () => {
  it.each([
    ['a pool with every connection in use', new Error('timeout exceeded when trying to connect')],
    ['Prisma waiting for its pool', Object.assign(new Error('x'), { code: 'P2024' })],
    ['a server with too many connections', Object.assign(new Error('x'), { code: '53300' })],
    ['an adapter error kind', new Error('x', { cause: { kind: 'TooManyConnections' } })],
    [
      'a raw query refused for too many connections',
      Object.assign(new Error('Raw query failed. Code: `53300`. Message: `sorry`'), {
        code: 'P2010',
      }),
    ],
    [
      'a busy pool as the cause',
      new Error('wrapper', { cause: new Error('timeout exceeded when trying to connect') }),
    ],
  ])('calls %s busy', (_what, error) => {
    expect(storeFailureOf(error)).toBe('busy');
  });

  it.each([
    [
      'a new connection that did not come up in time',
      new Error('Connection terminated due to connection timeout'),
    ],
    ['a refused connection', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
    ['a server shutting down', Object.assign(new Error('x'), { code: '57P01' })],
  ])('calls %s unreachable', (_what, error) => {
    expect(storeFailureOf(error)).toBe('unreachable');
  });

  it('leaves a failed query alone', () => {
    expect(storeFailureOf(Object.assign(new Error('x'), { code: '23505' }))).toBeUndefined();
  });
});
