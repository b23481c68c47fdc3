import { type Provider } from '@nestjs/common';
import { EventBus } from '@jchat/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { loadPushConfig, PUSH_CONFIG } from './push-config';

/** The gateway's NATS connection for per-account push subjects. */
export const PUSH_BUS = Symbol('PUSH_BUS');

export const pushBusProviders: Provider[] = [
  {
    provide: PUSH_BUS,
    inject: [GATEWAY_CONFIG],
    useFactory: (config: GatewayConfig) => EventBus.connect(config.NATS_URL, 'gateway-push'),
  },
  { provide: PUSH_CONFIG, useFactory: () => loadPushConfig() },
];
