import { Global, Inject, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BusClient } from '@jchat/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

@Global()
@Module({
  providers: [
    {
      provide: BusClient,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => BusClient.connect(config.NATS_URL),
    },
  ],
  exports: [BusClient],
})
export class BusModule implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(BusClient) private readonly bus: BusClient) {}

  async onModuleInit(): Promise<void> {
    await this.bus.ready();
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus.close();
  }
}
