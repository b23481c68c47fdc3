import { SetErrorException, type SetError } from './errors';
import { applyPatch, patchTouchedProperties } from './patch';

function setErrorOf(action: () => unknown): SetError {
  try {
    action();
  } catch (error) {
    if (error instanceof SetErrorException) return error.setError;
    throw error;
  }
  throw new Error('expected a SetErrorException');
}

describe('applyPatch', () => {
  const todo = {
    id: 't1',
    title: 'Buy milk',
    done: false,
    alerts: { a1: { offset: -5, action: 'display' }, a2: { offset: 10, action: 'email' } },
    tags: ['home', 'shop'],
    notes: null,
  };

  it('sets top-level properties', () => {
    expect(applyPatch(todo, { title: 'Buy bread', done: true })).toEqual({
      ...todo,
      title: 'Buy bread',
      done: true,
    });
  });

  it('adds a property that did not exist', () => {
    expect(applyPatch(todo, { priority: 3 })).toEqual({ ...todo, priority: 3 });
  });

  it('removes a property patched to null', () => {
    const { title: _removed, ...rest } = todo;
    expect(applyPatch(todo, { title: null })).toEqual(rest);
  });

  it('ignores null for a property that is not there', () => {
    expect(applyPatch(todo, { missing: null })).toEqual(todo);
  });

  it('patches nested properties through a path', () => {
    const patched = applyPatch(todo, { 'alerts/a1/offset': -15, 'alerts/a3': { offset: 0 } });
    expect(patched['alerts']).toEqual({
      a1: { offset: -15, action: 'display' },
      a2: { offset: 10, action: 'email' },
      a3: { offset: 0 },
    });
  });

  it('removes a nested property', () => {
    const patched = applyPatch(todo, { 'alerts/a2': null });
    expect(patched['alerts']).toEqual({ a1: { offset: -5, action: 'display' } });
  });

  it('replaces arrays whole', () => {
    expect(applyPatch(todo, { tags: ['work'] })['tags']).toEqual(['work']);
  });

  it('accepts a whole object as a patch', () => {
    const { notes: _null, ...replacement } = { ...todo, title: 'x', alerts: {} };
    expect(applyPatch(todo, { ...replacement, notes: null })).toEqual(replacement);
  });

  it('accepts an empty patch', () => {
    expect(applyPatch(todo, {})).toEqual(todo);
  });

  it('unescapes ~0 and ~1 in keys', () => {
    const target = { map: { 'a/b': 1, 'c~d': 2 } };
    expect(applyPatch(target, { 'map/a~1b': 10, 'map/c~0d': null })).toEqual({
      map: { 'a/b': 10 },
    });
  });

  it('does not mutate the target or share changed branches with it', () => {
    const snapshot = structuredClone(todo);
    const patched = applyPatch(todo, { 'alerts/a1/offset': 0, title: null, done: true });
    expect(todo).toEqual(snapshot);
    expect(patched['alerts']).not.toBe(todo.alerts);
  });

  it('stores "__proto__" as a property, not as the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"x": 1}, "map/__proto__": 2}') as Record<
      string,
      unknown
    >;
    const patched = applyPatch({ map: {} }, patch);
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
    expect(Object.hasOwn(patched, '__proto__')).toBe(true);
    expect(Object.hasOwn(patched['map'] as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it.each([
    ['a missing intermediate object', { 'nothere/x': 1 }, 'nothere'],
    ['a path through a null', { 'notes/x': 1 }, 'notes'],
    ['a path through a string', { 'title/x': 1 }, 'title'],
    ['a path into an array', { 'tags/0': 'x' }, 'array'],
    ['a path through an array', { 'tags/0/x': 'x' }, 'array'],
    ['a path and its sub-path', { alerts: {}, 'alerts/a1/offset': 1 }, '"alerts"'],
    ['a sub-path given first', { 'alerts/a1/offset': 1, 'alerts/a1': null }, '"alerts/a1"'],
    ['a bad escape', { 'a~2b': 1 }, '~'],
    ['an inherited intermediate', { 'constructor/name': 'x' }, 'constructor'],
  ])('rejects %s with invalidPatch', (_case, patch, mentioned) => {
    const error = setErrorOf(() => applyPatch(todo, patch));
    expect(error.type).toBe('invalidPatch');
    expect(error.description).toContain(mentioned);
  });

  it('accepts paths that merely share a leading string', () => {
    const target = { alert: 1, alerts: { a: 1 } };
    expect(applyPatch(target, { alert: 2, 'alerts/a': 2 })).toEqual({ alert: 2, alerts: { a: 2 } });
  });

  it('accepts sibling paths under one object', () => {
    const patched = applyPatch(todo, { 'alerts/a1/offset': 1, 'alerts/a1/action': 'email' });
    expect((patched['alerts'] as Record<string, unknown>)['a1']).toEqual({
      offset: 1,
      action: 'email',
    });
  });
});

describe('patchTouchedProperties', () => {
  it('lists distinct top-level properties', () => {
    expect(
      patchTouchedProperties({ title: 'x', 'alerts/a1/offset': 1, 'alerts/a2': null, 'a~1b/c': 1 }),
    ).toEqual(['title', 'alerts', 'a/b']);
  });

  it('is empty for an empty patch', () => {
    expect(patchTouchedProperties({})).toEqual([]);
  });

  it('rejects bad keys with invalidPatch', () => {
    expect(setErrorOf(() => patchTouchedProperties({ '~x': 1 })).type).toBe('invalidPatch');
  });
});
