import { toUtcDate } from '@jchat/common';

export function pickProperties(
  object: Record<string, unknown>,
  properties: string[] | null,
): Record<string, unknown> {
  if (properties === null) return object;
  return Object.fromEntries(Object.entries(object).filter(([key]) => properties.includes(key)));
}

export function grantedFields(grant: { grantedBy: string | null; grantedAt: Date }): {
  grantedBy: string | null;
  grantedAt: string;
} {
  return { grantedBy: grant.grantedBy, grantedAt: toUtcDate(grant.grantedAt) };
}
