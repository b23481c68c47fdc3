import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import Redis from 'ioredis';
import { registerHealthProbe } from './health-probes';

export const REDIS = Symbol('REDIS');

/** A command waits at most this long for Redis: a hung Redis gives a fast, clear error. */
const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * One ioredis connection per process, every key under `<JCHAT_PREFIX>:` so test
 * runs and deployments sharing a Redis never collide. Fails start-up when Redis
 * does not answer. While Redis is unreachable commands fail at once (no offline
 * queue) instead of waiting for a reconnect, and the connection keeps retrying.
 */
@Global()
@Module({})
export class RedisModule implements OnModuleInit, OnModuleDestroy {
  private unregisterProbe?: () => void;

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
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
              connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
              retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
            }),
        },
      ],
      exports: [REDIS],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect();
    await this.redis.ping();
    this.unregisterProbe = registerHealthProbe('redis', () => this.redis.ping());
  }

  async onModuleDestroy(): Promise<void> {
    this.unregisterProbe?.();
    await this.redis.quit();
  }
}

export type { Redis };
