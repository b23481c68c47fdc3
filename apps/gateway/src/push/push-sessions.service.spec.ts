import { DomainException } from '@jchat/contracts';
import type { AuthUser } from '../auth/auth-user';
import type { SessionLivenessService } from '../auth/session-liveness.service';
import type { CatchUpService } from './catch-up.service';
import type { DeliveryReceipts } from './delivery-receipts';
import type { MessageFetcher } from './message-fetcher';
import type { PresenceReporter } from './presence-reporter.service';
import { loadPushConfig } from './push-config';
import type { PushHub } from './push-hub.service';
import { type CloseReason, PushSessions, type PushTransport } from './push-sessions.service';

const user: AuthUser = { userId: 'u1', sessionId: 's1' };

function transport(): PushTransport & { closedWith: CloseReason[] } {
  const closedWith: CloseReason[] = [];
  return { closedWith, emit: () => undefined, close: (reason) => closedWith.push(reason) };
}

function setup() {
  const detached: string[] = [];
  const hub = {
    attach: async (accountId: string) => () => detached.push(accountId),
  } as unknown as PushHub;
  const sessions = new PushSessions(
    hub,
    {} as MessageFetcher,
    {} as CatchUpService,
    { touch: () => undefined } as unknown as PresenceReporter,
    {} as SessionLivenessService,
    {} as DeliveryReceipts,
    loadPushConfig({}),
  );
  return { sessions, detached };
}

describe('PushSessions on a restart', () => {
  it('closes every connection for a restart, then refuses new ones', async () => {
    const { sessions, detached } = setup();
    const first = transport();
    const second = transport();
    await sessions.open(user, first);
    await sessions.open(user, second);
    expect(sessions.count).toBe(2);

    sessions.closeAll('restart');
    expect(first.closedWith).toEqual(['restart']);
    expect(second.closedWith).toEqual(['restart']);
    expect(sessions.count).toBe(0);
    expect(detached).toEqual(['u1', 'u1']);

    await expect(sessions.open(user, transport())).rejects.toBeInstanceOf(DomainException);
    expect(sessions.count).toBe(0);
  });

  it('refuses a connection whose subscription completes after the restart began', async () => {
    const { sessions, detached } = setup();
    const opening = sessions.open(user, transport());
    sessions.closeAll('restart');
    await expect(opening).rejects.toBeInstanceOf(DomainException);
    expect(detached).toEqual(['u1']);
    expect(sessions.count).toBe(0);
  });
});
