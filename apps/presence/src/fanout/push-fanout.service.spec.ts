import type { AccountPush } from '@jchat/contracts';
import type { AccountPublisher } from './account-publisher';
import type { ConversationMembers } from '@jchat/bus';
import { normalizeEvent, PushFanoutService } from './push-fanout.service';
import type { SyncRepository } from '@jchat/db';
import type { EventBus } from '@jchat/bus';

function setup(members: string[]) {
  const published: { to: string[]; push: AccountPush }[] = [];
  const publisher = {
    publish: (to: Iterable<string>, push: AccountPush) => {
      published.push({ to: [...to], push });
      return [...to].length;
    },
  } as unknown as AccountPublisher;
  const membersService = {
    members: jest.fn(async () => ({ ids: members, set: new Set(members) })),
  } as unknown as ConversationMembers;
  const sync = {
    horizon: jest.fn(async () => ({ modseq: 36n * 36n, fingerprint: 'ab12' })),
  } as unknown as SyncRepository;
  const service = new PushFanoutService({} as EventBus, membersService, sync, publisher);
  return { service, published, membersService, sync };
}

describe('PushFanoutService', () => {
  it('pushes one event to the members and the extra accounts, with the horizon as state', async () => {
    const { service, published } = setup(['u1', 'u2']);
    const reached = await service.fanOut({
      conversationId: 'c1',
      types: ['Message', 'Conversation'],
      extraAccountIds: ['u3', 'u1'],
      messageId: 'm1',
      at: new Date().toISOString(),
    });
    expect(reached).toBe(3);
    expect(published).toEqual([
      {
        to: ['u3', 'u1', 'u2'],
        push: {
          kind: 'state',
          types: ['Message', 'Conversation'],
          states: { Message: '100~ab12', Conversation: '100~ab12' },
          messageId: 'm1',
          conversationId: 'c1',
        },
      },
    ]);
  });

  it('needs no member lookup for account-only changes, and drops Presence and malformed events', async () => {
    const { service, published, membersService } = setup(['u1']);
    await service.fanOut({
      conversationId: null,
      types: ['User'],
      extraAccountIds: ['u9'],
      messageId: null,
      at: '',
    });
    expect(membersService.members).not.toHaveBeenCalled();
    expect(published[0]!.to).toEqual(['u9']);
    expect(
      await service.fanOut({
        conversationId: null,
        types: ['Presence'],
        extraAccountIds: ['u9'],
        messageId: null,
        at: '',
      }),
    ).toBe(0);
    expect(await service.fanOut({ types: ['Nope'] } as never)).toBe(0);
  });

  it('normalizes events with missing optional fields', () => {
    expect(normalizeEvent({ types: ['Message'], conversationId: 'c' })).toMatchObject({
      conversationId: 'c',
      extraAccountIds: [],
      messageId: null,
    });
    expect(normalizeEvent(null)).toBeNull();
    expect(normalizeEvent({ types: ['Message'], extraAccountIds: [1] })).toBeNull();
  });
});
