import { busPrefix } from './contract';
import type { JmapDataType, PushedMessage, StateChangedEvent } from './events.contract';

/**
 * The push delivery subject (core NATS, not persisted): every gateway subscribes to
 * `<prefix>.push.deliver` once, at start-up, and hands each `PushDelivery` to the connections
 * it holds of the accounts named. One message per push (per MAX_ACCOUNTS_PER_DELIVERY
 * accounts), not one per account: a message into a 50-member group is one NATS message, not
 * 50, and a connection is served from the moment it opens, with no subscription to wait for.
 * A client that misses a push resyncs with /changes from its last state.
 */
export function pushDeliverySubject(): string {
  return `${busPrefix()}.push.deliver`;
}

/** Accounts named in one PushDelivery at most (about 150 kB of ids, far under NATS' 1 MB). */
export const MAX_ACCOUNTS_PER_DELIVERY = 4096;

export interface PushDelivery {
  accountIds: string[];
  push: AccountPush;
  /** When it was published (ms since the epoch): a gateway's push lag is its age on arrival. */
  sentAt?: number;
}

/**
 * The push lag subject (core NATS): every gateway reports, every PUSH_LAG_REPORT_MS, how far
 * behind its push deliveries are, and every messaging replica listens, to refuse new messages
 * (retryably) while pushes are so far behind that accepting more would only queue them.
 */
export function pushLagSubject(): string {
  return `${busPrefix()}.push.lag`;
}

export interface PushLagReport {
  gatewayId: string;
  /**
   * The freshest push delivery this gateway handled since its last report, by age on arrival:
   * the backlog that stood through the interval (0 when none came).
   */
  lagMs: number;
  /** How long the report holds: a gateway that stops reporting stops counting. */
  validForMs: number;
}

export type AccountPush =
  | {
      kind: 'state';
      types: JmapDataType[];
      /**
       * The state of each changed type as `Foo/get` would return it now: for the PostgreSQL
       * types the sync horizon read by the fan-out after the write committed; for Presence its
       * own counter.
       */
      states: Partial<Record<JmapDataType, string>>;
      messageId: string | null;
      conversationId: string | null;
      /** New messages carried whole (see StateChangedEvent.messages). */
      messages?: PushedMessage[];
    }
  | { kind: 'typing'; conversationId: string; userId: string; isTyping: boolean };

/**
 * The push of a state change to the accounts that can see it, or null when it has nothing to
 * push. `state` is the sync horizon read after the write committed: every PostgreSQL type's
 * `/get` state is such a horizon. Presence is left out: its state is its own counter and its
 * pushes come from the presence service.
 */
export function statePush(event: StateChangedEvent, state: string): AccountPush | null {
  const types = [...new Set(event.types)].filter((type) => type !== 'Presence');
  if (types.length === 0) return null;
  const states: Partial<Record<JmapDataType, string>> = {};
  for (const type of types) states[type] = state;
  return {
    kind: 'state',
    types,
    states,
    messageId: event.messageId,
    conversationId: event.conversationId,
    ...(event.messages ? { messages: event.messages } : {}),
  };
}
