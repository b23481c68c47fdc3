import type { SetResult } from './set-runner';
import { buildQueryChangesResponse, buildQueryResponse, buildSetResponse } from './responses';

describe('buildSetResponse', () => {
  const empty = {
    created: {},
    updated: {},
    destroyed: [],
    notCreated: {},
    notUpdated: {},
    notDestroyed: {},
  };

  it('uses null for every empty map and list', () => {
    expect(
      buildSetResponse({ accountId: 'A1', oldState: null, newState: 's2', result: empty }),
    ).toEqual({
      accountId: 'A1',
      oldState: null,
      newState: 's2',
      created: null,
      updated: null,
      destroyed: null,
      notCreated: null,
      notUpdated: null,
      notDestroyed: null,
    });
  });

  it('keeps non-empty results', () => {
    const result: Omit<SetResult<Record<string, unknown>>, 'createdIds'> = {
      created: { k1: { id: 'id1' } },
      updated: { id2: null },
      destroyed: ['id3'],
      notCreated: { k2: { type: 'overQuota' } },
      notUpdated: { id4: { type: 'notFound' } },
      notDestroyed: { id5: { type: 'forbidden' } },
    };
    expect(buildSetResponse({ accountId: 'A1', oldState: 's1', newState: 's2', result })).toEqual({
      accountId: 'A1',
      oldState: 's1',
      newState: 's2',
      ...result,
    });
  });
});

describe('buildQueryResponse', () => {
  const base = { accountId: 'A1', queryState: 'q1', canCalculateChanges: true };

  it('includes total only when asked for', () => {
    const window = { ids: ['a'], position: 0, total: 5 };
    expect(buildQueryResponse({ ...base, calculateTotal: false, window })).toEqual({
      ...base,
      position: 0,
      ids: ['a'],
    });
    expect(buildQueryResponse({ ...base, calculateTotal: true, window })).toEqual({
      ...base,
      position: 0,
      ids: ['a'],
      total: 5,
    });
  });

  it('includes the limit the server set', () => {
    const window = { ids: [], position: 3, total: 3, limit: 100 };
    expect(buildQueryResponse({ ...base, calculateTotal: false, window })).toEqual({
      ...base,
      position: 3,
      ids: [],
      limit: 100,
    });
  });
});

describe('buildQueryChangesResponse', () => {
  const base = { accountId: 'A1', oldQueryState: 'q1', newQueryState: 'q2' };
  const changes = { removed: ['a'], added: [{ id: 'b', index: 0 }] };

  it('includes total only when asked for', () => {
    expect(
      buildQueryChangesResponse({ ...base, calculateTotal: false, total: 7, changes }),
    ).toEqual({ ...base, ...changes });
    expect(buildQueryChangesResponse({ ...base, calculateTotal: true, total: 7, changes })).toEqual(
      { ...base, total: 7, ...changes },
    );
  });
});
