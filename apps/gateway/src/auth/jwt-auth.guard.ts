import {
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { AuthUser } from './auth-user';
import { JWT_STRATEGY } from './jwt.strategy';

@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (error) throw error;
    if (!user) throw new UnauthorizedException(authFailureReason(info));
    return user;
  }
}

/** What passport-jwt's refusal (`info`) tells the client: the HTTP guard and WebSocket upgrades. */
export function authFailureReason(info: unknown): string {
  const reason = info instanceof Error ? info.message : 'missing or invalid access token';
  return reason === 'No auth token' ? 'missing access token' : reason;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => {
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    if (!request.user) throw new UnauthorizedException('not authenticated');
    return request.user;
  },
);
