import type { AccessChangedEvent, AccountPush } from '@jchat/contracts';
import type { PresenceConfig } from '../config';
import type { AccountPublisher } from '../fanout/account-publisher';
import type { ConversationMembers } from '@jchat/bus';
import { PresenceNotifier } from './presence-notifier';
import type { PresenceRepository } from './presence.repository';

/** u1 in c1 (with u2) and c2 (with u3); u2 in c1; u4 in c3 alone. */
const CONVERSATIONS: Record<string, string[]> = { u1: ['c1', 'c2'], u2: ['c1'], u4: ['c3'] };
const CONTACTS: Record<string, string[]> = { u1: ['u2', 'u3'], u2: ['u1'], u4: [] };

function setup() {
  const repository = {
    contacts: jest.fn(async (userId: string) => CONTACTS[userId] ?? []),
    conversationsOf: jest.fn(async (userId: string) => CONVERSATIONS[userId] ?? []),
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
    published,
    warm,
    emit: (e: AccessChangedEvent | null) => listener(e),
  };
}

describe('PresenceNotifier', () => {
  it('pushes to the contacts and the user, caching the lists', async () => {
    const { notifier, repository, published, warm } = setup();
    await warm();
    await warm();
    expect(published.find((p) => p.to.includes('u1') && p.to.includes('u3'))?.to.sort()).toEqual([
      'u1',
      'u2',
      'u3',
    ]);
    expect(repository.contacts).toHaveBeenCalledTimes(3);
    expect(notifier.cachedUsers).toBe(3);
  });

  it('drops only the lists of the changed conversation and the users it names', async () => {
    const { notifier, repository, warm, emit } = setup();
    await warm();
    emit({ conversationId: 'c1', userIds: ['u9'] });
    expect(notifier.cachedUsers).toBe(1);
    await warm();
    expect(repository.contacts).toHaveBeenCalledTimes(5);
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
    const { notifier, repository, emit } = setup();
    let release: () => void = () => undefined;
    repository.conversationsOf.mockImplementationOnce(
      () => new Promise<string[]>((resolve) => (release = () => resolve(['c1']))),
    );
    const pending = notifier.notify([{ userId: 'u2', seq: 1n }]);
    await new Promise((resolve) => setImmediate(resolve));
    emit({ conversationId: 'c1', userIds: ['u2'] });
    release();
    await pending;
    expect(notifier.cachedUsers).toBe(0);
  });
});
