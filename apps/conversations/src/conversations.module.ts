import { type DynamicModule, Module } from '@nestjs/common';
import { BusModule, healthController, jmapCallController, JmapMethodsModule } from '@jchat/bus';
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
export class ConversationsModule {
  static forRoot(config: ConversationsConfig): DynamicModule {
    return {
      module: ConversationsModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        BusModule.forRoot({ natsUrl: config.NATS_URL, events: 'conversations' }),
        JmapMethodsModule,
      ],
      controllers: [
        healthController('conversations'),
        jmapCallController('conversations'),
        MembershipHandler,
      ],
      providers: [
        { provide: CONVERSATIONS_CONFIG, useValue: config },
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
}
