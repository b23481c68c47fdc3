import { createSecretKey, type KeyObject } from 'node:crypto';

const keys = new Map<string, KeyObject>();

/**
 * The KeyObject of an HMAC secret, made once. jsonwebtoken given a string or Buffer first tries
 * to parse it as a PEM public or private key, on every sign and verify; the failed parse cost
 * about 0.5 ms per call, the largest part of opening a WebSocket.
 */
export function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}
