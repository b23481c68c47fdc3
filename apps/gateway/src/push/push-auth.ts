import type { IncomingMessage } from 'node:http';
import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import type { AuthUser } from '../auth/auth-user';
import { authFailureReason } from '../auth/jwt-auth.guard';
import { JWT_STRATEGY, JwtStrategy } from '../auth/jwt.strategy';

export class UpgradeAuthError extends Error {}

/**
 * Authenticates a WebSocket upgrade exactly as the HTTP routes do: the request goes through the
 * same passport-jwt strategy (JwtStrategy: token from the Bearer header or `access_token`, HS256,
 * expiry, claims and session liveness), and a refusal says what the HTTP guard would say.
 */
@Injectable()
export class PushAuthenticator {
  // Injected so that the strategy is registered with passport before the first upgrade.
  constructor(readonly strategy: JwtStrategy) {}

  authenticate(request: IncomingMessage): Promise<AuthUser> {
    return new Promise((resolve, reject) => {
      const done = (error: unknown, user: AuthUser | false, info: unknown) => {
        if (error instanceof UnauthorizedException) reject(new UpgradeAuthError(error.message));
        else if (error) reject(error);
        else if (!user) reject(new UpgradeAuthError(authFailureReason(info)));
        else resolve(user);
      };
      const run = passport.authenticate(JWT_STRATEGY, { session: false }, done) as (
        req: Request,
        res: Response | undefined,
        next: (error?: unknown) => void,
      ) => void;
      run(request as Request, undefined, reject);
    });
  }
}
