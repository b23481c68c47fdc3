const ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** An Id per RFC 8620 §1.2: 1 to 255 characters of the URL-safe base64 alphabet. */
export function isJmapId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** "#" followed by a creation id: refers to a record created earlier in the same request. */
export function isCreationReference(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('#') && isJmapId(value.slice(1));
}

/**
 * Resolves an id that may be a creation reference (RFC 8620 §5.3); a plain id comes back as is,
 * an unknown creation reference as null.
 */
export function resolveCreationReference(
  id: string,
  createdIds: Readonly<Record<string, string>>,
): string | null {
  if (!isCreationReference(id)) return id;
  const creationId = id.slice(1);
  return Object.hasOwn(createdIds, creationId) ? createdIds[creationId] : null;
}
