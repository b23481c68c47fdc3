import { SetErrorException } from './errors';
import { JsonPointerError, parseJsonPointer } from './json-pointer';
import { isArray, isPlainObject } from './types';

/**
 * Applies a PatchObject (RFC 8620 §5.3) and returns the patched copy; `target` is not mutated.
 * Throws SetErrorException `invalidPatch` when the patch breaks one of the RFC's rules.
 */
export function applyPatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const patches = Object.entries(patch).map(([key, value]) => ({
    key,
    tokens: parsePatchKey(key),
    value,
  }));
  rejectOverlappingPaths(patches);

  const result = { ...target };
  for (const { key, tokens, value } of patches) {
    const parent = copyPathToParent(result, tokens, key);
    const property = tokens[tokens.length - 1];
    if (value === null) delete parent[property];
    else setOwnProperty(parent, property, value);
  }
  return result;
}

/** The distinct top-level property names a PatchObject changes, e.g. for permission checks. */
export function patchTouchedProperties(patch: Record<string, unknown>): string[] {
  const properties = Object.keys(patch).map((key) => parsePatchKey(key)[0]);
  return [...new Set(properties)];
}

function invalidPatch(description: string): SetErrorException {
  return new SetErrorException({ type: 'invalidPatch', description });
}

function parsePatchKey(key: string): string[] {
  try {
    // Patch keys are pointers with an implicit leading "/".
    return parseJsonPointer(`/${key}`);
  } catch (error) {
    if (error instanceof JsonPointerError) throw invalidPatch(`"${key}": ${error.message}`);
    throw error;
  }
}

function rejectOverlappingPaths(patches: readonly { key: string; tokens: string[] }[]): void {
  // After sorting, a path that is a prefix of others sorts directly before one of them.
  const sorted = [...patches].sort((a, b) => compareTokens(a.tokens, b.tokens));
  for (let index = 1; index < sorted.length; index++) {
    const previous = sorted[index - 1];
    const current = sorted[index];
    if (isPrefix(previous.tokens, current.tokens)) {
      throw invalidPatch(`"${previous.key}" and "${current.key}" patch overlapping paths`);
    }
  }
}

function compareTokens(a: readonly string[], b: readonly string[]): number {
  const shared = Math.min(a.length, b.length);
  for (let index = 0; index < shared; index++) {
    if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
  }
  return a.length - b.length;
}

function isPrefix(prefix: readonly string[], tokens: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((token, index) => tokens[index] === token);
}

/**
 * Walks to the object holding the last token, copying every object on the way (the root is
 * already a copy) so that the caller's target is never mutated.
 */
function copyPathToParent(
  root: Record<string, unknown>,
  tokens: readonly string[],
  key: string,
): Record<string, unknown> {
  let parent = root;
  for (const token of tokens.slice(0, -1)) {
    if (!Object.hasOwn(parent, token)) {
      throw invalidPatch(`"${key}": "${token}" does not exist on the object`);
    }
    const child = parent[token];
    if (isArray(child)) throw invalidPatch(`"${key}" points inside an array`);
    if (!isPlainObject(child)) throw invalidPatch(`"${key}": "${token}" is not an object`);
    const copy = { ...child };
    setOwnProperty(parent, token, copy);
    parent = copy;
  }
  return parent;
}

function setOwnProperty(object: Record<string, unknown>, property: string, value: unknown): void {
  // Plain assignment of "__proto__" would replace the prototype instead of adding a property.
  Object.defineProperty(object, property, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
