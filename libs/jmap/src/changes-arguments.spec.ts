import { parseChangesArguments } from './changes-arguments';
import { JmapMethodError } from './errors';

describe('parseChangesArguments', () => {
  it('parses the arguments, maxChanges defaulting to null', () => {
    expect(parseChangesArguments({ accountId: 'A1', sinceState: 's1' })).toEqual({
      accountId: 'A1',
      sinceState: 's1',
      maxChanges: null,
      extra: {},
    });
    expect(
      parseChangesArguments({ accountId: 'A1', sinceState: 's1', maxChanges: 50 }).maxChanges,
    ).toBe(50);
    expect(
      parseChangesArguments({ accountId: 'A1', sinceState: 's1', maxChanges: null }).maxChanges,
    ).toBeNull();
  });

  it.each([
    ['a missing sinceState', { accountId: 'A1' }],
    ['a null sinceState', { accountId: 'A1', sinceState: null }],
    ['a zero maxChanges', { accountId: 'A1', sinceState: 's', maxChanges: 0 }],
    ['a negative maxChanges', { accountId: 'A1', sinceState: 's', maxChanges: -1 }],
    ['a fractional maxChanges', { accountId: 'A1', sinceState: 's', maxChanges: 1.5 }],
    ['a string maxChanges', { accountId: 'A1', sinceState: 's', maxChanges: '5' }],
    ['a missing accountId', { sinceState: 's' }],
    ['an unknown argument', { accountId: 'A1', sinceState: 's', since: 's' }],
  ])('rejects %s with invalidArguments', (_case, args) => {
    expect(() => parseChangesArguments(args)).toThrow(
      expect.objectContaining({ type: 'invalidArguments' }),
    );
    expect(() => parseChangesArguments(args)).toThrow(JmapMethodError);
  });
});
