import { toUtcDate } from '@jchat/common';

export function grantedFields(grant: { grantedBy: string | null; grantedAt: Date }): {
  grantedBy: string | null;
  grantedAt: string;
} {
  return { grantedBy: grant.grantedBy, grantedAt: toUtcDate(grant.grantedAt) };
}
