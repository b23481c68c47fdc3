import { JmapMethodError } from './errors';

/** States encode modseqs, which live in PostgreSQL bigint columns. */
export const MAX_MODSEQ = 2n ** 63n - 1n;

const RADIX = 36;
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
// Canonical base 36: no leading zeros, at most 13 digits (MAX_MODSEQ has 13).
const STATE_PATTERN = /^(0|[1-9a-z][0-9a-z]{0,12})$/;

/** Encodes a modseq high-water mark as a compact, opaque state string (lower-case base 36). */
export function encodeState(modseq: bigint): string {
  if (modseq < 0n || modseq > MAX_MODSEQ) {
    throw new RangeError(`modseq ${modseq} is outside 0..${MAX_MODSEQ}`);
  }
  return modseq.toString(RADIX);
}

/** Decodes a state string made by encodeState; null for anything else. */
export function decodeState(state: string): bigint | null {
  if (!STATE_PATTERN.test(state)) return null;
  let modseq = 0n;
  for (const digit of state) modseq = modseq * BigInt(RADIX) + BigInt(DIGITS.indexOf(digit));
  return modseq <= MAX_MODSEQ ? modseq : null;
}

/** Decodes a client's sinceState; one the server never issued cannot be synced from. */
export function decodeSinceState(state: string): bigint {
  const modseq = decodeState(state);
  if (modseq === null) {
    throw new JmapMethodError('cannotCalculateChanges', `"${state}" is not a state of this server`);
  }
  return modseq;
}
