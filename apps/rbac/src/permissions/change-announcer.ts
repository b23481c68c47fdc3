import { Injectable, Logger } from '@nestjs/common';
import { type AccessChangedEvent, EventBus, Events, type JmapDataType } from '@jchat/contracts';
import { AccessService } from './access.service';

export interface RbacStateChange {
  conversationId: string | null;
  types: JmapDataType[];
  extraAccountIds: string[];
}

/**
 * Tells the world after an RBAC commit: drops this service's cached answers at once, then
 * publishes Events.accessChanged (other caches) and Events.stateChanged (push).
 */
@Injectable()
export class ChangeAnnouncer {
  private readonly logger = new Logger('rbac-changes');

  constructor(
    private readonly access: AccessService,
    private readonly events: EventBus,
  ) {}

  async announce(
    accessChanges: readonly AccessChangedEvent[],
    stateChanges: readonly RbacStateChange[],
  ): Promise<void> {
    for (const change of accessChanges) {
      await this.access.invalidate(change);
      await this.publish(() => this.events.publish(Events.accessChanged, change));
    }
    const at = new Date().toISOString();
    for (const change of stateChanges) {
      await this.publish(() =>
        this.events.publish(Events.stateChanged, { ...change, messageId: null, at }),
      );
    }
  }

  private async publish(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error: unknown) {
      // The change is committed; a lost event delays pushes and other caches until their TTL.
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'could not publish an event',
      );
    }
  }
}
