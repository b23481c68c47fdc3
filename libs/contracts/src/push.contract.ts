import { busPrefix } from './contract';
import type { JmapDataType, PushedMessage } from './events.contract';

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
