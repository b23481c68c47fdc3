import type { Request } from 'express';
import { newRequestId } from '@jchat/common';

export const REQUEST_ID = Symbol('requestId');

/** The request id set by the request-id middleware (or a fresh one). */
export function requestIdOf(req: Request): string {
  const holder = req as Request & { [REQUEST_ID]?: string };
  holder[REQUEST_ID] ??= newRequestId();
  return holder[REQUEST_ID];
}

export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

export function clientInfo(req: Request): { ipAddress: string | null; userAgent: string | null } {
  return { ipAddress: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
}
