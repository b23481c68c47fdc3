import { busPrefix } from './contract';
import type { JmapDataType, PushedMessage } from './events.contract';

/**
 * Per-account push subjects (core NATS, not persisted): a gateway subscribes to
 * `<prefix>.push.account.<userId>` for each account with an open connection, so
 * no gateway receives events for accounts it does not serve. A client that
 * misses one resyncs with /changes from its last state.
 */
export function accountPushSubject(userId: string): string {
  return `${busPrefix()}.push.account.${userId}`;
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
