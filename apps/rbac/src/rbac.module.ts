import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import { healthController, jmapCallController, JmapMethodsModule, type ServiceConfig } from '@jchat/contracts';
import { DbModule } from '@jchat/db';
import { PermissionsHandler } from './permissions/permissions.handler';
import { PermissionsRepository } from './permissions/permissions.repository';

@Module({})
export class RbacModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: RbacModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        JmapMethodsModule,
      ],
      controllers: [healthController('rbac'), jmapCallController('rbac'), PermissionsHandler],
      providers: [PermissionsRepository],
    };
  }
}
