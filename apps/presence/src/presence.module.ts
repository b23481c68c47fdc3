import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import {
  BusModule,
  ConversationMembers,
  healthController,
  jmapCallController,
  JmapMethodsModule,
  MEMBERS_CACHE_OPTIONS,
  membersCacheOptions,
} from '@jchat/bus';
import { DbModule } from '@jchat/db';
import { PRESENCE_CONFIG, type PresenceConfig } from './config';
import { AccountPublisher } from './fanout/account-publisher';
import { PushFanoutService } from './fanout/push-fanout.service';
import { PresenceHandler } from './presence/presence.handler';
import { PresenceJmap } from './presence/presence.jmap';
import { PresenceNotifier } from './presence/presence-notifier';
import { PresenceRepository } from './presence/presence.repository';
import { PresenceService } from './presence/presence.service';
import { PresenceStore } from './presence/presence.store';
import { PresenceSweeper } from './presence/presence-sweeper';
import { TypingService } from './typing/typing.service';

/**
 * The real-time service: push fan-out (state changes to push deliveries), presence and typing.
 */
@Module({})
export class PresenceModule {
  static forRoot(config: PresenceConfig): DynamicModule {
    return {
      module: PresenceModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        BusModule.forRoot({ natsUrl: config.NATS_URL, events: 'presence' }),
        JmapMethodsModule,
      ],
      controllers: [healthController('presence'), jmapCallController('presence'), PresenceHandler],
      providers: [
        { provide: PRESENCE_CONFIG, useValue: config },
        AccountPublisher,
        { provide: MEMBERS_CACHE_OPTIONS, useValue: membersCacheOptions(config) },
        ConversationMembers,
        PushFanoutService,
        PresenceRepository,
        PresenceStore,
        PresenceNotifier,
        PresenceService,
        TypingService,
        PresenceJmap,
        PresenceSweeper,
      ],
    };
  }
}
