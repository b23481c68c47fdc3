import { type DynamicModule, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { BusModule } from '@jchat/bus';
import { RedisModule } from '@jchat/common';
import { AuthController } from './auth/auth.controller';
import { BlobsController } from './blobs/blobs.controller';
import { JwtStrategy } from './auth/jwt.strategy';
import { SessionLivenessService } from './auth/session-liveness.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { HealthController } from './health/health.controller';
import { JmapApiService } from './jmap/jmap-api.service';
import { JmapController } from './jmap/jmap.controller';
import { JmapSessionService } from './jmap/jmap-session.service';
import { GatewayDrainService } from './lifecycle/gateway-drain.service';
import { MetricsController } from './metrics/metrics.controller';
import { PUSH_CONTROLLERS, PUSH_PROVIDERS } from './push/push.providers';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigHolderModule.forRoot(config),
        // Requests to the services; events: the push deliveries' own connection.
        BusModule.forRoot({ natsUrl: config.NATS_URL, events: 'gateway-push' }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        PassportModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        AuthController,
        JmapController,
        BlobsController,
        ...PUSH_CONTROLLERS,
      ],
      providers: [
        JwtStrategy,
        SessionLivenessService,
        JmapSessionService,
        JmapApiService,
        ...PUSH_PROVIDERS,
        GatewayDrainService,
      ],
    };
  }
}

@Module({})
class ConfigHolderModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: ConfigHolderModule,
      global: true,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
      exports: [GATEWAY_CONFIG],
    };
  }
}
