import {
  Global,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
  type DynamicModule,
} from '@nestjs/common';
import { BusClient, EventBus } from '@jchat/contracts';

/** The service's NATS clients: request/reply (BusClient) and JetStream + per-account push (EventBus). */
@Global()
@Module({})
export class PresenceBusModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(BusClient) private readonly bus: BusClient,
    @Inject(EventBus) private readonly events: EventBus,
  ) {}

  static forRoot(natsUrl: string): DynamicModule {
    return {
      module: PresenceBusModule,
      providers: [
        { provide: BusClient, useFactory: () => BusClient.connect(natsUrl) },
        { provide: EventBus, useFactory: () => EventBus.connect(natsUrl, 'presence') },
      ],
      exports: [BusClient, EventBus],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.bus.ready();
  }

  async onModuleDestroy(): Promise<void> {
    await this.events.close();
    await this.bus.close();
  }
}
