import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { hostname } from 'node:os';
import {
  PRESENCE_CONNECTION_BATCH,
  PRESENCE_HEARTBEAT_BATCH,
  type PresenceConnectionChange,
  PresenceSubjects,
} from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import { MicroBatcher, randomToken } from '@jchat/common';
import { PUSH_CONFIG, type PushConfig } from './push-config';

interface AccountActivity {
  lastActiveAt: number;
  /** The last activity time the presence service was told of. */
  reportedActiveAt: number;
}

/**
 * Tells the presence service which accounts hold push connections on this gateway:
 * at the first open and the last close, and in a batched heartbeat that also carries each
 * account's last activity. Opens and closes go in order, one report at a time: those that
 * happen while a report is on its way go together in the next (thousands of sockets opening
 * at once cost a few messages, not one each), and with no load a change is reported at once.
 * No database is touched per heartbeat; the presence service keeps it in Redis with expiry,
 * so a gateway that dies takes its users offline after a few missed heartbeats.
 */
@Injectable()
export class PresenceReporter implements OnApplicationBootstrap, OnModuleDestroy {
  readonly gatewayId = `${hostname()}:${process.pid}:${randomToken(4)}`;
  private readonly logger = new Logger('presence-reporter');
  private readonly accounts = new Map<string, AccountActivity>();
  private timer: NodeJS.Timeout | null = null;
  private readonly ttlMs: number;

  constructor(
    private readonly bus: BusClient,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {
    this.ttlMs = Math.max(1000, 3 * config.PUSH_HEARTBEAT_MS);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.heartbeat([...this.accounts.keys()]),
      this.config.PUSH_HEARTBEAT_MS,
    );
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.accounts.keys()].map((userId) => this.closed(userId)));
  }

  opened(userId: string): Promise<void> {
    const now = Date.now();
    this.accounts.set(userId, { lastActiveAt: now, reportedActiveAt: now });
    return this.changes.add({ userId, opened: true });
  }

  closed(userId: string): Promise<void> {
    this.accounts.delete(userId);
    return this.changes.add({ userId, opened: false });
  }

  private readonly changes = new MicroBatcher<PresenceConnectionChange, void>(async (changes) => {
    try {
      await this.bus.request(PresenceSubjects.connectionsChanged, {
        gatewayId: this.gatewayId,
        ttlMs: this.ttlMs,
        changes,
      });
    } catch (error: unknown) {
      // The next heartbeat reports every open account again; a missed close expires.
      this.logger.warn({ error: String(error), changes: changes.length }, 'presence report failed');
    }
    return changes.map(() => undefined);
  }, PRESENCE_CONNECTION_BATCH);

  /**
   * The client did something. Reported at once when the presence service's idea of the
   * account's last activity is older than PUSH_ACTIVITY_REPORT_MS (e.g. it shows as away),
   * otherwise with the next heartbeat.
   */
  touch(userId: string): void {
    const activity = this.accounts.get(userId);
    if (!activity) return;
    const now = Date.now();
    activity.lastActiveAt = now;
    if (now - activity.reportedActiveAt >= this.config.PUSH_ACTIVITY_REPORT_MS) {
      void this.heartbeat([userId]);
    }
  }

  private async heartbeat(userIds: string[]): Promise<void> {
    for (let start = 0; start < userIds.length; start += PRESENCE_HEARTBEAT_BATCH) {
      const accounts = userIds.slice(start, start + PRESENCE_HEARTBEAT_BATCH).flatMap((userId) => {
        const activity = this.accounts.get(userId);
        if (!activity) return [];
        activity.reportedActiveAt = activity.lastActiveAt;
        return [{ userId, lastActiveAt: new Date(activity.lastActiveAt).toISOString() }];
      });
      if (accounts.length === 0) continue;
      try {
        await this.bus.request(PresenceSubjects.heartbeat, {
          gatewayId: this.gatewayId,
          ttlMs: this.ttlMs,
          accounts,
        });
      } catch (error: unknown) {
        this.logger.warn(
          { error: String(error), accounts: accounts.length },
          'presence heartbeat failed',
        );
      }
    }
  }
}
