import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import type { AuthUser } from '../auth/auth-user';
import { PresenceReporter } from './presence-reporter.service';

/**
 * An authenticated HTTP request (e.g. /jmap/api) is activity of its account: it keeps the
 * user from showing as away while they use the API beside an EventSource. (Only accounts
 * with a push connection on this gateway are tracked; for others it costs a map lookup.)
 */
@Injectable()
export class ActivityInterceptor implements NestInterceptor {
  constructor(private readonly reporter: PresenceReporter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const user = context.switchToHttp().getRequest<Request & { user?: AuthUser }>().user;
      if (user) this.reporter.touch(user.userId);
    }
    return next.handle();
  }
}
