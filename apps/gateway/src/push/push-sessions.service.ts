import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DomainException, JMAP_DATA_TYPES, type JmapDataType } from '@jchat/contracts';
import { encodeState } from '@jchat/jmap';
import type { AuthUser } from '../auth/auth-user';
import { SessionLivenessService } from '../auth/session-liveness.service';
import { CatchUpService } from './catch-up.service';
import { DeliveryReceipts } from './delivery-receipts';
import { MessageFetcher } from './message-fetcher';
import { PresenceReporter } from './presence-reporter.service';
import { PUSH_CONFIG, type PushConfig } from './push-config';
import { PushHub } from './push-hub.service';
import { decodePushState, type PushCursor, type TypeStates } from './push-state';
import { type PushFilter, type PushOutput, PushStream } from './push-stream';

/**
 * Why the server ends a push connection ('done': EventSource closeafter=state; 'restart': this
 * gateway stops, the client should reconnect, to another one).
 */
export type CloseReason = 'tooSlow' | 'sessionEnded' | 'shutdown' | 'restart' | 'done';

/** What a transport (WebSocket, EventSource) gives a push session. */
export interface PushTransport {
  emit(output: PushOutput): void;
  close(reason: CloseReason): void;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(JMAP_DATA_TYPES);

/** One open push connection: its stream, its subscription, its place in the registry. */
export class PushSession {
  private ended = false;

  constructor(
    readonly user: AuthUser,
    readonly stream: PushStream,
    private readonly transport: PushTransport,
    private readonly owner: PushSessions,
    private readonly detach: () => void,
  ) {}

  /** Starts pushing; with a pushState, first one StateChange for what changed since it. */
  enable(filter: PushFilter, pushState: string | null): void {
    this.stream.enable(filter);
    this.owner
      .startFrom(this, filter, pushState)
      .catch((error: unknown) => this.owner.failed(this, error));
  }

  disable(): void {
    this.stream.disable();
  }

  /** The client changed something: keeps its presence from going away. */
  touch(): void {
    this.owner.touch(this.user.userId);
  }

  close(reason: CloseReason): void {
    if (this.ended) return;
    this.transport.close(reason);
    this.end();
  }

  /** The transport is gone: stop everything. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stream.close();
    this.detach();
    this.owner.forget(this);
  }
}

/**
 * Opens push sessions for both transports and keeps them: checks every heartbeat that
 * their sign-in sessions are still live (a revoked one is closed), and closes all of
 * them when the gateway stops.
 */
@Injectable()
export class PushSessions implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('push');
  private readonly sessions = new Set<PushSession>();
  private timer: NodeJS.Timeout | null = null;
  /** False once the gateway restarts: a push connection opened then would hold up its stop. */
  private accepting = true;

  constructor(
    private readonly hub: PushHub,
    private readonly fetcher: MessageFetcher,
    private readonly catchUp: CatchUpService,
    private readonly reporter: PresenceReporter,
    private readonly liveness: SessionLivenessService,
    private readonly receipts: DeliveryReceipts,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Announced revocations close their sockets at once; the periodic check is the backstop
    // for any announcement missed.
    this.liveness.onRevoked((sessionIds) => this.closeSessions(new Set(sessionIds)));
    this.timer = setInterval(() => void this.checkLiveness(), this.config.PUSH_HEARTBEAT_MS);
    this.timer.unref();
  }

  private closeSessions(sessionIds: ReadonlySet<string>): void {
    for (const session of [...this.sessions]) {
      if (sessionIds.has(session.user.sessionId)) session.close('sessionEnded');
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.closeAll('shutdown');
  }

  /**
   * Closes every push connection (a WebSocket first answers the requests it runs); on a
   * restart, refuses new ones from then on.
   */
  closeAll(reason: CloseReason): void {
    if (reason === 'restart') this.accepting = false;
    for (const session of [...this.sessions]) session.close(reason);
  }

  get count(): number {
    return this.sessions.size;
  }

  /** Resolves once pushes for the user's account reach the new session. */
  async open(user: AuthUser, transport: PushTransport): Promise<PushSession> {
    this.refuseWhileRestarting();
    let session: PushSession | null = null;
    const stream = new PushStream({
      accountId: user.userId,
      intervalMs: this.config.PUSH_INTERVAL_MS,
      maxPendingObjects: this.config.PUSH_MAX_PENDING_OBJECTS,
      fetchMessage: (messageId) => this.fetcher.fetch(user, messageId),
      emit: (output) => transport.emit(output),
      onTooSlow: () => session?.close('tooSlow'),
      onMessagePushed: (conversationId, messageId) =>
        this.receipts.delivered(user.userId, conversationId, messageId),
    });
    const detach = await this.hub.attach(user.userId, (push) => stream.push(push));
    if (!this.accepting) detach(); // the restart began meanwhile
    this.refuseWhileRestarting();
    session = new PushSession(user, stream, transport, this, detach);
    this.sessions.add(session);
    return session;
  }

  private refuseWhileRestarting(): void {
    if (this.accepting) return;
    throw new DomainException('unavailable', 'this gateway is restarting: reconnect', {
      retryAfterSeconds: 1,
    });
  }

  forget(session: PushSession): void {
    this.sessions.delete(session);
  }

  touch(userId: string): void {
    this.reporter.touch(userId);
  }

  /** Starting the session's pushes went wrong: close it (the client reconnects and resyncs). */
  failed(session: PushSession, error: unknown): void {
    this.logger.error(
      { error: error instanceof Error ? error.stack : String(error) },
      'push session failed',
    );
    session.close('shutdown');
  }

  async startFrom(
    session: PushSession,
    filter: PushFilter,
    pushState: string | null,
  ): Promise<void> {
    const baseline = await this.catchUp
      .current({ fresh: pushState !== null })
      .catch((error: unknown): PushCursor => {
        // Without a baseline, start from nothing: a reconnection then re-checks everything (safe).
        this.logger.warn({ error: String(error) }, 'no push baseline');
        return { horizon: '0', presence: 0n };
      });
    if (pushState !== null) {
      const types = wantedTypes(filter);
      const since = decodePushState(pushState);
      const states: TypeStates = since
        ? await this.catchUp.changedSince(session.user, since, types, baseline)
        : everything(types, baseline);
      session.stream.addStates(states);
    }
    session.stream.setBaseline(baseline);
  }

  private async checkLiveness(): Promise<void> {
    const bySession = new Map<string, PushSession[]>();
    for (const session of this.sessions) {
      const list = bySession.get(session.user.sessionId) ?? [];
      list.push(session);
      bySession.set(session.user.sessionId, list);
    }
    const lists = [...bySession.values()];
    const checked = lists.flatMap((list) =>
      list[0] ? [{ userId: list[0].user.userId, sessionId: list[0].user.sessionId }] : [],
    );
    // Unknown (Redis and auth both away) counts as live: the next round decides.
    const live = await this.liveness.areLive(checked).catch(() => checked.map(() => true));
    lists.forEach((list, index) => {
      if (live[index] === false) for (const session of list) session.close('sessionEnded');
    });
  }
}

function wantedTypes(filter: PushFilter): JmapDataType[] {
  if (filter.dataTypes === null) return [...JMAP_DATA_TYPES];
  return [...filter.dataTypes].filter((type): type is JmapDataType => KNOWN_TYPES.has(type));
}

function everything(types: readonly JmapDataType[], baseline: PushCursor): TypeStates {
  const states: TypeStates = {};
  for (const type of types) {
    states[type] = encodeFor(type, baseline);
  }
  return states;
}

function encodeFor(type: JmapDataType, cursor: PushCursor): string {
  return type === 'Presence' ? encodeState(cursor.presence) : cursor.horizon;
}
