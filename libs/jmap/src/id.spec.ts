import { isCreationReference, isJmapId, resolveCreationReference } from './id';

describe('isJmapId', () => {
  it.each(['a', 'A-z_09', 'x'.repeat(255)])('accepts %p', (id) => {
    expect(isJmapId(id)).toBe(true);
  });

  it.each(['', 'x'.repeat(256), 'a b', 'a/b', '#a', 'é', 1, null])('rejects %p', (id) => {
    expect(isJmapId(id)).toBe(false);
  });
});

describe('isCreationReference', () => {
  it('recognises "#" followed by an Id', () => {
    expect(isCreationReference('#k1')).toBe(true);
    expect(isCreationReference('k1')).toBe(false);
    expect(isCreationReference('#')).toBe(false);
    expect(isCreationReference('##k1')).toBe(false);
    expect(isCreationReference(1)).toBe(false);
  });
});

describe('resolveCreationReference', () => {
  const createdIds = { k1: 'id1' };

  it('resolves a known creation id', () => {
    expect(resolveCreationReference('#k1', createdIds)).toBe('id1');
  });

  it('returns null for an unknown creation id', () => {
    expect(resolveCreationReference('#k2', createdIds)).toBeNull();
    expect(resolveCreationReference('#toString', createdIds)).toBeNull();
  });

  it('returns a plain id unchanged', () => {
    expect(resolveCreationReference('k1', createdIds)).toBe('k1');
  });
});
