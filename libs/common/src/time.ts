/** JMAP UTCDate: ISO 8601 with a Z offset. */
export function toUtcDate(date: Date): string {
  return date.toISOString();
}

export function toUtcDateOrNull(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
