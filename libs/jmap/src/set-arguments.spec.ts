import { JmapMethodError } from './errors';
import { checkIfInState, parseSetArguments } from './set-arguments';

const options = { maxObjectsInSet: 4 };

function errorOf(action: () => unknown): JmapMethodError {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapMethodError) return error;
    throw error;
  }
  throw new Error('expected a JmapMethodError');
}

describe('parseSetArguments', () => {
  it('treats omitted or null create, update and destroy as empty', () => {
    const empty = {
      accountId: 'A1',
      ifInState: null,
      create: {},
      update: {},
      destroy: [],
      extra: {},
    };
    expect(parseSetArguments({ accountId: 'A1' }, options)).toEqual(empty);
    expect(
      parseSetArguments(
        { accountId: 'A1', ifInState: null, create: null, update: null, destroy: null },
        options,
      ),
    ).toEqual(empty);
  });

  it('parses every part', () => {
    expect(
      parseSetArguments(
        {
          accountId: 'A1',
          ifInState: 's1',
          create: { k1: { title: 'x' } },
          update: { id1: { title: 'y' }, '#k0': { done: true } },
          destroy: ['id2', '#k9'],
        },
        { maxObjectsInSet: 5 },
      ),
    ).toEqual({
      accountId: 'A1',
      ifInState: 's1',
      create: { k1: { title: 'x' } },
      update: { id1: { title: 'y' }, '#k0': { done: true } },
      destroy: ['id2', '#k9'],
      extra: {},
    });
  });

  it('counts create, update and destroy together against maxObjectsInSet', () => {
    const args = {
      accountId: 'A1',
      create: { k1: {}, k2: {} },
      update: { a: {} },
      destroy: ['b', 'c'],
    };
    expect(errorOf(() => parseSetArguments(args, options)).type).toBe('requestTooLarge');
    expect(() => parseSetArguments({ ...args, destroy: ['b'] }, options)).not.toThrow();
  });

  it.each([
    ['a missing accountId', {}, 'accountId'],
    ['a non-string ifInState', { accountId: 'A1', ifInState: 1 }, 'ifInState'],
    ['create as an array', { accountId: 'A1', create: [] }, 'create'],
    ['a create that is not an object', { accountId: 'A1', create: { k1: 'x' } }, 'create'],
    ['a creation id that is a reference', { accountId: 'A1', create: { '#k1': {} } }, 'create'],
    ['a bad creation id', { accountId: 'A1', create: { 'k 1': {} } }, 'create'],
    ['a patch that is not an object', { accountId: 'A1', update: { a: null } }, 'update'],
    ['a bad id to update', { accountId: 'A1', update: { '': {} } }, 'update'],
    ['destroy as a string', { accountId: 'A1', destroy: 'a' }, 'destroy'],
    ['a non-Id to destroy', { accountId: 'A1', destroy: [1] }, 'destroy'],
    ['an unknown argument', { accountId: 'A1', onSuccessDestroy: true }, 'onSuccessDestroy'],
  ])('rejects %s with invalidArguments', (_case, args, mentioned) => {
    const error = errorOf(() => parseSetArguments(args, options));
    expect(error.type).toBe('invalidArguments');
    expect(error.description).toContain(mentioned);
  });

  it('passes allowed type-specific arguments through', () => {
    const parsed = parseSetArguments(
      { accountId: 'A1', onSuccessUpdate: { x: 1 } },
      { ...options, extraArguments: ['onSuccessUpdate'] },
    );
    expect(parsed.extra).toEqual({ onSuccessUpdate: { x: 1 } });
  });
});

describe('checkIfInState', () => {
  it('passes when ifInState is null or matches', () => {
    expect(() => checkIfInState(null, 's1')).not.toThrow();
    expect(() => checkIfInState('s1', 's1')).not.toThrow();
  });

  it('throws stateMismatch otherwise', () => {
    expect(errorOf(() => checkIfInState('s0', 's1')).type).toBe('stateMismatch');
  });
});
