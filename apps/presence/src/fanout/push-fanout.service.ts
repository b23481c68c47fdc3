import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  Events,
  JMAP_DATA_TYPES,
  type JmapDataType,
  type PushedMessage,
  RemoteError,
  type StateChangedEvent,
  statePush,
} from '@jchat/contracts';
import { ConversationMembers, EventBus } from '@jchat/bus';
import { SyncRepository } from '@jchat/db';
import { horizonState } from '@jchat/jmap';
import { AccountPublisher } from './account-publisher';

export const FANOUT_DURABLE = 'presence-push-fanout';
/** Events being fanned out at once (of different conversations). */
const FANOUT_CONCURRENCY = 64;
const KNOWN_TYPES: ReadonlySet<string> = new Set(JMAP_DATA_TYPES);

/**
 * Turns each `Events.stateChanged` (one per change, published by the writer) into an
 * `AccountPush` on the subject of every account that can see it: the conversation's
 * active members plus `extraAccountIds`. A durable JetStream consumer shared by the
 * presence replicas, so no event is lost while the service restarts.
 *
 * The states pushed are the sync horizon read once per event, after the write committed:
 * every type's `/get` state is such a horizon, so a client's `/changes` from its previous
 * state returns the write.
 */
@Injectable()
export class PushFanoutService implements OnApplicationBootstrap {
  private readonly logger = new Logger('push-fanout');

  constructor(
    private readonly events: EventBus,
    private readonly members: ConversationMembers,
    private readonly sync: SyncRepository,
    private readonly publisher: AccountPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Events of different conversations fan out concurrently; each conversation's in order.
    await this.events.consume(
      Events.stateChanged,
      FANOUT_DURABLE,
      (event) => this.fanOut(event).then(() => undefined),
      { concurrency: FANOUT_CONCURRENCY, orderKey: (event) => event.conversationId ?? '' },
    );
  }

  /** Publishes the pushes of one event; returns how many accounts it reached. */
  async fanOut(raw: StateChangedEvent): Promise<number> {
    const event = normalizeEvent(raw);
    if (!event) {
      this.logger.warn('dropping a malformed state-changed event');
      return 0;
    }
    if (!event.types.some((type) => type !== 'Presence')) return 0;
    const audience = new Set(event.extraAccountIds);
    if (event.conversationId !== null) {
      for (const id of await this.membersOf(event.conversationId)) audience.add(id);
    }
    if (audience.size === 0) return 0;
    const push = statePush(event, event.state ?? horizonState(await this.sync.horizon()));
    return push ? this.publisher.publish(audience, push) : 0;
  }

  private async membersOf(conversationId: string): Promise<readonly string[]> {
    try {
      return (await this.members.members(conversationId)).ids;
    } catch (error: unknown) {
      // A conversation that no longer exists has no one left to tell.
      if (error instanceof RemoteError && error.code === 'not_found') return [];
      throw error;
    }
  }
}

/** The event with optional fields defaulted, or null when it cannot be a state-changed event. */
export function normalizeEvent(raw: unknown): StateChangedEvent | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const event = raw as Partial<Record<keyof StateChangedEvent, unknown>>;
  const conversationId = event.conversationId ?? null;
  const messageId = event.messageId ?? null;
  const extraAccountIds = event.extraAccountIds ?? [];
  const types = event.types;
  if (conversationId !== null && typeof conversationId !== 'string') return null;
  if (messageId !== null && typeof messageId !== 'string') return null;
  if (!Array.isArray(extraAccountIds) || !extraAccountIds.every((id) => typeof id === 'string'))
    return null;
  if (
    !Array.isArray(types) ||
    !types.every((type) => typeof type === 'string' && KNOWN_TYPES.has(type))
  ) {
    return null;
  }
  const state = typeof event.state === 'string' && event.state.length > 0 ? event.state : undefined;
  const messages = Array.isArray(event.messages)
    ? event.messages.filter(isPushedMessage)
    : undefined;
  return {
    conversationId,
    messageId,
    ...(messages && messages.length > 0 ? { messages } : {}),
    ...(state ? { state } : {}),
    extraAccountIds: extraAccountIds as string[],
    types: types as JmapDataType[],
    at: typeof event.at === 'string' ? event.at : new Date().toISOString(),
  };
}

function isPushedMessage(value: unknown): value is PushedMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Partial<Record<keyof PushedMessage, unknown>>;
  return (
    typeof message.senderId === 'string' &&
    typeof message.view === 'object' &&
    message.view !== null &&
    typeof (message.view as { id?: unknown }).id === 'string' &&
    typeof message.forSender === 'object' &&
    message.forSender !== null
  );
}
