import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JsonWebTokenError, verify } from 'jsonwebtoken';
import { hmacKey } from '@jchat/common';
import type { AccessTokenClaims } from '@jchat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { JwtStrategy } from '../auth/jwt.strategy';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export class UpgradeAuthError extends Error {}

/** The access token of an upgrade request: Bearer header, or `access_token` in the query (browsers). */
export function upgradeToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (token) return token;
  }
  const query = new URL(request.url ?? '/', 'http://gateway').searchParams.get('access_token');
  return query || null;
}

/**
 * Authenticates a WebSocket upgrade exactly as the HTTP routes do: the same HS256
 * access token, then the same claim and session-liveness checks (JwtStrategy.validate).
 */
@Injectable()
export class PushAuthenticator {
  constructor(
    private readonly strategy: JwtStrategy,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async authenticate(request: IncomingMessage): Promise<AuthUser> {
    const token = upgradeToken(request);
    if (!token) throw new UpgradeAuthError('missing access token');
    let claims: Partial<AccessTokenClaims>;
    try {
      const decoded = verify(token, hmacKey(this.config.JWT_SECRET), { algorithms: ['HS256'] });
      if (typeof decoded !== 'object' || decoded === null)
        throw new UpgradeAuthError('not an access token');
      claims = decoded as Partial<AccessTokenClaims>;
    } catch (error: unknown) {
      if (error instanceof JsonWebTokenError) throw new UpgradeAuthError(error.message);
      throw error;
    }
    try {
      return await this.strategy.validate(claims);
    } catch (error: unknown) {
      if (error instanceof UnauthorizedException) throw new UpgradeAuthError(error.message);
      throw error;
    }
  }
}
