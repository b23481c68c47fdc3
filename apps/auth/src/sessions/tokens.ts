import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AccessTokenClaims } from '@jchat/contracts';
import { hmacKey, isUuid } from '@jchat/common';

export function signAccessToken(
  userId: string,
  sessionId: string,
  secret: string,
  ttlSeconds: number,
): string {
  const claims: AccessTokenClaims = { sub: userId, sid: sessionId, typ: 'access' };
  return jwt.sign(claims, hmacKey(secret), { algorithm: 'HS256', expiresIn: ttlSeconds });
}

export interface RefreshTokenClaims {
  sessionId: string;
  generation: number;
}

function mac(body: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`refresh:${body}`).digest();
}

/**
 * `<sessionId>.<generation>.<random>.<mac>`: it names its session and rotation
 * generation, and the MAC proves this server issued it. So only a token we really
 * handed out can count as "reused" and end its session; a forged one is just refused.
 */
export function newRefreshToken(claims: RefreshTokenClaims, secret: string): string {
  const body = `${claims.sessionId}.${claims.generation}.${randomBytes(24).toString('base64url')}`;
  return `${body}.${mac(body, secret).toString('base64url')}`;
}

/** The claims of a refresh token this server issued; null for anything else. */
export function verifyRefreshToken(token: string, secret: string): RefreshTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 4) return null;
  const [sessionId, generation, random, signature] = parts as [string, string, string, string];
  if (!isUuid(sessionId) || !/^\d{1,9}$/.test(generation) || !random) return null;
  const expected = mac(`${sessionId}.${generation}.${random}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { sessionId, generation: Number(generation) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
