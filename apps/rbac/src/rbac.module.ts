import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import { BusModule, healthController, jmapCallController, JmapMethodsModule } from '@jchat/bus';
import { DbModule } from '@jchat/db';
import { AccessChangedConsumer } from './access-changed.consumer';
import { RBAC_CONFIG, type RbacConfig } from './config';
import { ConversationRolesJmap } from './conversation-roles/conversation-roles.jmap';
import { ConversationRolesRepository } from './conversation-roles/conversation-roles.repository';
import { AccessCache } from './permissions/access-cache';
import { AccessService } from './permissions/access.service';
import { ChangeAnnouncer } from './permissions/change-announcer';
import { PermissionsHandler } from './permissions/permissions.handler';
import { PermissionsRepository } from './permissions/permissions.repository';
import { RolesJmap } from './roles/roles.jmap';
import { RolesRepository } from './roles/roles.repository';
import { UserRolesJmap } from './user-roles/user-roles.jmap';
import { UserRolesRepository } from './user-roles/user-roles.repository';

@Module({})
export class RbacModule {
  static forRoot(config: RbacConfig): DynamicModule {
    return {
      module: RbacModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        BusModule.forRoot({ natsUrl: config.NATS_URL, requests: false, events: 'rbac' }),
        JmapMethodsModule,
      ],
      controllers: [healthController('rbac'), jmapCallController('rbac'), PermissionsHandler],
      providers: [
        { provide: RBAC_CONFIG, useValue: config },
        PermissionsRepository,
        AccessCache,
        AccessService,
        ChangeAnnouncer,
        AccessChangedConsumer,
        RolesRepository,
        RolesJmap,
        UserRolesRepository,
        UserRolesJmap,
        ConversationRolesRepository,
        ConversationRolesJmap,
      ],
    };
  }
}
