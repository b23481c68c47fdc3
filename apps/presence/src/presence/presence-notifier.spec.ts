import type { AccessChangedEvent, AccountPush } from '@jchat/contracts';
import type { ConversationMembers } from '@jchat/bus';
import { encodeState } from '@jchat/jmap';
import type { PresenceConfig } from '../config';
import type { AccountPublisher } from '../fanout/account-publisher';
import { PresenceNotifier } from './presence-notifier';
import type { PresenceRepository } from './presence.repository';

/** u1 in c1 (with u2) and c2 (with u3); u2 in c1; u4 in c3 alone. */
const CONVERSATIONS: Record<string, string[]> = { u1: ['c1', 'c2'], u2: ['c1'], u4: ['c3'] };
const CONTACTS: Record<string, string[]> = { u1: ['u2', 'u3'], u2: ['u1'], u4: [] };

function setup() {
  const lookup = (userIds: readonly string[]) =>
    new Map(
      userIds
        .filter((id) => CONVERSATIONS[id])
        .map((id) => [id, { contacts: CONTACTS[id] ?? [], conversationIds: CONVERSATIONS[id]! }]),
    );
  const repository = {
    contactsOfMany: jest.fn(async (userIds: readonly string[]) => lookup(userIds)),
  };
  const published: { to: string[]; push: AccountPush }[] = [];
  const publisher = {
    publish: (to: Iterable<string>, push: AccountPush) => published.push({ to: [...to], push }),
  } as unknown as AccountPublisher;
  let listener: (event: AccessChangedEvent | null) => void = () => undefined;
  const members = {
    onAccessChanged: (l: typeof listener) => (listener = l),
  } as unknown as ConversationMembers;
  const notifier = new PresenceNotifier(
    repository as unknown as PresenceRepository,
    publisher,
    members,
    { PRESENCE_PUSH_MAX_MEMBERS: 50 } as PresenceConfig,
  );
  const warm = () => notifier.notify(['u1', 'u2', 'u4'].map((userId) => ({ userId, seq: 1n })));
  return {
    notifier,
    repository,
    lookup,
    published,
    warm,
    emit: (e: AccessChangedEvent | null) => listener(e),
  };
}

describe('PresenceNotifier', () => {
  it('pushes once to the contacts and the users, caching the lists', async () => {
    const { notifier, repository, published, warm } = setup();
    await warm();
    await warm();
    expect(published).toHaveLength(2);
    expect(published[0]!.to.sort()).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(repository.contactsOfMany).toHaveBeenCalledTimes(1);
    expect(notifier.cachedUsers).toBe(3);
  });

  it("tells only the changed users' contacts, with the batch's latest state", async () => {
    const { notifier, published } = setup();
    await notifier.notify([{ userId: 'u4', seq: 3n }]);
    await notifier.notify([
      { userId: 'u2', seq: 7n },
      { userId: 'u4', seq: 5n },
    ]);
    expect(published[0]!.to).toEqual(['u4']);
    expect(published[1]!.to.sort()).toEqual(['u1', 'u2', 'u4']);
    expect(published[1]!.push).toMatchObject({ states: { Presence: encodeState(7n) } });
  });

  it('tells the users themselves when their contacts cannot be read', async () => {
    const { notifier, repository, published } = setup();
    repository.contactsOfMany.mockRejectedValueOnce(new Error('database away'));
    await notifier.notify([{ userId: 'u1', seq: 2n }]);
    expect(published.map((p) => p.to)).toEqual([['u1']]);
    expect(notifier.cachedUsers).toBe(0);
  });

  it('drops only the lists of the changed conversation and the users it names', async () => {
    const { notifier, repository, warm, emit } = setup();
    await warm();
    emit({ conversationId: 'c1', userIds: ['u9'] });
    expect(notifier.cachedUsers).toBe(1);
    await warm();
    expect(repository.contactsOfMany).toHaveBeenCalledTimes(2);
    expect(repository.contactsOfMany).toHaveBeenLastCalledWith(['u1', 'u2'], 50);
    emit({ conversationId: 'c9', userIds: ['u4'] });
    expect(notifier.cachedUsers).toBe(2);
    emit({ conversationId: 'c9', userIds: [] });
    expect(notifier.cachedUsers).toBe(2);
  });

  it('drops everything on an unreadable event or one without a conversation', async () => {
    const { notifier, warm, emit } = setup();
    await warm();
    emit(null);
    expect(notifier.cachedUsers).toBe(0);
    await warm();
    emit({ conversationId: null, userIds: ['u1'] });
    expect(notifier.cachedUsers).toBe(0);
  });

  it('does not cache a list read while access changed', async () => {
    const { notifier, repository, lookup, emit } = setup();
    let release: () => void = () => undefined;
    repository.contactsOfMany.mockImplementationOnce(
      (userIds) => new Promise((resolve) => (release = () => resolve(lookup(userIds)))),
    );
    const pending = notifier.notify([{ userId: 'u2', seq: 1n }]);
    await new Promise((resolve) => setImmediate(resolve));
    emit({ conversationId: 'c1', userIds: ['u2'] });
    release();
    await pending;
    expect(notifier.cachedUsers).toBe(0);
  });
});
