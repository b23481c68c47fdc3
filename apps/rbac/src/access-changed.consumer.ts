import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type AccessChangedEvent, Events } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { ConversationRolesRepository } from './conversation-roles/conversation-roles.repository';
import { AccessService } from './permissions/access.service';
import { ChangeAnnouncer } from './permissions/change-announcer';

/** Durable JetStream consumer name shared by every rbac replica. */
export const ACCESS_CACHE_CONSUMER = 'rbac-access-cache';

/**
 * Reacts to Events.accessChanged from any service: drops the cached answers, and the
 * conversation grants of users who are no longer members.
 */
@Injectable()
export class AccessChangedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    private readonly access: AccessService,
    private readonly grants: ConversationRolesRepository,
    private readonly announcer: ChangeAnnouncer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.events.consume(Events.accessChanged, ACCESS_CACHE_CONSUMER, (event) =>
      this.handle(event),
    );
  }

  async handle(event: AccessChangedEvent): Promise<void> {
    await this.access.invalidate(event);
    if (event.conversationId === null) return;
    const dropped = await this.grants.dropGrantsOfFormerMembers(
      event.conversationId,
      event.userIds,
    );
    if (dropped > 0) {
      await this.announcer.announce(
        [],
        [
          {
            conversationId: event.conversationId,
            types: ['ConversationRole'],
            extraAccountIds: [],
          },
        ],
      );
    }
  }
}
