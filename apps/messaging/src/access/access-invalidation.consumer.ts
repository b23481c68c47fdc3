import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Events } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { ConversationAccessService } from './conversation-access.service';

/** Drops cached access answers on `Events.accessChanged` (durable consumer shared by replicas). */
@Injectable()
export class AccessInvalidationConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(EventBus) private readonly events: EventBus,
    private readonly access: ConversationAccessService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.events.consume(Events.accessChanged, 'messaging-access-cache', (event) =>
      this.access.invalidate(event),
    );
  }
}
