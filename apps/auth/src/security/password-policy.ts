import { COMMON_PASSWORDS } from './common-passwords';
import { hasControlCharacters } from './text';

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES)
    return `must be at most ${MAX_PASSWORD_BYTES} bytes`;
  if (hasControlCharacters(password)) return 'must not contain control characters';
  const lowered = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) return 'is too common';
  if (lowered === email.toLowerCase() || lowered === email.split('@')[0]?.toLowerCase()) {
    return 'must not be your email address';
  }
  if (/^(.)\1+$/.test(password)) return 'must not repeat a single character';
  return null;
}
