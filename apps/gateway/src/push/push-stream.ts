import { type AccountPush, type JmapDataType, type PushedMessage } from '@jchat/contracts';
import {
  advanceCursor,
  encodePushState,
  laterCursor,
  laterState,
  type PushCursor,
  type TypeStates,
} from './push-state';

/** RFC 8620 §7.1 StateChange, with RFC 8887's pushState. */
export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, TypeStates>;
  pushState: string;
}

export interface TypingPush {
  '@type': 'Typing';
  conversationId: string;
  userId: string;
  isTyping: boolean;
}

export interface MessagePush {
  '@type': 'MessagePush';
  accountId: string;
  message: Record<string, unknown>;
}

export type PushOutput = StateChange | TypingPush | MessagePush;

export interface PushStreamOptions {
  accountId: string;
  /** Least time between two StateChanges; changes in between are coalesced into one. */
  intervalMs: number;
  /** Inline objects waiting to be fetched at most; beyond, the stream gives up (see `onTooSlow`). */
  maxPendingObjects: number;
  /** The message as Message/get returns it to this account, or null. */
  fetchMessage: (messageId: string) => Promise<Record<string, unknown> | null>;
  emit: (output: PushOutput) => void;
  /** A MessagePush went out (the client now holds the message: it counts as delivered). */
  onMessagePushed?: (conversationId: string | null, messageId: string) => void;
  /** The client cannot keep up: close it (it will resync with /changes). */
  onTooSlow: () => void;
  now?: () => number;
}

export interface PushFilter {
  /** null: every type. */
  dataTypes: ReadonlySet<string> | null;
  /** Send MessagePush objects before the StateChange covering them. */
  includeMessages: boolean;
}

/**
 * One connection's push logic, whatever the transport: filters the account's pushes
 * by the types the client asked for, coalesces state changes (at most one StateChange
 * per interval, sent at once when the last one is older than that), keeps the pushState,
 * and with `includeMessages` sends each new or changed message before the StateChange
 * that covers it.
 */
export class PushStream {
  private filter: PushFilter | null = null;
  private readonly pending = new Map<JmapDataType, string>();
  private cursor: PushCursor | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pendingObjects = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: PushStreamOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.filter !== null;
  }

  /** The pushState to hand out now (null until the baseline is known). */
  get pushState(): string | null {
    return this.cursor ? encodePushState(this.cursor) : null;
  }

  /**
   * Starts pushing. StateChanges wait until `setBaseline` (so that every pushState
   * handed out means "told of everything up to here").
   */
  enable(filter: PushFilter): void {
    this.filter = filter;
  }

  disable(): void {
    this.filter = null;
    this.pending.clear();
    this.clearTimer();
  }

  setBaseline(baseline: PushCursor): void {
    this.cursor = this.cursor ? laterCursor(this.cursor, baseline) : baseline;
    this.schedule();
  }

  /** States found changed since the client's last pushState (reconnection catch-up). */
  addStates(states: TypeStates): void {
    this.merge(this.wanted(states));
  }

  close(): void {
    this.closed = true;
    this.disable();
  }

  push(push: AccountPush): void {
    if (this.closed || !this.filter) return;
    switch (push.kind) {
      case 'typing':
        if (this.wants('Presence')) {
          this.emitInOrder({
            '@type': 'Typing',
            conversationId: push.conversationId,
            userId: push.userId,
            isTyping: push.isTyping,
          });
        }
        return;
      case 'state':
        this.state(push);
        return;
    }
  }

  private state(push: Extract<AccountPush, { kind: 'state' }>): void {
    const states = this.wanted(push.states ?? {});
    if (!hasAnyState(states)) return;
    const messageId = push.messageId;
    const carried = push.messages ?? [];
    if (this.filter?.includeMessages && carried.length > 0 && states.Message !== undefined) {
      this.afterPending(() => {
        for (const pushed of carried) this.pushMessage(push.conversationId, pushed);
        this.merge(states);
      });
      return;
    }
    if (this.filter?.includeMessages && messageId !== null && states.Message !== undefined) {
      if (this.pendingObjects >= this.options.maxPendingObjects) {
        this.options.onTooSlow();
        return;
      }
      this.pendingObjects += 1;
      const fetching = this.options.fetchMessage(messageId).catch(() => null);
      this.chain = this.chain
        .then(async () => {
          const message = await fetching;
          if (message && !this.closed && this.filter?.includeMessages) {
            this.options.emit({
              '@type': 'MessagePush',
              accountId: this.options.accountId,
              message,
            });
            this.options.onMessagePushed?.(push.conversationId, messageId);
          }
          this.merge(states);
        })
        .finally(() => {
          this.pendingObjects -= 1;
        });
      return;
    }
    this.afterPending(() => this.merge(states));
  }

  /** Runs `step` now, or after the MessagePush objects being fetched (keeping their order). */
  private afterPending(step: () => void): void {
    if (this.pendingObjects > 0) this.chain = this.chain.then(step);
    else step();
  }

  /** A message carried in the push: the sender's own copy has their deliveryStatus. */
  private pushMessage(conversationId: string | null, pushed: PushedMessage): void {
    if (this.closed || !this.filter?.includeMessages) return;
    const message =
      pushed.senderId === this.options.accountId
        ? { ...pushed.view, ...pushed.forSender }
        : pushed.view;
    this.options.emit({ '@type': 'MessagePush', accountId: this.options.accountId, message });
    // Only others' messages are delivered to this account (its own are read already).
    if (pushed.senderId !== this.options.accountId) {
      this.options.onMessagePushed?.(conversationId, String(pushed.view['id']));
    }
  }

  /** Typing goes out in order with the MessagePush objects being fetched. */
  private emitInOrder(output: TypingPush): void {
    if (this.pendingObjects > 0) {
      this.chain = this.chain.then(() => {
        if (!this.closed && this.filter) this.options.emit(output);
      });
    } else {
      this.options.emit(output);
    }
  }

  private wants(type: string): boolean {
    return (
      this.filter !== null && (this.filter.dataTypes === null || this.filter.dataTypes.has(type))
    );
  }

  /**
   * The states of the types this connection wants. A push reaches every connection of every
   * member: one that wants every type shares the push's own object (only read), and none builds
   * entry arrays, so a delivery allocates no copy of them.
   */
  private wanted(states: TypeStates): TypeStates {
    if (this.filter?.dataTypes === null) return states;
    const out: TypeStates = {};
    for (const key in states) {
      const type = key as JmapDataType;
      const state = states[type];
      if (state !== undefined && this.wants(type)) out[type] = state;
    }
    return out;
  }

  private merge(states: TypeStates): void {
    if (this.closed || !this.filter) return;
    for (const key in states) {
      const type = key as JmapDataType;
      const state = states[type];
      if (state !== undefined) this.pending.set(type, laterState(this.pending.get(type), state));
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0 || !this.cursor || !this.filter) return;
    const wait = this.lastSentAt + this.options.intervalMs - this.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.pending.size === 0 || !this.cursor || !this.filter || this.closed) return;
    const changed: TypeStates = Object.fromEntries(this.pending);
    this.pending.clear();
    this.cursor = advanceCursor(this.cursor, changed);
    this.lastSentAt = this.now();
    this.options.emit({
      '@type': 'StateChange',
      changed: { [this.options.accountId]: changed },
      pushState: encodePushState(this.cursor),
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function hasAnyState(states: TypeStates): boolean {
  for (const type in states) if (states[type as JmapDataType] !== undefined) return true;
  return false;
}
