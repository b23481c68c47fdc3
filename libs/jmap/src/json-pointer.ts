import { isArray, isPlainObject } from './types';

export class JsonPointerError extends Error {
  override readonly name = 'JsonPointerError';
}

/** Splits an RFC 6901 pointer into unescaped reference tokens; "" (the whole document) has none. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JsonPointerError(`pointer "${pointer}" must be empty or start with "/"`);
  }
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** Inverse of parseJsonPointer. */
export function formatJsonPointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${token.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function unescapeToken(token: string): string {
  if (/~(?![01])/.test(token)) {
    throw new JsonPointerError(`token "${token}" has a "~" not followed by "0" or "1"`);
  }
  // "~1" first, so that "~01" becomes "~1" rather than "/".
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Evaluates a JSON pointer with the JMAP extension of RFC 8620 §3.7: a "*" token on an array
 * applies the rest of the pointer to every item, flattening results that are arrays by one level.
 */
export function evaluateJmapPointer(document: unknown, tokens: readonly string[]): unknown {
  return evaluateFrom(document, tokens, 0);
}

function evaluateFrom(document: unknown, tokens: readonly string[], start: number): unknown {
  let current = document;
  for (let index = start; index < tokens.length; index++) {
    const token = tokens[index];
    const location = () => formatJsonPointer(tokens.slice(0, index)) || '(root)';
    if (isArray(current)) {
      if (token === '*') {
        return current.flatMap((item) => {
          const result = evaluateFrom(item, tokens, index + 1);
          return isArray(result) ? result : [result];
        });
      }
      current = arrayItem(current, token, location);
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, token)) {
        throw new JsonPointerError(`no property "${token}" at ${location()}`);
      }
      current = current[token];
    } else {
      const kind = current === null ? 'null' : typeof current;
      throw new JsonPointerError(`cannot look up "${token}" in the ${kind} at ${location()}`);
    }
  }
  return current;
}

function arrayItem(array: readonly unknown[], token: string, location: () => string): unknown {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new JsonPointerError(`"${token}" is not an array index at ${location()}`);
  }
  const position = Number(token);
  if (position >= array.length) {
    throw new JsonPointerError(`index ${token} is out of bounds at ${location()}`);
  }
  return array[position];
}
