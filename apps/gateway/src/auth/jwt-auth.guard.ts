import {
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { AuthUser } from './auth-user';

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<TUser = AuthUser>(
    error: unknown,
    user: TUser | false,
    info: unknown,
  ): TUser {
    if (error) throw error;
    if (!user) {
      const reason = info instanceof Error ? info.message : 'missing or invalid access token';
      throw new UnauthorizedException(reason === 'No auth token' ? 'missing access token' : reason);
    }
    return user;
  }
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => {
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    if (!request.user) throw new UnauthorizedException('not authenticated');
    return request.user;
  },
);
