import { JmapMethodError, SetErrorException } from './errors';
import type { QueryArguments } from './query-arguments';
import type { SetArguments } from './set-arguments';
import { runSet } from './set-runner';
import {
  exactStateSet,
  getResponse,
  guardedSet,
  inAskedOrder,
  pickProperties,
  queryResponse,
  type SetState,
  type StateGuard,
  updateOnly,
} from './standard-handlers';

function setArgs(parts: Partial<SetArguments>): SetArguments {
  return {
    accountId: 'A1',
    ifInState: null,
    create: {},
    update: {},
    destroy: [],
    extra: {},
    ...parts,
  };
}

function queryArgs(parts: Partial<QueryArguments>): QueryArguments {
  return {
    accountId: 'A1',
    filter: null,
    sort: [],
    position: 0,
    anchor: null,
    anchorOffset: 0,
    limit: null,
    calculateTotal: false,
    extra: {},
    ...parts,
  };
}

/** A guard that records what it was asked to hold, and whether the set ran inside it. */
function recordingGuard(): StateGuard & { held: string[]; inside: boolean } {
  const guard = {
    held: [] as string[],
    inside: false,
    async run<T>(accountId: string, type: string, ifInState: string | null, set: () => Promise<T>) {
      if (ifInState === null) return set();
      guard.held.push(`${accountId}/${type}/${ifInState}`);
      guard.inside = true;
      try {
        return await set();
      } finally {
        guard.inside = false;
      }
    },
  };
  return guard;
}

describe('pickProperties', () => {
  it('keeps the named properties, or all with null', () => {
    const object = { id: 'x', a: 1, b: 2 };
    expect(pickProperties(object, ['id', 'b'])).toEqual({ id: 'x', b: 2 });
    expect(pickProperties(object, null)).toBe(object);
  });
});

describe('inAskedOrder', () => {
  const found = [{ id: 'b' }, { id: 'a' }];

  it('lists records in the order asked, and the ids that name none', () => {
    expect(inAskedOrder(['a', 'zz', 'b'], found, (r) => r.id)).toEqual({
      records: [{ id: 'a' }, { id: 'b' }],
      notFound: ['zz'],
    });
  });

  it('lists everything found when no ids were asked', () => {
    expect(inAskedOrder(null, found, (r) => r.id)).toEqual({ records: found, notFound: [] });
  });

  it('resolves asked ids, reporting notFound as asked', () => {
    const resolve = (id: string) => (id === '#c1' ? 'a' : id.startsWith('#') ? null : id);
    expect(inAskedOrder(['#c1', '#c2', 'b'], found, (r) => r.id, resolve)).toEqual({
      records: [{ id: 'a' }, { id: 'b' }],
      notFound: ['#c2'],
    });
  });
});

describe('getResponse', () => {
  it('builds list (with the asked properties) and notFound', () => {
    const response = getResponse({
      accountId: 'A1',
      state: 's1',
      ids: ['2', '9'],
      found: [{ key: '2', name: 'two', secret: 'x' }],
      idOf: (r) => r.key,
      toObject: (r) => ({ id: r.key, name: r.name }),
      properties: ['id'],
    });
    expect(response).toEqual({
      accountId: 'A1',
      state: 's1',
      list: [{ id: '2' }],
      notFound: ['9'],
    });
  });
});

describe('queryResponse', () => {
  it('windows the ids and reports total only when asked', () => {
    const ids = ['a', 'b', 'c'];
    expect(
      queryResponse(queryArgs({ position: 1, limit: 1, calculateTotal: true }), {
        queryState: 'q',
        ids,
        maxLimit: 10,
      }),
    ).toEqual({
      accountId: 'A1',
      queryState: 'q',
      canCalculateChanges: false,
      position: 1,
      ids: ['b'],
      total: 3,
    });
    expect(
      queryResponse(queryArgs({}), {
        queryState: 'q',
        ids,
        maxLimit: 2,
        canCalculateChanges: true,
      }),
    ).toEqual({
      accountId: 'A1',
      queryState: 'q',
      canCalculateChanges: true,
      position: 0,
      ids: ['a', 'b'],
      limit: 2,
    });
  });
});

describe('exactStateSet', () => {
  it('checks ifInState inside the guard and passes the state on as oldState', async () => {
    const guard = recordingGuard();
    const state = exactStateSet(guard, async () => 's5');
    let sawInside = false;
    const oldState = await state.guarded('A1', 'User', 's5', async (old) => {
      sawInside = guard.inside;
      return old;
    });
    expect(oldState).toBe('s5');
    expect(sawInside).toBe(true);
    expect(guard.held).toEqual(['A1/User/s5']);
  });

  it('answers stateMismatch without writing when the state moved', async () => {
    const state = exactStateSet(recordingGuard(), async () => 's6');
    const write = jest.fn();
    await expect(state.guarded('A1', 'User', 's5', write)).rejects.toMatchObject({
      type: 'stateMismatch',
    });
    expect(write).not.toHaveBeenCalled();
  });

  it('takes no turn without ifInState', async () => {
    const guard = recordingGuard();
    await exactStateSet(guard, async () => 's1').guarded('A1', 'User', null, async () => null);
    expect(guard.held).toEqual([]);
  });
});

describe('guardedSet', () => {
  let current = 'old';
  const state: SetState = {
    guarded: (_accountId, _type, _ifInState, write) => write(current),
    current: async () => current,
  };
  const handlers = updateOnly(
    async (id) => {
      if (id !== 'me') throw new SetErrorException({ type: 'notFound' });
      current = 'new';
      return null;
    },
    { create: 'made elsewhere', destroy: 'kept forever' },
  );

  it('runs the set and reports old and new state, with nulls for empty parts', async () => {
    current = 'old';
    const parsed = setArgs({ update: { me: { name: 'x' } } });
    const outcome = await guardedSet(parsed, {
      accountId: 'A1',
      type: 'User',
      state,
      apply: () => runSet(parsed, handlers, {}),
    });
    expect(outcome.response).toEqual({
      accountId: 'A1',
      oldState: 'old',
      newState: 'new',
      created: null,
      updated: { me: null },
      destroyed: null,
      notCreated: null,
      notUpdated: null,
      notDestroyed: null,
    });
    expect(outcome.createdIds).toEqual({});
  });

  it('refuses create and destroy of update-only types as forbidden, with the reason', async () => {
    const parsed = setArgs({ create: { c1: {} }, destroy: ['me'] });
    const outcome = await guardedSet(parsed, {
      accountId: 'A1',
      type: 'User',
      state,
      apply: () => runSet(parsed, handlers, {}),
    });
    expect(outcome.response.notCreated).toEqual({
      c1: { type: 'forbidden', description: 'made elsewhere' },
    });
    expect(outcome.response.notDestroyed).toEqual({
      me: { type: 'forbidden', description: 'kept forever' },
    });
  });

  it('adds the extension arguments after the writes, before reading newState', async () => {
    current = 'old';
    const parsed = setArgs({});
    const outcome = await guardedSet(parsed, {
      accountId: 'A1',
      type: 'Message',
      state,
      apply: () => runSet(parsed, handlers, {}),
      extend: async () => {
        current = 'extended';
        return { markedRead: ['m1'] };
      },
    });
    expect(outcome.response).toMatchObject({ newState: 'extended', markedRead: ['m1'] });
  });

  it('lets a method error of the guard through', async () => {
    const refusing: SetState = {
      guarded: () => Promise.reject(new JmapMethodError('stateMismatch', 'moved')),
      current: async () => 'x',
    };
    await expect(
      guardedSet(setArgs({ ifInState: 'y' }), {
        accountId: 'A1',
        type: 'User',
        state: refusing,
        apply: () => Promise.reject(new Error('must not run')),
      }),
    ).rejects.toBeInstanceOf(JmapMethodError);
  });
});
