import {
  type DynamicModule,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  BusClient,
  EventBus,
  healthController,
  jmapCallController,
  JmapMethodsModule,
} from '@jchat/contracts';
import { DbModule } from '@jchat/db';
import { AccessClient } from './access/access.client';
import { ChangeNotifier } from './changes/change-notifier';
import { CONVERSATIONS_CONFIG, type ConversationsConfig } from './config';
import { ConversationsJmap } from './conversations/conversations.jmap';
import { ConversationsRepository } from './conversations/conversations.repository';
import { ConversationsService } from './conversations/conversations.service';
import { MembershipHandler } from './membership/membership.handler';
import { ParticipantsJmap } from './participants/participants.jmap';
import { ParticipantsRepository } from './participants/participants.repository';
import { ParticipantsService } from './participants/participants.service';
import { UsersRepository } from './users/users.repository';

@Module({})
export class ConversationsModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(BusClient) private readonly bus: BusClient,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  static forRoot(config: ConversationsConfig): DynamicModule {
    return {
      module: ConversationsModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        JmapMethodsModule,
      ],
      controllers: [
        healthController('conversations'),
        jmapCallController('conversations'),
        MembershipHandler,
      ],
      providers: [
        { provide: CONVERSATIONS_CONFIG, useValue: config },
        { provide: BusClient, useFactory: () => BusClient.connect(config.NATS_URL) },
        { provide: EventBus, useFactory: () => EventBus.connect(config.NATS_URL, 'conversations') },
        AccessClient,
        ChangeNotifier,
        UsersRepository,
        ConversationsRepository,
        ConversationsService,
        ConversationsJmap,
        ParticipantsRepository,
        ParticipantsService,
        ParticipantsJmap,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.bus.ready();
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus.close();
    await this.events.close();
  }
}
