// Bogus access tokens and Authorization headers: missing, malformed, alg "none", other
// algorithms, wrong key, expired, not yet valid, wrong claims, tampered payloads, revoked
// sessions. The fuzzer knows the run's JWT secret, so it can make tokens that are validly signed
// and wrong in one way only.
import { createHmac } from 'node:crypto';

const b64 = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function signJwt(header, payload, secret, algorithm = 'sha256') {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac(algorithm, secret).update(body).digest('base64url')}`;
}

/** A token for `user` exactly as the auth service signs them. */
export function accessToken(user, secret, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { alg: 'HS256', typ: 'JWT' },
    { sub: user.id, sid: user.sessionId, typ: 'access', iat: now, exp: now + 3600, ...overrides },
    secret,
  );
}

/** [label, Authorization header value or null, access_token query value or null] */
export function hostileCredentials(rng, fixtures) {
  const { secret, victim, revoked } = fixtures;
  const me = rng.pick(fixtures.attackers);
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: me.id, sid: me.sessionId, typ: 'access', iat: now, exp: now + 600 };
  const [label, header, query] = rng.pick([
    () => ['none', null, null],
    () => ['empty', '', null],
    () => ['bearerOnly', 'Bearer', null],
    () => ['bearerSpace', 'Bearer ', null],
    () => ['basic', `Basic ${b64('a:b')}`, null],
    () => ['lowercase', `bearer ${me.token}`, null],
    () => ['twoTokens', `Bearer ${me.token} ${me.token}`, null],
    () => ['garbage', `Bearer ${rng.hex(40)}`, null],
    () => ['dots', 'Bearer ...', null],
    () => ['twoParts', `Bearer ${me.token.split('.').slice(0, 2).join('.')}`, null],
    () => ['badBase64', 'Bearer e30.!!!.###', null],
    () => ['algNone', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, null],
    () => ['algNoneCaps', `Bearer ${b64({ alg: 'NONE' })}.${b64(claims)}.`, null],
    () => [
      'hs512',
      `Bearer ${signJwt({ alg: 'HS512', typ: 'JWT' }, claims, secret, 'sha512')}`,
      null,
    ],
    () => ['rs256Header', `Bearer ${signJwt({ alg: 'RS256', typ: 'JWT' }, claims, secret)}`, null],
    () => ['wrongKey', `Bearer ${accessToken(me, `${secret}x`)}`, null],
    () => [
      'expired',
      `Bearer ${accessToken(me, secret, { exp: now - 10, iat: now - 1000 })}`,
      null,
    ],
    () => ['notBefore', `Bearer ${accessToken(me, secret, { nbf: now + 3600 })}`, null],
    () => ['expString', `Bearer ${accessToken(me, secret, { exp: 'never' })}`, null],
    () => ['refreshTyp', `Bearer ${accessToken(me, secret, { typ: 'refresh' })}`, null],
    () => ['noTyp', `Bearer ${accessToken(me, secret, { typ: undefined })}`, null],
    () => ['subNotUuid', `Bearer ${accessToken(me, secret, { sub: "' OR 1=1 --" })}`, null],
    () => ['subArray', `Bearer ${accessToken(me, secret, { sub: [me.id] })}`, null],
    () => ['sidUnknown', `Bearer ${accessToken(me, secret, { sid: rng.uuid() })}`, null],
    () => ['otherUsersSession', `Bearer ${accessToken(me, secret, { sub: victim.id })}`, null],
    () => ['revokedSession', `Bearer ${revoked.token}`, null],
    () => [
      'tampered',
      `Bearer ${me.token.split('.')[0]}.${b64({ ...claims, sub: victim.id })}.${me.token.split('.')[2]}`,
      null,
    ],
    () => ['payloadNotJson', `Bearer ${b64({ alg: 'HS256' })}.${b64('not json')}.x`, null],
    () => ['huge', `Bearer ${'a'.repeat(rng.pick([8000, 20_000, 70_000]))}`, null],
    () => ['controlChars', `Bearer ${me.token}\u0001`, null],
    () => ['queryValid', null, me.token],
    () => ['queryGarbage', null, rng.hex(30)],
    () => ['queryExpired', null, accessToken(me, secret, { exp: now - 10 })],
    () => ['valid', `Bearer ${me.token}`, null],
  ])();
  return { label, header, query };
}
