import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { type DomainErrorCode, DomainException, ServiceUnavailableError } from '@jchat/contracts';
import { describeStoreFailure, storeFailureOf } from '@jchat/common';
import { JmapRequestError, RequestErrorTypes } from '@jchat/jmap';
import { BodyTooLargeError } from './read-body';
import { requestIdOf } from './request-info';

function statusOf(code: DomainErrorCode): number {
  switch (code) {
    case 'invalid_argument':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}

const httpCodes: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Every error leaves as JSON with a clear code: `{error, message}` on plain HTTP
 * routes, RFC 7807 problem details on /jmap/api. Never a stack trace.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    const isJmapApi = req.path === '/jmap/api';

    if (exception instanceof JmapRequestError) return this.problem(res, exception);
    if (exception instanceof BodyTooLargeError) {
      if (isJmapApi) {
        return this.problem(
          res,
          new JmapRequestError(
            RequestErrorTypes.limit,
            'the request is larger than maxSizeRequest',
            {
              limit: 'maxSizeRequest',
            },
          ),
        );
      }
      res.status(413).json({ error: 'payload_too_large', message: exception.message });
      return;
    }
    if (exception instanceof DomainException) {
      const status = statusOf(exception.code);
      const retryAfter = exception.details?.['retryAfterSeconds'];
      if (typeof retryAfter === 'number')
        res.setHeader('Retry-After', String(Math.ceil(retryAfter)));
      const fields = exception.details?.['fields'];
      res
        .status(status)
        .json({ error: exception.code, message: exception.message, ...(fields ? { fields } : {}) });
      return;
    }
    if (exception instanceof ServiceUnavailableError) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({
        error: 'service_unavailable',
        message: 'a backend service did not answer in time',
      });
      return;
    }
    const failure = storeFailureOf(exception);
    if (failure) {
      const what = describeStoreFailure(failure);
      this.logger.warn({ requestId: requestIdOf(req), error: String(exception) }, what);
      res.setHeader('Retry-After', '1');
      res.status(503).json({ error: 'service_unavailable', message: `${what}; retry shortly` });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      res.status(status).json({ error: httpCodes[status] ?? 'error', message: exception.message });
      return;
    }
    this.logger.error({
      requestId: requestIdOf(req),
      error: exception instanceof Error ? exception.stack : String(exception),
    });
    res
      .status(500)
      .json({ error: 'internal', message: 'internal server error', requestId: requestIdOf(req) });
  }

  private problem(res: Response, error: JmapRequestError): void {
    res
      .status(error.status)
      .type('application/problem+json')
      .send(JSON.stringify(error.toProblem()));
  }
}
