import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import { healthController, jmapCallController, JmapMethodsModule } from '@jchat/bus';
import { DbModule } from '@jchat/db';
import { BlobsModule } from './blobs/blobs.module';
import type { MessagingConfig } from './config';
import { InfraModule } from './infra.module';
import { MessagesModule } from './messages/messages.module';
import { SearchModule } from './search/search.module';

@Module({})
export class MessagingModule {
  static forRoot(config: MessagingConfig): DynamicModule {
    return {
      module: MessagingModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        JmapMethodsModule,
        InfraModule.forRoot(config),
        MessagesModule,
        BlobsModule,
        SearchModule,
      ],
      controllers: [healthController('messaging'), jmapCallController('messaging')],
    };
  }
}
