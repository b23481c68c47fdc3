import { SetErrorException } from './errors';
import {
  exactSync,
  type MethodContext,
  standardMethods,
  writerHandlers,
  type TypeSync,
} from './method-specs';
import type { StateGuard } from './standard-handlers';

const ctx: MethodContext = { userId: 'u1', createdIds: { c0: 'r0' } };
const limits = { JMAP_MAX_OBJECTS_IN_GET: 3, JMAP_MAX_OBJECTS_IN_SET: 3 };
const passThrough: StateGuard = { run: (_a, _t, _i, set) => set() };

/** An in-memory type: records r0..r2, state "s<writes>". */
function fakeType() {
  const records = new Map([
    ['r0', { id: 'r0', name: 'zero', hidden: true }],
    ['r1', { id: 'r1', name: 'one', hidden: false }],
    ['r2', { id: 'r2', name: 'two', hidden: false }],
  ]);
  let writes = 0;
  const sync: TypeSync<MethodContext> = exactSync(passThrough, async () => `s${writes}`);
  const methods = standardMethods('Thing', {
    limits,
    ...sync,
    get: {
      knownProperties: ['id', 'name'],
      find: async (ids) =>
        [...records.values()]
          .filter((r) => !r.hidden || ids?.includes(r.id))
          .filter((r) => ids === null || ids.includes(r.id)),
      idOf: (record) => record.id,
      toObject: (record) => ({ id: record.id, name: record.name }),
    },
    query: {
      knownSortProperties: ['name'],
      maxLimit: 2,
      ids: async () => [...records.keys()].sort(),
    },
    set: {
      handlers: () =>
        writerHandlers(
          {
            create: async (actor: string, object) => {
              writes += 1;
              const id = `r${records.size}`;
              records.set(id, { id, name: `${String(object['name'])} by ${actor}`, hidden: false });
              return { id, serverSet: {} };
            },
            update: async (_actor: string, id) => {
              if (!records.has(id)) throw new SetErrorException({ type: 'notFound' });
              writes += 1;
              return null;
            },
            destroy: async () => {
              throw new SetErrorException({ type: 'forbidden' });
            },
          },
          'ann',
        ),
    },
    other: { echo: async (args) => ({ response: args }) },
  });
  return { methods, records };
}

describe('standardMethods', () => {
  it('names the methods Type/method, the other ones included', () => {
    expect(Object.keys(fakeType().methods).sort()).toEqual([
      'Thing/echo',
      'Thing/get',
      'Thing/query',
      'Thing/set',
    ]);
  });

  it('/get: state, list in the order asked with the asked properties, creation references resolved', async () => {
    const { methods } = fakeType();
    const { response } = await methods['Thing/get']!(
      { accountId: 'u1', ids: ['r2', '#c0', 'nope'], properties: ['name'] },
      ctx,
    );
    expect(response).toEqual({
      accountId: 'u1',
      state: 's0',
      list: [
        { id: 'r2', name: 'two' },
        { id: 'r0', name: 'zero' },
      ],
      notFound: ['nope'],
    });
  });

  it('/get without ids lists what find gives, and enforces the limit', async () => {
    const { methods } = fakeType();
    const { response } = await methods['Thing/get']!({ accountId: 'u1', ids: null }, ctx);
    expect(response).toMatchObject({ list: [{ id: 'r1' }, { id: 'r2' }], notFound: [] });
    await expect(
      methods['Thing/get']!({ accountId: 'u1', ids: ['a', 'b', 'c', 'd'] }, ctx),
    ).rejects.toMatchObject({ type: 'requestTooLarge' });
  });

  it('/query windows the ids at maxLimit', async () => {
    const { methods } = fakeType();
    const { response } = await methods['Thing/query']!({ accountId: 'u1' }, ctx);
    expect(response).toEqual({
      accountId: 'u1',
      queryState: 's0',
      canCalculateChanges: false,
      position: 0,
      ids: ['r0', 'r1'],
      limit: 2,
    });
  });

  it('/set runs the handlers for the actor, checks ifInState and reports both states', async () => {
    const { methods, records } = fakeType();
    const outcome = await methods['Thing/set']!(
      { accountId: 'u1', ifInState: 's0', create: { k: { name: 'new' } }, destroy: ['r1'] },
      ctx,
    );
    expect(outcome.response).toMatchObject({
      oldState: 's0',
      newState: 's1',
      created: { k: { id: 'r3' } },
      notDestroyed: { r1: { type: 'forbidden' } },
    });
    expect(outcome.createdIds).toEqual({ c0: 'r0', k: 'r3' });
    expect(records.get('r3')?.name).toBe('new by ann');
    await expect(
      methods['Thing/set']!({ accountId: 'u1', ifInState: 's0', update: { r1: {} } }, ctx),
    ).rejects.toMatchObject({ type: 'stateMismatch' });
  });
});
