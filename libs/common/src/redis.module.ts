import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/**
 * One ioredis connection per process, every key under `<JCHAT_PREFIX>:` so test
 * runs and deployments sharing a Redis never collide. Fails start-up when Redis
 * does not answer.
 */
@Global()
@Module({})
export class RedisModule implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(options: { url: string; prefix: string }): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          useFactory: () =>
            new Redis(options.url, {
              keyPrefix: `${options.prefix}:`,
              lazyConnect: true,
              maxRetriesPerRequest: 2,
            }),
        },
      ],
      exports: [REDIS],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect();
    await this.redis.ping();
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit();
  }
}

export type { Redis };
