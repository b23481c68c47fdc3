import {
  advanceCursor,
  decodePushState,
  encodePushState,
  laterCursor,
  laterState,
} from './push-state';

describe('pushState', () => {
  it('round-trips a cursor', () => {
    const cursor = { horizon: '21i3v9', presence: 42n };
    expect(decodePushState(encodePushState(cursor))).toEqual(cursor);
    expect(encodePushState({ horizon: '0', presence: 0n })).toBe('0-0');
  });

  it('refuses strings it never made', () => {
    for (const bad of ['', 'abc', '1-2-3', 'A-1', '01-1', '1-', '-1'])
      expect(decodePushState(bad)).toBeNull();
  });

  it('keeps the later of two states', () => {
    expect(laterState(undefined, 'a')).toBe('a');
    expect(laterState('z', '10')).toBe('10'); // 35 < 36
    expect(laterState('10', 'z')).toBe('10');
  });

  it('advances the horizon with database types and the presence counter with Presence', () => {
    const cursor = advanceCursor({ horizon: 'a', presence: 5n }, { Message: 'c', Presence: '3' });
    expect(cursor).toEqual({ horizon: 'c', presence: 5n });
    expect(advanceCursor(cursor, { Presence: '7', Conversation: 'a' })).toEqual({
      horizon: 'c',
      presence: 7n,
    });
    expect(laterCursor({ horizon: '1', presence: 9n }, { horizon: '4', presence: 2n })).toEqual({
      horizon: '4',
      presence: 9n,
    });
  });
});
