import type { ConversationAccess } from '@jchat/contracts';
import { LocalAccessAnswers } from './local-access-answers';

const member = { isMember: true, role: 'member' } as ConversationAccess;
const outsider = { isMember: false, role: null } as ConversationAccess;

function setup(ttlMs = 1000, maxEntries = 100) {
  let clock = 0;
  const answers = new LocalAccessAnswers(ttlMs, maxEntries, () => clock);
  return { answers, advance: (ms: number) => (clock += ms) };
}

describe('LocalAccessAnswers', () => {
  it("keeps a member's answer for its TTL only", () => {
    const { answers, advance } = setup(1000);
    answers.remember('c1', 'u1', member, answers.generation());
    expect(answers.get('c1', 'u1')).toBe(member);
    advance(999);
    expect(answers.get('c1', 'u1')).toBe(member);
    advance(1);
    expect(answers.get('c1', 'u1')).toBeUndefined();
  });

  it('hands out one refresh of an answer in use once it has lived 60 % of its TTL', () => {
    const { answers, advance } = setup(1000);
    answers.remember('c1', 'u1', member, answers.generation());
    expect(answers.refreshDue('c1', 'u1')).toBe(false);
    advance(599);
    expect(answers.refreshDue('c1', 'u1')).toBe(false);
    advance(1);
    expect(answers.refreshDue('c1', 'u1')).toBe(true);
    expect(answers.refreshDue('c1', 'u1')).toBe(false);
    expect(answers.get('c1', 'u1')).toBe(member);
    // The refreshed answer starts over; one not refreshed still expires on time.
    answers.remember('c1', 'u1', member, answers.generation());
    advance(599);
    expect(answers.refreshDue('c1', 'u1')).toBe(false);
    expect(answers.get('c1', 'u1')).toBe(member);
    advance(401);
    expect(answers.get('c1', 'u1')).toBeUndefined();
    expect(answers.refreshDue('c1', 'u1')).toBe(false);
    expect(answers.refreshDue('c2', 'u1')).toBe(false);
  });

  it('keeps no answer for a non-member, and forgets the member answer it replaces', () => {
    const { answers } = setup();
    answers.remember('c1', 'u1', outsider, answers.generation());
    expect(answers.get('c1', 'u1')).toBeUndefined();
    answers.remember('c1', 'u1', member, answers.generation());
    answers.remember('c1', 'u1', outsider, answers.generation());
    expect(answers.get('c1', 'u1')).toBeUndefined();
  });

  it('refuses an answer looked up before an invalidation', () => {
    const { answers } = setup();
    const before = answers.generation();
    answers.forget({ conversationId: 'c2', userIds: [] });
    answers.remember('c1', 'u1', member, before);
    expect(answers.get('c1', 'u1')).toBeUndefined();
  });

  it('forgets what an access change names, as the Redis cache does', () => {
    const { answers } = setup();
    const remember = (c: string, u: string) => answers.remember(c, u, member, answers.generation());
    remember('c1', 'u1');
    remember('c1', 'u2');
    remember('c2', 'u1');
    remember('c2', 'u3');
    // A conversation's change: all of its answers, whichever users it names.
    answers.forget({ conversationId: 'c1', userIds: ['u1'] });
    expect(answers.get('c1', 'u2')).toBeUndefined();
    expect(answers.get('c2', 'u1')).toBe(member);
    // A user's change: their answers in every conversation.
    answers.forget({ conversationId: null, userIds: ['u1'] });
    expect(answers.get('c2', 'u1')).toBeUndefined();
    expect(answers.get('c2', 'u3')).toBe(member);
    // Everything (a change of all users, or an event that could not be read).
    answers.forget(null);
    expect(answers.get('c2', 'u3')).toBeUndefined();
  });

  it('stays within its bound', () => {
    const { answers } = setup(1000, 2);
    answers.remember('c1', 'u1', member, answers.generation());
    answers.remember('c1', 'u2', member, answers.generation());
    answers.remember('c1', 'u3', member, answers.generation());
    expect(
      ['u1', 'u2', 'u3'].filter((u) => answers.get('c1', u) !== undefined).length,
    ).toBeLessThanOrEqual(2);
    expect(answers.get('c1', 'u3')).toBe(member);
  });
});
