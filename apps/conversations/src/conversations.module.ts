import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import { healthController, jmapCallController, JmapMethodsModule, type ServiceConfig } from '@jchat/contracts';
import { DbModule } from '@jchat/db';

@Module({})
export class ConversationsModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: ConversationsModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        JmapMethodsModule,
      ],
      controllers: [healthController('conversations'), jmapCallController('conversations')],
    };
  }
}
