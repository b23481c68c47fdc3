import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AccessTokenClaims } from '@jchat/contracts';
import { hmacKey, isUuid } from '@jchat/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { AuthUser } from './auth-user';
import { SessionLivenessService } from './session-liveness.service';

/** Bearer header, or `access_token` in the query for browsers' WebSocket/EventSource. */
const extractToken = ExtractJwt.fromExtractors([
  ExtractJwt.fromAuthHeaderAsBearerToken(),
  ExtractJwt.fromUrlQueryParameter('access_token'),
]);

/** The passport name of JwtStrategy: HTTP routes (JwtAuthGuard) and WebSocket upgrades use it. */
export const JWT_STRATEGY = 'jwt';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly liveness: SessionLivenessService,
  ) {
    super({
      jwtFromRequest: extractToken,
      // jsonwebtoken takes a KeyObject too (passport-jwt's types say string | Buffer).
      secretOrKey: hmacKey(config.JWT_SECRET) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      passReqToCallback: false,
    });
  }

  async validate(claims: Partial<AccessTokenClaims>): Promise<AuthUser> {
    if (claims.typ !== 'access' || !isUuid(claims.sub) || !isUuid(claims.sid)) {
      throw new UnauthorizedException('not an access token');
    }
    if (!(await this.liveness.isLive(claims.sub, claims.sid))) {
      throw new UnauthorizedException('session has ended');
    }
    return { userId: claims.sub, sessionId: claims.sid };
  }
}
