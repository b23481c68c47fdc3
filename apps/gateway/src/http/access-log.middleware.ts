import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { runWithRequestId } from '@jchat/common';
import { requestIdOf } from './request-info';

const logger = new Logger('http');

/**
 * One debug line per HTTP request when it is done: method, path (never the query, which may
 * hold an access token), status and time, with the request id. Mounted with LOG_LEVEL=debug
 * only (see debugLogging).
 */
export function accessLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const startedAt = performance.now();
  res.once('close', () => {
    const path = req.originalUrl.split('?')[0];
    const ms = Math.round(performance.now() - startedAt);
    const status = res.writableFinished ? String(res.statusCode) : 'aborted';
    runWithRequestId(requestIdOf(req), () =>
      logger.debug(`${req.method} ${path} ${status} in ${ms} ms`),
    );
  });
  next();
}
