import jwt from 'jsonwebtoken';
import { hmacKey } from './hmac-key';

describe('hmacKey', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';

  it('signs and verifies exactly as the secret string does', () => {
    const token = jwt.sign({ sub: 'u1' }, secret, { algorithm: 'HS256' });
    expect(jwt.verify(token, hmacKey(secret), { algorithms: ['HS256'] })).toMatchObject({
      sub: 'u1',
    });
    const fromKey = jwt.sign({ sub: 'u2' }, hmacKey(secret), { algorithm: 'HS256' });
    expect(jwt.verify(fromKey, secret, { algorithms: ['HS256'] })).toMatchObject({ sub: 'u2' });
    expect(() => jwt.verify(fromKey, hmacKey(`${secret}x`), { algorithms: ['HS256'] })).toThrow();
  });

  it('makes each key once', () => {
    expect(hmacKey(secret)).toBe(hmacKey(secret));
  });
});
