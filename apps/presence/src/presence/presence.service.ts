import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  PresenceConnectionChange,
  PresenceConnectionRequest,
  PresenceConnectionsRequest,
  PresenceHeartbeatRequest,
} from '@jchat/contracts';
import { MicroBatcher, toUtcDate } from '@jchat/common';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { PresenceNotifier } from './presence-notifier';
import { PresenceRepository } from './presence.repository';
import {
  isPresenceStatus,
  type PresenceRecord,
  type PresenceStatus,
  PresenceStore,
  type RefreshInput,
  type RefreshOutcome,
} from './presence.store';

const SWEEP_BATCH = 500;

/** The Presence object (id = user id). */
export interface PresenceView {
  id: string;
  status: PresenceStatus;
  statusMessage: string | null;
  lastSeenAt: string | null;
  isTypingIn: string | null;
  updatedAt: string | null;
}

/**
 * Who is online: gateways report push connections (opened, closed, heartbeats);
 * Redis keeps it with expiry; a change of status is pushed to the user's contacts.
 * PostgreSQL gets lastSeenAt at most once a minute per user, and the user's own
 * choice (status, message) when they set it.
 */
@Injectable()
export class PresenceService {
  private readonly logger = new Logger('presence');

  constructor(
    private readonly store: PresenceStore,
    private readonly repository: PresenceRepository,
    private readonly notifier: PresenceNotifier,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {}

  /**
   * A gateway's report of the accounts whose first push connection opened or last one closed,
   * in the order it saw them: each run of opens (or closes) is applied together, the runs in
   * order, so an account's close never overtakes its open.
   */
  async connectionsChanged(request: PresenceConnectionsRequest, now = Date.now()): Promise<void> {
    for (const run of runsOf(request.changes)) {
      const { gatewayId, ttlMs } = request;
      const reports = run.map(({ userId }) => ({ userId, gatewayId, ttlMs }));
      if (run[0]?.opened)
        await this.connectAll(reports.map((report) => ({ request: report, now })));
      else await this.disconnectAll(reports, now);
    }
  }

  /** A gateway holds a first push connection of the user (one report: see connectionsChanged). */
  connected(request: PresenceConnectionRequest, now = Date.now()): Promise<void> {
    return this.connections.add({ request, now });
  }

  /** Single reports arriving together are applied together (see connectAll). */
  private readonly connections = new MicroBatcher<
    { request: PresenceConnectionRequest; now: number },
    void
  >(async (reports) => {
    await this.connectAll(reports);
    return reports.map(() => undefined);
  });

  /** One lookup of the saved choices and one Redis round trip for all of them. */
  private async connectAll(
    reports: readonly { request: PresenceConnectionRequest; now: number }[],
  ): Promise<void> {
    await this.ensureLoaded(reports.map((report) => report.request.userId));
    await this.apply(
      reports.map(({ request, now }) => ({
        userId: request.userId,
        now,
        gateway: { id: request.gatewayId, expiresAt: now + request.ttlMs },
        activeAt: now,
      })),
    );
  }

  /** The last connection on a gateway closed: the user stays online for the grace period only. */
  disconnected(request: PresenceConnectionRequest, now = Date.now()): Promise<void> {
    return this.disconnectAll([request], now);
  }

  private async disconnectAll(
    requests: readonly PresenceConnectionRequest[],
    now: number,
  ): Promise<void> {
    const expiresAt = now + this.config.PRESENCE_OFFLINE_GRACE_MS;
    await this.apply(
      requests.map((request) => ({
        userId: request.userId,
        now,
        gateway: { id: request.gatewayId, expiresAt },
      })),
    );
  }

  async heartbeat(request: PresenceHeartbeatRequest, now = Date.now()): Promise<void> {
    const expiresAt = now + request.ttlMs;
    await this.apply(
      request.accounts.map((account) => {
        const active = Date.parse(account.lastActiveAt);
        return {
          userId: account.userId,
          now,
          gateway: { id: request.gatewayId, expiresAt },
          ...(Number.isFinite(active) ? { activeAt: Math.min(active, now) } : {}),
        };
      }),
    );
  }

  /** The user's own choice; returns the status others now see. */
  async choose(
    userId: string,
    change: { status?: PresenceStatus; statusMessage?: string | null },
    now = Date.now(),
  ): Promise<PresenceStatus> {
    await this.ensureLoaded([userId]);
    await this.repository.saveChoice(userId, change);
    await this.store.setChosen(userId, {
      chosen: change.status,
      statusMessage: change.statusMessage,
    });
    const [outcome] = await this.apply([{ userId, now, force: true, activeAt: now }]);
    return outcome?.status ?? 'offline';
  }

  /** Finds connections that ran out and users gone idle; returns how many were looked at. */
  async sweep(now = Date.now()): Promise<number> {
    const expired = await this.store.expiredConnections(now, SWEEP_BATCH);
    const idle = await this.store.idleUsers(now - this.config.PRESENCE_AWAY_AFTER_MS, SWEEP_BATCH);
    const users = [...new Set([...expired, ...idle])];
    await this.apply(users.map((userId) => ({ userId, now })));
    return users.length;
  }

  /**
   * The Presence objects as `viewerId` sees them: `isTypingIn` only names a conversation
   * the viewer is an active member of (else null), so presence never reveals which
   * private conversation someone is typing in.
   */
  async view(
    viewerId: string,
    userIds: readonly string[],
    now = Date.now(),
  ): Promise<PresenceView[]> {
    const records = await this.store.read(userIds, now);
    const missing = userIds.filter((id) => !records.get(id)?.loaded);
    const rows = await this.repository.rows(missing);
    const typingIn = [
      ...new Set(
        [...records.values()].flatMap((record) => (record?.typingIn ? [record.typingIn] : [])),
      ),
    ];
    const shared = await this.repository.memberOf(viewerId, typingIn);
    return userIds.map((id) => {
      const view = toView(id, records.get(id) ?? null, rows.get(id) ?? null);
      if (view.isTypingIn !== null && !shared.has(view.isTypingIn)) view.isTypingIn = null;
      return view;
    });
  }

  async currentState(): Promise<bigint> {
    return this.store.currentSeq();
  }

  private async apply(inputs: RefreshInput[]): Promise<RefreshOutcome[]> {
    const outcomes = await this.store.refresh(inputs);
    const seen = outcomes
      .filter((outcome) => outcome.writeLastSeen && outcome.seenAt > 0)
      .map((outcome) => ({ userId: outcome.userId, at: new Date(outcome.seenAt) }));
    if (seen.length > 0) {
      await this.repository.writeLastSeen(seen).catch((error: unknown) => {
        this.logger.warn({ error: String(error) }, 'lastSeenAt write failed');
      });
    }
    const changes = outcomes.filter((outcome) => outcome.changed);
    if (changes.length > 0) await this.notifier.notify(changes);
    return outcomes;
  }

  /** Copies the users' saved choices from PostgreSQL into Redis the first time they are needed. */
  private async ensureLoaded(userIds: readonly string[]): Promise<void> {
    const missing = await this.store.notLoaded([...new Set(userIds)]);
    if (missing.length === 0) return;
    const rows = await this.repository.rows(missing);
    await this.store.seed(
      missing.map((userId) => {
        const row = rows.get(userId);
        return {
          userId,
          chosen: row && isPresenceStatus(row.status) ? row.status : 'online',
          statusMessage: row?.statusMessage ?? null,
          lastSeenAt: row ? row.lastSeenAt.getTime() : 0,
        };
      }),
    );
  }
}

/** Consecutive changes of one kind (all opens, or all closes), in order. */
export function runsOf(changes: readonly PresenceConnectionChange[]): PresenceConnectionChange[][] {
  const runs: PresenceConnectionChange[][] = [];
  for (const change of changes) {
    const run = runs.at(-1);
    if (run && run[0]?.opened === change.opened) run.push(change);
    else runs.push([change]);
  }
  return runs;
}

function toView(
  id: string,
  record: PresenceRecord | null,
  row: { statusMessage: string | null; lastSeenAt: Date; updatedAt: Date } | null,
): PresenceView {
  const seenAt = record?.seenAt || row?.lastSeenAt.getTime() || null;
  const updatedAt = record?.updatedAt ?? row?.updatedAt.getTime() ?? null;
  return {
    id,
    status: record?.status ?? 'offline',
    statusMessage: record?.loaded
      ? record.statusMessage
      : (row?.statusMessage ?? record?.statusMessage ?? null),
    lastSeenAt: seenAt ? toUtcDate(new Date(seenAt)) : null,
    isTypingIn: record?.typingIn ?? null,
    updatedAt: updatedAt ? toUtcDate(new Date(updatedAt)) : null,
  };
}
