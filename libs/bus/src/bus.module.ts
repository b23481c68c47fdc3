import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { BusClient } from './bus-client';
import { EventBus } from './event-bus';

export interface BusModuleOptions {
  natsUrl: string;
  /** Provide the request/reply client (BusClient); default true. */
  requests?: boolean;
  /** Provide the JetStream event bus (EventBus), its connection named after this service. */
  events?: string;
}

/**
 * A process's NATS clients, the one place they are made, started and closed: BusClient for
 * request/reply and, where asked for, EventBus for events and push deliveries. Global, so every
 * module of the app injects them.
 */
@Global()
@Module({})
export class BusModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Optional() @Inject(BusClient) private readonly requests?: BusClient,
    @Optional() @Inject(EventBus) private readonly events?: EventBus,
  ) {}

  static forRoot(options: BusModuleOptions): DynamicModule {
    const { natsUrl, events } = options;
    const providers = [
      ...(options.requests === false
        ? []
        : [{ provide: BusClient, useFactory: () => BusClient.connect(natsUrl) }]),
      ...(events === undefined
        ? []
        : [{ provide: EventBus, useFactory: () => EventBus.connect(natsUrl, events) }]),
    ];
    return {
      module: BusModule,
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }

  async onModuleInit(): Promise<void> {
    await this.requests?.ready();
  }

  /** Events first: consumers stop before the request client they may still call goes. */
  async onModuleDestroy(): Promise<void> {
    await this.events?.close();
    await this.requests?.close();
  }
}
