import { isArray, isPlainObject } from './types';

// In Unicode mode a well-formed surrogate pair is one code point (not of category Cs), so this
// matches only unpaired halves.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why PostgreSQL cannot store this text as it is, or null when it can. U+0000 fits neither text
 * nor json. A lone UTF-16 surrogate has no UTF-8 form: jsonb refuses its `\uD800` escape, and
 * node-postgres would silently write U+FFFD in its place in a text column.
 */
export function unstorableTextProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain U+0000';
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const code = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `must not contain a lone UTF-16 surrogate (U+${code})`;
  }
  return null;
}

/** The problem of the first string in a JSON value, object keys included, that cannot be stored. */
export function findUnstorableText(value: unknown): string | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      const problem = unstorableTextProblem(item);
      if (problem) return problem;
    } else if (isArray(item)) {
      for (const child of item) pending.push(child);
    } else if (isPlainObject(item)) {
      for (const [key, child] of Object.entries(item)) pending.push(key, child);
    }
  }
  return null;
}
