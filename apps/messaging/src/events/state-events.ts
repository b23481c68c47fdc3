import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventBus, Events, type JmapDataType, type PushedMessage } from '@jchat/contracts';

/** Messages carried in one event at most (bytes of JSON): events stay far under NATS' 1 MB. */
const MAX_EVENT_MESSAGE_BYTES = 256 * 1024;
const CREATED_TYPES: JmapDataType[] = ['Message', 'Conversation', 'Participant'];

/**
 * Publishes one `Events.stateChanged` per change, per conversation (never per member): the push
 * fan-out resolves the audience. Called after the write committed. A failed publish is logged,
 * not retried here: the write stands and clients still find it with /changes.
 */
@Injectable()
export class StateEvents {
  private readonly logger = new Logger('state-events');

  constructor(@Inject(EventBus) private readonly events: EventBus) {}

  /** Something every member of the conversation sees changed. */
  changed(conversationId: string, types: JmapDataType[], messageId: string | null): Promise<void> {
    return this.publish(conversationId, [], types, messageId);
  }

  /**
   * New messages of one conversation (in seq order), carried in the events so the fan-out needs
   * no read per recipient; several per event, in order. A message too large to travel is
   * announced by id alone and fetched by the clients that want it inline.
   */
  async created(
    conversationId: string,
    messages: readonly PushedMessage[],
    state: string | undefined,
  ): Promise<void> {
    let batch: PushedMessage[] = [];
    let bytes = 0;
    const publishes: Promise<void>[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      publishes.push(
        this.publish(conversationId, [], CREATED_TYPES, null, undefined, {
          messages: batch,
          state,
        }),
      );
      batch = [];
      bytes = 0;
    };
    for (const message of messages) {
      const size = Buffer.byteLength(JSON.stringify(message));
      if (size > MAX_EVENT_MESSAGE_BYTES) {
        flush();
        const id = String(message.view['id']);
        publishes.push(
          this.publish(conversationId, [], CREATED_TYPES, id, `message:${id}:created`, { state }),
        );
        continue;
      }
      if (bytes + size > MAX_EVENT_MESSAGE_BYTES) flush();
      batch.push(message);
      bytes += size;
    }
    flush();
    await Promise.all(publishes);
  }

  /** Something only these accounts see changed (e.g. deliveryStatus, which only senders see). */
  async changedFor(accountIds: string[], types: JmapDataType[]): Promise<void> {
    if (accountIds.length > 0) await this.publish(null, accountIds, types, null);
  }

  private async publish(
    conversationId: string | null,
    extraAccountIds: string[],
    types: JmapDataType[],
    messageId: string | null,
    dedupeId?: string,
    carried: { messages?: PushedMessage[]; state?: string } = {},
  ): Promise<void> {
    try {
      await this.events.publish(
        Events.stateChanged,
        {
          conversationId,
          types,
          extraAccountIds,
          messageId,
          ...carried,
          at: new Date().toISOString(),
        },
        dedupeId,
      );
    } catch (error: unknown) {
      this.logger.warn(
        {
          conversationId,
          messageId,
          error: error instanceof Error ? error.message : String(error),
        },
        'could not publish stateChanged',
      );
    }
  }
}
