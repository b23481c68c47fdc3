import { isArray, forbidden, invalidProperty } from '@jchat/jmap';
import { type Permission, isPermission } from './role-defaults';

/** A client-given list of permission strings: known ones, no duplicates, sorted. */
export function parsePermissionList(value: unknown, property: string): Permission[] {
  if (!isArray(value)) throw invalidProperty(property, 'must be an array of permission strings');
  const unknown = value.filter((item) => !isPermission(item));
  if (unknown.length > 0) {
    throw invalidProperty(
      property,
      `unknown permission(s): ${unknown.map((item) => JSON.stringify(item)).join(', ')}`,
    );
  }
  return [...new Set(value.filter(isPermission))].sort();
}

/** The permissions in `wanted` that `held` lacks: nobody grants what they do not hold. */
export function notHeld(wanted: readonly string[], held: readonly string[]): string[] {
  const holding = new Set(held);
  return wanted.filter((permission) => !holding.has(permission));
}

/** Rejects (per object) an actor who lacks `permission`. */
export function requirePermission(held: readonly string[], permission: string): void {
  if (!held.includes(permission)) throw forbidden(`needs ${permission}`);
}

/** Rejects (per object) an actor who would grant or take away permissions they do not hold. */
export function requireHolding(permissions: readonly string[], held: readonly string[]): void {
  const missing = notHeld(permissions, held);
  if (missing.length > 0)
    throw forbidden(`nobody grants what they do not hold: ${missing.join(', ')}`);
}
