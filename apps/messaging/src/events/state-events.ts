import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventBus, Events, type JmapDataType } from '@jchat/contracts';

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
  changed(
    conversationId: string,
    types: JmapDataType[],
    messageId: string | null,
    dedupeId?: string,
  ): Promise<void> {
    return this.publish(conversationId, [], types, messageId, dedupeId);
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
  ): Promise<void> {
    try {
      await this.events.publish(
        Events.stateChanged,
        { conversationId, types, extraAccountIds, messageId, at: new Date().toISOString() },
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
