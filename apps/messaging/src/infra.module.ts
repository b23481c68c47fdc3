import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BusModule, MEMBERS_CACHE_OPTIONS, membersCacheOptions } from '@jchat/bus';
import { MESSAGING_CONFIG, type MessagingConfig } from './config';

/**
 * The process-wide config, NATS request client and JetStream event bus of the messaging service,
 * and the member-list cache's limits.
 */
@Global()
@Module({})
export class InfraModule {
  static forRoot(config: MessagingConfig): DynamicModule {
    return {
      module: InfraModule,
      imports: [BusModule.forRoot({ natsUrl: config.NATS_URL, events: 'messaging' })],
      providers: [
        { provide: MESSAGING_CONFIG, useValue: config },
        { provide: MEMBERS_CACHE_OPTIONS, useValue: membersCacheOptions(config) },
      ],
      exports: [MESSAGING_CONFIG, MEMBERS_CACHE_OPTIONS],
    };
  }
}
