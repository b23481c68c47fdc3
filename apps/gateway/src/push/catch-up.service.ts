import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  JMAP_TYPE_OWNERS,
  JmapCallSubjects,
  type JmapDataType,
  PresenceSubjects,
} from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import { decodeCursor, decodeState, encodeState } from '@jchat/jmap';
import type { AuthUser } from '../auth/auth-user';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { PushCursor, TypeStates } from './push-state';

/** A baseline this recent may be handed to another connection (an older one is still safe). */
const BASELINE_REUSE_MS = 50;

/**
 * The push baseline (the states a new connection starts from) and the catch-up of a
 * client that reconnects with its last pushState: for each type it wants, one
 * `Foo/changes` call with `maxChanges: 1` from that state, as the user, tells whether
 * anything it can see changed meanwhile.
 */
@Injectable()
export class CatchUpService {
  private readonly logger = new Logger('push-catch-up');
  private baseline: { at: number; value: Promise<PushCursor> } | null = null;

  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * The current baseline. A recent one may be shared between new connections (starting
   * from a slightly older state only makes a later catch-up look further back); a catch-up
   * needs a `fresh` one, read after its subscription was in place.
   */
  current(options: { fresh?: boolean } = {}): Promise<PushCursor> {
    const now = Date.now();
    if (!options.fresh && this.baseline && now - this.baseline.at < BASELINE_REUSE_MS)
      return this.baseline.value;
    const value = this.bus
      .request(PresenceSubjects.pushBaseline, {}, { timeoutMs: this.config.SERVICE_TIMEOUT_MS })
      .then((reply) => {
        const presence = decodeState(reply.presence);
        if (decodeCursor(reply.horizon) === null || presence === null) {
          throw new Error('unreadable push baseline');
        }
        return { horizon: reply.horizon, presence };
      });
    this.baseline = { at: now, value };
    value.catch(() => {
      if (this.baseline?.value === value) this.baseline = null;
    });
    return value;
  }

  /** The states (as of `now`) of the types that changed for the user since `since`. */
  async changedSince(
    user: AuthUser,
    since: PushCursor,
    types: readonly JmapDataType[],
    now: PushCursor,
  ): Promise<TypeStates> {
    const checks = types.map(async (type): Promise<[JmapDataType, string] | null> => {
      const [from, to] =
        type === 'Presence'
          ? [encodeState(since.presence), encodeState(now.presence)]
          : [since.horizon, now.horizon];
      if (to === from) return null;
      return (await this.hasChanges(user, type, from)) ? [type, to] : null;
    });
    return Object.fromEntries((await Promise.all(checks)).filter((entry) => entry !== null));
  }

  private async hasChanges(
    user: AuthUser,
    type: JmapDataType,
    sinceState: string,
  ): Promise<boolean> {
    const owner = JMAP_TYPE_OWNERS[type];
    if (!owner) return false;
    try {
      const reply = await this.bus.request(
        JmapCallSubjects[owner],
        {
          userId: user.userId,
          sessionId: user.sessionId,
          name: `${type}/changes`,
          arguments: { accountId: user.userId, sinceState, maxChanges: 1 },
          callId: 'catch-up',
          createdIds: {},
        },
        { timeoutMs: this.config.SERVICE_TIMEOUT_MS },
      );
      const [name, args] = reply.methodResponses[0] ?? [];
      if (name === 'error') return args?.['type'] !== 'unknownMethod';
      if (!args) return true;
      const count = (key: string) =>
        Array.isArray(args[key]) ? (args[key] as unknown[]).length : 0;
      return (
        args['hasMoreChanges'] === true ||
        count('created') + count('updated') + count('destroyed') > 0
      );
    } catch (error: unknown) {
      // Unsure: say it changed; the client's /changes will find out.
      this.logger.warn({ type, error: String(error) }, 'catch-up check failed');
      return true;
    }
  }
}
