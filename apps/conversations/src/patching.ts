import { applyPatch } from '@jchat/jmap';

/**
 * Applies a PatchObject to the object as the client sees it and names the top-level properties
 * whose value changed (or that the object does not have).
 */
export function patchedProperties(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): { patched: Record<string, unknown>; changed: string[] } {
  const patched = applyPatch(current, patch);
  const names = new Set([...Object.keys(current), ...Object.keys(patched)]);
  const changed = [...names].filter(
    (name) =>
      !Object.hasOwn(current, name) ||
      JSON.stringify(patched[name]) !== JSON.stringify(current[name]),
  );
  return { patched, changed };
}
