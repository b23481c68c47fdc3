import { unstorableTextProblem } from '@jchat/jmap';
import { hasControlCharacters } from './text';

const emailPattern = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Lower-cased and trimmed; null when it is not an email address (control characters and lone
 * surrogates included).
 */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return email.length <= 254 &&
    emailPattern.test(email) &&
    !hasControlCharacters(email) &&
    unstorableTextProblem(email) === null
    ? email
    : null;
}
