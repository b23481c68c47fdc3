import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AccessTokenClaims } from '@jchat/contracts';
import { isUuid } from '@jchat/common';

export function signAccessToken(
  userId: string,
  sessionId: string,
  secret: string,
  ttlSeconds: number,
): string {
  const claims: AccessTokenClaims = { sub: userId, sid: sessionId, typ: 'access' };
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: ttlSeconds });
}

/** A refresh token names its session, so a reused one can revoke exactly that session. */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(32).toString('base64url')}`;
}

export function sessionIdOfRefreshToken(token: string): string | null {
  const [sessionId, secret, ...rest] = token.split('.');
  return rest.length === 0 && isUuid(sessionId) && secret ? sessionId : null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
