import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { BusClient, EventBus } from '@jchat/contracts';
import { MESSAGING_CONFIG, type MessagingConfig } from './config';

/** The process-wide config, NATS request client and JetStream event bus of the messaging service. */
@Global()
@Module({})
export class InfraModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(BusClient) private readonly bus: BusClient,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  static forRoot(config: MessagingConfig): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: MESSAGING_CONFIG, useValue: config },
        { provide: BusClient, useFactory: () => BusClient.connect(config.NATS_URL) },
        { provide: EventBus, useFactory: () => EventBus.connect(config.NATS_URL, 'messaging') },
      ],
      exports: [MESSAGING_CONFIG, BusClient, EventBus],
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
