/** PostgreSQL text cannot hold U+0000, and no name, address or password needs C0 controls or DEL. */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Why a display name is refused, or null when it is fine. */
export function displayNameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const name = value.trim();
  if (name.length < 1 || name.length > 100) return 'must be 1 to 100 characters';
  if (hasControlCharacters(name)) return 'must not contain control characters';
  return null;
}
