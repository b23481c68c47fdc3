import { unstorableTextProblem } from '@jchat/jmap';

/** PostgreSQL text cannot hold U+0000, and no name, address or password needs C0 controls or DEL. */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const MAX_DISPLAY_NAME_LENGTH = 100;

/** Why a display name is refused, or null when it is fine. */
export function displayNameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const name = value.trim();
  if (name.length < 1 || name.length > MAX_DISPLAY_NAME_LENGTH) {
    return `must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`;
  }
  if (hasControlCharacters(name)) return 'must not contain control characters';
  return unstorableTextProblem(name);
}

/**
 * An identity provider's name for a user, made a display name we can store: without control
 * characters or lone surrogates, and cut to the length limit between code points (a cut inside a
 * surrogate pair would leave a lone half). May be empty.
 */
export function externalDisplayName(value: string): string {
  let name = '';
  for (const char of value.trim()) {
    if (hasControlCharacters(char) || unstorableTextProblem(char) !== null) continue;
    if (name.length + char.length > MAX_DISPLAY_NAME_LENGTH) break;
    name += char;
  }
  return name.trim();
}
