// PostgreSQL text cannot hold U+0000, and no name needs control characters.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** Why a display name is refused, or null when it is fine. */
export function displayNameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const name = value.trim();
  if (name.length < 1 || name.length > 100) return 'must be 1 to 100 characters';
  if (hasControlCharacters(name)) return 'must not contain control characters';
  return null;
}
