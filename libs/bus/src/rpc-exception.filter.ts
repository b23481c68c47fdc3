import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import { describeStoreFailure, storeFailureOf } from '@jchat/common';
import { DomainException, type RemoteErrorBody } from '@jchat/contracts';

/** Sends domain errors to the caller as `RemoteErrorBody`; anything else as `internal`. */
@Catch()
export class RpcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('rpc');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    if (exception instanceof DomainException) {
      return throwError(() => exception.toBody());
    }
    const failure = storeFailureOf(exception);
    if (failure) {
      const what = describeStoreFailure(failure);
      this.logger.warn(`${what}: ${String(exception)}`);
      const body: RemoteErrorBody = { code: 'unavailable', message: `${what}; retry shortly` };
      return throwError(() => body);
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    const body: RemoteErrorBody = { code: 'internal', message: 'internal error' };
    return throwError(() => body);
  }
}
