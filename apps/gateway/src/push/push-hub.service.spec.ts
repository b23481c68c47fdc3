import type { EventBus } from '@jchat/bus';
import type { AccountPush, PushDelivery } from '@jchat/contracts';
import type { PresenceReporter } from './presence-reporter.service';
import { PushHub } from './push-hub.service';
import type { PushLagReporter } from './push-lag-reporter.service';

function setup() {
  let onDelivery: ((delivery: PushDelivery) => void) | null = null;
  let subscriptions = 0;
  const bus = {
    subscribeToDeliveries: async (handler: (delivery: PushDelivery) => void) => {
      subscriptions += 1;
      onDelivery = handler;
      return { unsubscribe: () => undefined };
    },
  } as unknown as EventBus;
  const presence = { opened: [] as string[], closed: [] as string[] };
  const reporter = {
    opened: async (id: string) => void presence.opened.push(id),
    closed: async (id: string) => void presence.closed.push(id),
  } as unknown as PresenceReporter;
  const arrivals: (number | undefined)[] = [];
  const lag = { arrived: (sentAt?: number) => void arrivals.push(sentAt) };
  const hub = new PushHub(bus, reporter, lag as unknown as PushLagReporter);
  const deliver = (accountIds: string[], push: AccountPush, sentAt?: number) =>
    onDelivery?.({ accountIds, push, ...(sentAt === undefined ? {} : { sentAt }) });
  return { hub, deliver, presence, arrivals, subscriptions: () => subscriptions };
}

const push: AccountPush = { kind: 'typing', conversationId: 'c1', userId: 'u9', isTyping: true };

describe('PushHub', () => {
  it('hands a delivery to the connections of the accounts it names, and to no one else', async () => {
    const t = setup();
    const got: string[] = [];
    await t.hub.attach('ann', () => got.push('ann-1'));
    await t.hub.attach('ann', () => got.push('ann-2'));
    await t.hub.attach('bob', () => got.push('bob'));
    t.deliver(['ann', 'cid-not-here'], push);
    expect(got).toEqual(['ann-1', 'ann-2']);
    expect(t.subscriptions()).toBe(1);
  });

  it('tells the lag reporter when each delivery was published, also one for no one here', async () => {
    const t = setup();
    await t.hub.attach('ann', () => undefined);
    t.deliver(['ann'], push, 1_000);
    t.deliver(['nobody-here'], push, 2_000);
    expect(t.arrivals).toEqual([1_000, 2_000]);
  });

  it('reports an account opened at its first connection and closed after its last', async () => {
    const t = setup();
    const first = await t.hub.attach('ann', () => undefined);
    const second = await t.hub.attach('ann', () => undefined);
    expect(t.presence.opened).toEqual(['ann']);
    first();
    first(); // detaching twice is harmless
    expect(t.presence.closed).toEqual([]);
    second();
    expect(t.presence.closed).toEqual(['ann']);
    expect(t.hub.accountCount).toBe(0);
  });

  it('keeps delivering to the others when one connection fails', async () => {
    const t = setup();
    const got: string[] = [];
    await t.hub.attach('ann', () => {
      throw new Error('socket gone');
    });
    await t.hub.attach('bob', () => got.push('bob'));
    t.deliver(['ann', 'bob'], push);
    expect(got).toEqual(['bob']);
  });
});
