import type { ConversationAccess } from '@jchat/contracts';
import { forbidden, notFound } from '@jchat/jmap';

/** Per-object checks over rbac's answer for the actor; each throws the SetError to report. */

/** A conversation the actor may not see is reported as not found, never as forbidden. */
export function requireVisible(access: ConversationAccess): void {
  if (!access.exists || !access.visible) throw notFound('no such conversation');
}

export function requirePermission(access: ConversationAccess, permission: string): void {
  if (!access.permissions.includes(permission)) throw forbidden(`needs ${permission}`);
}

/** Nobody grants (or takes away) what they do not hold. */
export function requireHolding(access: ConversationAccess, permissions: readonly string[]): void {
  const missing = permissions.filter((permission) => !access.permissions.includes(permission));
  if (missing.length > 0)
    throw forbidden(`nobody grants what they do not hold: ${missing.join(', ')}`);
}
