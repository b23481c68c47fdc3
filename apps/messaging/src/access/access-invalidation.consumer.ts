import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Subscription } from 'nats';
import { Events } from '@jchat/contracts';
import { EventBus } from '@jchat/bus';
import { ConversationAccessService } from './conversation-access.service';

/**
 * Drops cached access answers on `Events.accessChanged`: Redis's through a durable consumer
 * shared by the replicas, and each replica's own memory (ConversationAccessService.lookupForSend)
 * through a plain subscription every replica holds.
 */
@Injectable()
export class AccessInvalidationConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private watching: Subscription | null = null;

  constructor(
    @Inject(EventBus) private readonly events: EventBus,
    private readonly access: ConversationAccessService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.watching = this.events.watch(Events.accessChanged, (event) =>
      this.access.forgetLocally(event),
    );
    await this.events.consume(Events.accessChanged, 'messaging-access-cache', (event) =>
      this.access.invalidate(event),
    );
  }

  onModuleDestroy(): void {
    this.watching?.unsubscribe();
  }
}
