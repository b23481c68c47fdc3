import { SetErrorException } from '@jchat/jmap';
import { directKey, parseNewConversation } from './conversation-input';
import {
  mentionsIsMember,
  parseConversationFilter,
  parseConversationSort,
} from './conversation-filter';

const ANN = '11111111-1111-4111-8111-111111111111';
const BOB = '22222222-2222-4222-8222-222222222222';
const CAT = '33333333-3333-4333-8333-333333333333';

function propertiesOf(run: () => unknown): string[] | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SetErrorException) return error.setError.properties;
    throw error;
  }
  return undefined;
}

describe('parseNewConversation', () => {
  it('defaults to a private conversation without the creator among the invitees', () => {
    expect(
      parseNewConversation(
        { conversationType: 'group', participantIds: [ANN, BOB, BOB], title: '  Hi  ' },
        ANN,
      ),
    ).toEqual({
      title: 'Hi',
      description: null,
      conversationType: 'group',
      privacyLevel: 'private',
      participantIds: [BOB],
      settings: {},
      metadata: {},
      isMuted: false,
    });
  });

  it('names the invalid property', () => {
    expect(propertiesOf(() => parseNewConversation({}, ANN))).toEqual(['conversationType']);
    expect(
      propertiesOf(() =>
        parseNewConversation({ conversationType: 'group', privacyLevel: 'open' }, ANN),
      ),
    ).toEqual(['privacyLevel']);
    expect(
      propertiesOf(() =>
        parseNewConversation({ conversationType: 'group', id: 'x', myRole: 'owner' }, ANN),
      ),
    ).toEqual(['id', 'myRole']);
    expect(
      propertiesOf(() => parseNewConversation({ conversationType: 'group', metadata: 'x' }, ANN)),
    ).toEqual(['metadata']);
    expect(
      propertiesOf(() =>
        parseNewConversation(
          { conversationType: 'group', settings: { big: 'x'.repeat(20000) } },
          ANN,
        ),
      ),
    ).toEqual(['settings']);
  });

  it('keeps a direct conversation private and between exactly two people', () => {
    expect(
      parseNewConversation({ conversationType: 'direct', participantIds: [BOB] }, ANN)
        .participantIds,
    ).toEqual([BOB]);
    expect(
      propertiesOf(() =>
        parseNewConversation({ conversationType: 'direct', participantIds: [ANN] }, ANN),
      ),
    ).toEqual(['participantIds']);
    expect(
      propertiesOf(() =>
        parseNewConversation({ conversationType: 'direct', participantIds: [BOB, CAT] }, ANN),
      ),
    ).toEqual(['participantIds']);
    expect(
      propertiesOf(() =>
        parseNewConversation(
          { conversationType: 'direct', privacyLevel: 'public', participantIds: [BOB] },
          ANN,
        ),
      ),
    ).toEqual(['privacyLevel']);
  });

  it('keys a pair the same way whoever starts', () => {
    expect(directKey(ANN, BOB)).toBe(directKey(BOB, ANN));
  });
});

describe('conversation filters and sorts', () => {
  it('checks values and tells whether membership is filtered', () => {
    const filter = parseConversationFilter({
      operator: 'OR',
      conditions: [{ isMember: false }, { text: 'x' }],
    });
    expect(mentionsIsMember(filter)).toBe(true);
    expect(mentionsIsMember(parseConversationFilter({ hasUnread: true }))).toBe(false);
    expect(() => parseConversationFilter({ isArchived: 'yes' })).toThrow('invalidArguments');
    expect(() => parseConversationFilter({ privacyLevel: 'open' })).toThrow('invalidArguments');
  });

  it('sorts by recent activity unless told otherwise', () => {
    expect(parseConversationSort([])).toEqual([
      { property: 'lastMessageAt', isAscending: false },
      { property: 'createdAt', isAscending: false },
    ]);
    expect(parseConversationSort([{ property: 'title', isAscending: true }])).toEqual([
      { property: 'title', isAscending: true },
    ]);
  });
});
