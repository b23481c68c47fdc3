import { isTransientTransactionError, retryTransient } from './retry';

describe('retryTransient', () => {
  it('runs the work again after a deadlock or serialization failure, up to the attempts', async () => {
    let runs = 0;
    const result = await retryTransient(async () => {
      runs += 1;
      if (runs < 3) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      return 'done';
    }, 3);
    expect(result).toBe('done');
    expect(runs).toBe(3);

    let failing = 0;
    const always = retryTransient(async () => {
      failing += 1;
      throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    }, 2);
    await expect(always).rejects.toThrow('could not serialize access');
    expect(failing).toBe(2);
  });

  it('does not run the work again after any other failure', async () => {
    let runs = 0;
    const work = retryTransient(async () => {
      runs += 1;
      throw new Error('null value in column "body"');
    });
    await expect(work).rejects.toThrow('null value');
    expect(runs).toBe(1);
  });
});

describe('isTransientTransactionError', () => {
  it('knows the shapes Prisma and pg give deadlocks and serialization failures', () => {
    expect(isTransientTransactionError({ code: 'P2034', meta: {} })).toBe(true);
    expect(
      isTransientTransactionError({
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '40P01' } } },
      }),
    ).toBe(true);
    expect(
      isTransientTransactionError({
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'TransactionWriteConflict' } } },
      }),
    ).toBe(true);
    expect(isTransientTransactionError({ code: '40P01' })).toBe(true);
    expect(isTransientTransactionError(new Error('deadlock detected'))).toBe(true);
    expect(isTransientTransactionError({ code: 'P2002', meta: {} })).toBe(false);
    expect(isTransientTransactionError(new Error('null value in column'))).toBe(false);
    expect(isTransientTransactionError(undefined)).toBe(false);
  });
});
