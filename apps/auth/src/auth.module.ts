import { type DynamicModule, Module } from '@nestjs/common';
import { RedisModule } from '@jchat/common';
import { BusModule, healthController, jmapCallController, JmapMethodsModule } from '@jchat/bus';
import { DbModule } from '@jchat/db';
import { AuthHandler } from './auth.handler';
import { AUTH_CONFIG, type AuthConfig } from './config';
import { OAuthService } from './oauth/oauth.service';
import { RateLimiter } from './security/rate-limiter';
import { SessionCache } from './sessions/session-cache';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { UsersJmap } from './users/users.jmap';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        DbModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        RedisModule.forRoot({ url: config.REDIS_URL, prefix: config.JCHAT_PREFIX }),
        BusModule.forRoot({ natsUrl: config.NATS_URL, events: 'auth' }),
        JmapMethodsModule,
      ],
      controllers: [healthController('auth'), jmapCallController('auth'), AuthHandler],
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        UsersRepository,
        SessionsRepository,
        SessionCache,
        RateLimiter,
        UsersService,
        SessionsService,
        OAuthService,
        UsersJmap,
      ],
    };
  }
}
