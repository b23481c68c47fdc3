import type { NextFunction, Request, Response } from 'express';
import { newRequestId, runWithRequestId } from '@jchat/common';
import { REQUEST_ID } from './request-info';

const acceptable = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Takes the caller's X-Request-Id when sane, else makes one; echoes it back. The rest of the
 * request runs under it (runWithRequestId): the gateway's log lines carry it, and so do the
 * bus requests it makes, so the services' log lines do too.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.get('x-request-id');
  const id = offered && acceptable.test(offered) ? offered : newRequestId();
  (req as Request & { [REQUEST_ID]?: string })[REQUEST_ID] = id;
  res.setHeader('X-Request-Id', id);
  runWithRequestId(id, next);
}
