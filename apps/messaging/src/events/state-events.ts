import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Events,
  type JmapDataType,
  type PushedMessage,
  type StateChangedEvent,
  statePush,
} from '@jchat/contracts';
import { ConversationMembers, EventBus } from '@jchat/bus';
import { OutboxStore } from '@jchat/db';

/** The outbox rows of this service (see OutboxRelay). */
export const MESSAGING_OUTBOX = 'messaging';

/** Messages carried in one event at most (bytes of JSON): events stay far under NATS' 1 MB. */
const MAX_EVENT_MESSAGE_BYTES = 256 * 1024;
const CREATED_TYPES: JmapDataType[] = ['Message', 'Conversation', 'Participant'];

/**
 * Publishes one `Events.stateChanged` per change, per conversation (never per member): the push
 * fan-out resolves the audience. Called after the write committed. A failed publish is logged,
 * not retried here: the write stands and clients still find it with /changes; where the change
 * was staged in the outbox first (new messages), the outbox relay publishes it late instead.
 */
@Injectable()
export class StateEvents {
  private readonly logger = new Logger('state-events');

  constructor(
    @Inject(EventBus) private readonly events: EventBus,
    private readonly outbox: OutboxStore,
    private readonly members: ConversationMembers,
  ) {}

  /**
   * The event new messages in this conversation need, for the outbox: staged with the messages,
   * it is what the relay publishes (without the messages, which clients then fetch) if this
   * process dies or NATS is away before `created` publishes the messages themselves.
   */
  createdIntent(conversationId: string): StateChangedEvent {
    return {
      conversationId,
      types: CREATED_TYPES,
      extraAccountIds: [],
      messageId: null,
      at: new Date().toISOString(),
    };
  }

  /**
   * Stages the event `changed` will publish, runs the write, and returns its result with the
   * outbox id to pass to `changed` (or to `settle` when nothing was written).
   */
  async write<T>(
    conversationId: string,
    types: JmapDataType[],
    messageId: string | null,
    write: () => Promise<T>,
  ): Promise<[T, string]> {
    const event: StateChangedEvent = {
      conversationId,
      types,
      extraAccountIds: [],
      messageId,
      at: new Date().toISOString(),
    };
    const outboxId = await this.outbox.stage(MESSAGING_OUTBOX, event);
    try {
      return [await write(), outboxId];
    } catch (error: unknown) {
      this.settle(outboxId);
      throw error;
    }
  }

  /** The staged event is published (or its write failed): the outbox row goes. */
  settle(outboxId: string): void {
    this.outbox.settle(outboxId).catch((error: unknown) => {
      // Left in place, the relay publishes it again later: a duplicate push at worst.
      this.logger.warn({ outboxId, error: String(error) }, 'could not settle an outbox row');
    });
  }

  /** Publishes an event the relay found in the outbox (dedupe id shared with its writer's). */
  async republish(outboxId: string, event: StateChangedEvent): Promise<void> {
    await this.events.publish(Events.stateChanged, event, outboxDedupeId(outboxId));
  }

  /** Something every member of the conversation sees changed. */
  async changed(
    conversationId: string,
    types: JmapDataType[],
    messageId: string | null,
    outboxId?: string,
  ): Promise<void> {
    const dedupeId = outboxId ? outboxDedupeId(outboxId) : undefined;
    const published = await this.publish(conversationId, [], types, messageId, dedupeId);
    if (outboxId && published) this.settle(outboxId);
  }

  /**
   * New messages of one conversation (in seq order), carried whole so no one reads them again;
   * several per event, in order. A message too large to travel is announced by id alone and
   * fetched by the clients that want it inline.
   *
   * With the state read after the commit and the members cached, the pushes go straight to
   * the gateways: no JetStream round trip and no fan-out hop on the way to the members.
   * Otherwise the events go through JetStream to the fan-out. Either way the staged
   * outbox row is settled only once they are out.
   */
  async created(
    conversationId: string,
    messages: readonly PushedMessage[],
    state: string | undefined,
    outboxId?: string,
  ): Promise<void> {
    const events = createdEvents(conversationId, messages, state);
    if (state !== undefined && this.pushed(conversationId, events, state)) {
      if (outboxId) this.settle(outboxId);
      return;
    }
    const published = await Promise.all(
      events.map(({ event, dedupeId }, index) =>
        // The first event shares its dedupe id with the staged one: never both published.
        this.publishEvent(event, index === 0 && outboxId ? outboxDedupeId(outboxId) : dedupeId),
      ),
    );
    if (outboxId && published.every(Boolean)) this.settle(outboxId);
  }

  /**
   * Delivers the events' pushes to the conversation's members; false when it could not. Only
   * with the member list cached: new messages never wait for the conversations service (the
   * list is fetched meanwhile, and these go through the fan-out).
   */
  private pushed(
    conversationId: string,
    events: readonly { event: StateChangedEvent }[],
    state: string,
  ): boolean {
    const members = this.members.cachedMembers(conversationId);
    if (!members) return false;
    try {
      for (const { event } of events) {
        const push = statePush(event, state);
        if (push) this.events.deliver(members.ids, push);
      }
      return true;
    } catch (error: unknown) {
      this.logger.warn({ conversationId, error: String(error) }, 'could not push new messages');
      return false;
    }
  }

  /** Something only these accounts see changed (e.g. deliveryStatus, which only senders see). */
  async changedFor(accountIds: string[], types: JmapDataType[]): Promise<void> {
    if (accountIds.length > 0) await this.publish(null, accountIds, types, null);
  }

  private publish(
    conversationId: string | null,
    extraAccountIds: string[],
    types: JmapDataType[],
    messageId: string | null,
    dedupeId?: string,
  ): Promise<boolean> {
    const event = {
      conversationId,
      types,
      extraAccountIds,
      messageId,
      at: new Date().toISOString(),
    };
    return this.publishEvent(event, dedupeId);
  }

  private async publishEvent(event: StateChangedEvent, dedupeId?: string): Promise<boolean> {
    try {
      await this.events.publish(Events.stateChanged, event, dedupeId);
      return true;
    } catch (error: unknown) {
      this.logger.warn(
        {
          conversationId: event.conversationId,
          messageId: event.messageId,
          error: error instanceof Error ? error.message : String(error),
        },
        'could not publish stateChanged',
      );
      return false;
    }
  }
}

/**
 * The events announcing new messages of one conversation: as many messages per event as fit in
 * MAX_EVENT_MESSAGE_BYTES, in order; a larger message alone, by id, with its own dedupe id.
 */
function createdEvents(
  conversationId: string,
  messages: readonly PushedMessage[],
  state: string | undefined,
): { event: StateChangedEvent; dedupeId?: string }[] {
  const at = new Date().toISOString();
  const event = (
    messageId: string | null,
    carried: PushedMessage[] | undefined,
  ): StateChangedEvent => ({
    conversationId,
    types: CREATED_TYPES,
    extraAccountIds: [],
    messageId,
    ...(carried ? { messages: carried } : {}),
    ...(state ? { state } : {}),
    at,
  });
  const events: { event: StateChangedEvent; dedupeId?: string }[] = [];
  let batch: PushedMessage[] = [];
  let bytes = 0;
  const flush = () => {
    if (batch.length > 0) events.push({ event: event(null, batch) });
    batch = [];
    bytes = 0;
  };
  for (const message of messages) {
    const size = Buffer.byteLength(JSON.stringify(message));
    if (size > MAX_EVENT_MESSAGE_BYTES) {
      flush();
      const id = String(message.view['id']);
      events.push({ event: event(id, undefined), dedupeId: `message:${id}:created` });
      continue;
    }
    if (bytes + size > MAX_EVENT_MESSAGE_BYTES) flush();
    batch.push(message);
    bytes += size;
  }
  flush();
  return events;
}

const outboxDedupeId = (outboxId: string): string => `outbox:${outboxId}`;
