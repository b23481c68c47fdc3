import { SetErrorException } from './errors';
import type { SetArguments } from './set-arguments';
import { runSet, type SetHandlers } from './set-runner';

type ServerSet = Record<string, unknown>;

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

/** An in-memory store recording the order of operations. */
function fakeStore(existing: string[] = []) {
  const objects = new Map<string, Record<string, unknown>>(existing.map((id) => [id, {}]));
  const log: string[] = [];
  let nextId = 1;
  const handlers: SetHandlers<ServerSet> = {
    create: async (creationId, object) => {
      log.push(`create ${creationId}`);
      if (object['invalid'] === true) {
        throw new SetErrorException({ type: 'invalidProperties', properties: ['invalid'] });
      }
      const id = `id${nextId++}`;
      objects.set(id, object);
      return { id, serverSet: { createdAt: 'now' } };
    },
    update: async (id, patch) => {
      log.push(`update ${id}`);
      const current = objects.get(id);
      if (current === undefined) throw new SetErrorException({ type: 'notFound' });
      objects.set(id, { ...current, ...patch });
      return patch['touch'] === true ? { updatedAt: 'now' } : null;
    },
    destroy: async (id) => {
      log.push(`destroy ${id}`);
      if (!objects.delete(id)) throw new SetErrorException({ type: 'notFound' });
    },
  };
  return { objects, log, handlers };
}

describe('runSet', () => {
  it('returns empty results for an empty set', async () => {
    const { handlers } = fakeStore();
    expect(await runSet(setArgs({}), handlers, { k0: 'x' })).toEqual({
      created: {},
      updated: {},
      destroyed: [],
      notCreated: {},
      notUpdated: {},
      notDestroyed: {},
      createdIds: { k0: 'x' },
    });
  });

  it('creates, then updates, then destroys', async () => {
    const { handlers, log } = fakeStore(['e1', 'e2']);
    const result = await runSet(
      setArgs({
        destroy: ['e2'],
        update: { e1: { title: 'y', touch: true } },
        create: { k1: { title: 'x' } },
      }),
      handlers,
      {},
    );
    expect(log).toEqual(['create k1', 'update e1', 'destroy e2']);
    expect(result.created).toEqual({ k1: { id: 'id1', createdAt: 'now' } });
    expect(result.updated).toEqual({ e1: { updatedAt: 'now' } });
    expect(result.destroyed).toEqual(['e2']);
  });

  it('reports null for an update with no server-side changes', async () => {
    const { handlers } = fakeStore(['e1']);
    const result = await runSet(setArgs({ update: { e1: { title: 'y' } } }), handlers, {});
    expect(result.updated).toEqual({ e1: null });
  });

  it('records created ids in a new map, leaving the given one alone', async () => {
    const { handlers } = fakeStore();
    const given = { k0: 'id0' };
    const result = await runSet(setArgs({ create: { k1: {}, k2: {} } }), handlers, given);
    expect(result.createdIds).toEqual({ k0: 'id0', k1: 'id1', k2: 'id2' });
    expect(given).toEqual({ k0: 'id0' });
  });

  it('maps a reused creation id to the newest object', async () => {
    const { handlers } = fakeStore();
    const result = await runSet(setArgs({ create: { k0: {} } }), handlers, { k0: 'old' });
    expect(result.createdIds['k0']).toBe('id1');
  });

  it('rejects single objects with their SetError and goes on', async () => {
    const { handlers } = fakeStore(['e1', 'e2']);
    const result = await runSet(
      setArgs({
        create: { bad: { invalid: true }, good: {} },
        update: { missing: { title: 'x' }, e2: { title: 'y' } },
        destroy: ['gone', 'e1'],
      }),
      handlers,
      {},
    );
    expect(result.notCreated).toEqual({
      bad: { type: 'invalidProperties', properties: ['invalid'] },
    });
    expect(result.created).toEqual({ good: { id: 'id1', createdAt: 'now' } });
    expect(result.notUpdated).toEqual({ missing: { type: 'notFound' } });
    expect(result.updated).toEqual({ e2: null });
    expect(result.notDestroyed).toEqual({ gone: { type: 'notFound' } });
    expect(result.destroyed).toEqual(['e1']);
    expect(result.createdIds).toEqual({ good: 'id1' });
  });

  it('lets other errors abort the call', async () => {
    const { handlers } = fakeStore();
    const failing: SetHandlers<ServerSet> = {
      ...handlers,
      create: async () => {
        throw new Error('database down');
      },
    };
    await expect(runSet(setArgs({ create: { k1: {} } }), failing, {})).rejects.toThrow(
      'database down',
    );
  });

  it('resolves creation references in update and destroy ids', async () => {
    const { handlers, objects } = fakeStore();
    const result = await runSet(
      setArgs({
        create: { k1: {}, k2: {} },
        update: { '#k1': { title: 'renamed' } },
        destroy: ['#k2', '#k0'],
      }),
      handlers,
      { k0: 'id0' },
    );
    expect(result.updated).toEqual({ id1: null });
    expect(objects.get('id1')).toEqual({ title: 'renamed' });
    expect(result.destroyed).toEqual(['id2']);
    expect(result.notDestroyed).toEqual({ id0: { type: 'notFound' } });
  });

  it('rejects unknown creation references with notFound under the given key', async () => {
    const { handlers, log } = fakeStore();
    const result = await runSet(
      setArgs({ update: { '#nope': { a: 1 } }, destroy: ['#gone'] }),
      handlers,
      {},
    );
    expect(result.notUpdated['#nope']?.type).toBe('notFound');
    expect(result.notDestroyed['#gone']?.type).toBe('notFound');
    expect(log).toEqual([]);
  });

  it('treats a failed create as an unknown creation id', async () => {
    const { handlers } = fakeStore();
    const result = await runSet(
      setArgs({ create: { bad: { invalid: true } }, destroy: ['#bad'] }),
      handlers,
      {},
    );
    expect(result.notDestroyed['#bad']?.type).toBe('notFound');
  });

  it('resolves references to earlier creates inside create objects, deeply', async () => {
    const { handlers, objects } = fakeStore();
    await runSet(
      setArgs({
        create: {
          conv: { name: 'general' },
          msg: {
            conversationId: '#conv',
            mentions: ['#conv', '#unknown', 'plain'],
            meta: { replyTo: '#prev' },
          },
        },
      }),
      handlers,
      { prev: 'id0' },
    );
    expect(objects.get('id2')).toEqual({
      conversationId: 'id1',
      mentions: ['id1', '#unknown', 'plain'],
      meta: { replyTo: 'id0' },
    });
  });

  it('creates an object before the creates that refer to it', async () => {
    const { handlers, log, objects } = fakeStore();
    const result = await runSet(
      setArgs({
        create: {
          reply: { parentId: '#parent' },
          parent: { conversationId: '#conv' },
          conv: {},
        },
      }),
      handlers,
      {},
    );
    expect(log).toEqual(['create conv', 'create parent', 'create reply']);
    expect(result.createdIds).toEqual({ conv: 'id1', parent: 'id2', reply: 'id3' });
    expect(objects.get('id3')).toEqual({ parentId: 'id2' });
  });

  it('still creates every object when references form a cycle', async () => {
    const { handlers, log } = fakeStore();
    await runSet(
      setArgs({ create: { a: { other: '#b' }, b: { other: '#a' }, c: { self: '#c' } } }),
      handlers,
      {},
    );
    expect(log).toEqual(['create b', 'create a', 'create c']);
  });

  it('resolves references in patch values', async () => {
    const { handlers, objects } = fakeStore(['e1']);
    await runSet(
      setArgs({ create: { k1: {} }, update: { e1: { pinnedId: '#k1', 'meta/ref': '#k1' } } }),
      handlers,
      {},
    );
    expect(objects.get('e1')).toEqual({ pinnedId: 'id1', 'meta/ref': 'id1' });
  });

  describe('with referenceProperties', () => {
    const options = { referenceProperties: ['conversationId', 'meta'] };

    it('resolves only the listed properties, leaving free text alone', async () => {
      const { handlers, objects } = fakeStore();
      await runSet(
        setArgs({
          create: { conv: {}, msg: { conversationId: '#conv', body: '#conv' } },
        }),
        handlers,
        {},
        options,
      );
      expect(objects.get('id2')).toEqual({ conversationId: 'id1', body: '#conv' });
    });

    it('orders creates only by the listed properties', async () => {
      const { handlers, log } = fakeStore();
      await runSet(
        setArgs({ create: { msg: { body: '#conv' }, conv: {} } }),
        handlers,
        {},
        options,
      );
      expect(log).toEqual(['create msg', 'create conv']);
    });

    it('matches patch paths by their first property', async () => {
      const { handlers, objects } = fakeStore(['e1']);
      await runSet(
        setArgs({
          create: { k1: {} },
          update: { e1: { 'meta/ref': '#k1', body: '#k1' } },
        }),
        handlers,
        {},
        options,
      );
      expect(objects.get('e1')).toEqual({ 'meta/ref': 'id1', body: '#k1' });
    });

    it('turns a patch key with a bad escape into invalidPatch', async () => {
      const { handlers } = fakeStore(['e1']);
      const result = await runSet(setArgs({ update: { e1: { 'a~2': 1 } } }), handlers, {}, options);
      expect(result.notUpdated['e1']?.type).toBe('invalidPatch');
    });
  });

  it('keeps "__proto__" creation ids as ordinary keys', async () => {
    const { handlers } = fakeStore();
    const result = await runSet(
      setArgs({
        create: JSON.parse('{"__proto__": {}}') as Record<string, Record<string, unknown>>,
      }),
      handlers,
      {},
    );
    expect(Object.hasOwn(result.created, '__proto__')).toBe(true);
    expect(Object.hasOwn(result.createdIds, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result.created)).toBe(Object.prototype);
  });
});

describe('runSet failure modes', () => {
  const parsedArgs = (
    create: Record<string, Record<string, unknown>>,
    update = {},
    destroy: string[] = [],
  ) => ({
    accountId: 'a',
    ifInState: null,
    create,
    update,
    destroy,
    extra: {},
  });

  it('rethrows an unexpected error as is when nothing was written', async () => {
    const boom = new Error('boom');
    await expect(
      runSet(
        parsedArgs({ k1: {} }),
        {
          create: async () => {
            throw boom;
          },
          update: async () => null,
          destroy: async () => undefined,
        },
        {},
      ),
    ).rejects.toBe(boom);
  });

  it('turns an unexpected error after a write into serverPartialFail', async () => {
    let calls = 0;
    await expect(
      runSet(
        parsedArgs({ k1: {}, k2: {} }),
        {
          create: async () => {
            calls += 1;
            if (calls === 2) throw new Error('database went away');
            return { id: 'x1', serverSet: {} };
          },
          update: async () => null,
          destroy: async () => undefined,
        },
        {},
      ),
    ).rejects.toMatchObject({ type: 'serverPartialFail' });
  });

  it('answers willDestroy for an update of an object the same call destroys', async () => {
    const result = await runSet(
      parsedArgs({}, { x: { a: 1 } }, ['x']),
      {
        create: async () => ({ id: 'never', serverSet: {} }),
        update: async () => null,
        destroy: async () => undefined,
      },
      {},
    );
    expect(result.notUpdated).toEqual({ x: expect.objectContaining({ type: 'willDestroy' }) });
    expect(result.destroyed).toEqual(['x']);
  });

  it('refuses text PostgreSQL cannot store, naming the property, before any handler runs', async () => {
    const { handlers, log } = fakeStore(['o1']);
    const result = await runSet(
      setArgs({
        create: {
          key: { title: 'fine', metadata: { ['k\uD800']: 1 } },
          value: { settings: { list: [{ deep: 'x\uDC00' }] } },
          pair: { title: 'an emoji 😀 is fine' },
        },
        update: { o1: { 'reactions/\uD83D/u1': true } },
      }),
      handlers,
      {},
    );
    expect(result.notCreated).toEqual({
      key: {
        type: 'invalidProperties',
        properties: ['metadata'],
        description: 'must not contain a lone UTF-16 surrogate (U+D800)',
      },
      value: expect.objectContaining({ properties: ['settings'] }),
    });
    expect(result.notUpdated).toEqual({
      o1: expect.objectContaining({ type: 'invalidProperties', properties: ['reactions'] }),
    });
    expect(log).toEqual(['create pair']);
  });
});
