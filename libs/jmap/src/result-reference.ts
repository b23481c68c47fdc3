import { JmapMethodError } from './errors';
import { evaluateJmapPointer, JsonPointerError, parseJsonPointer } from './json-pointer';
import { isPlainObject, type Invocation, type ResultReference } from './types';

/**
 * Replaces every "#name" argument by the value its ResultReference points at (RFC 8620 §3.7).
 * Returns new arguments; throws JmapMethodError invalidArguments / invalidResultReference.
 */
export function resolveResultReferences(
  args: Record<string, unknown>,
  previousResponses: readonly Invocation[],
): Record<string, unknown> {
  const entries = Object.entries(args).map(([key, value]): [string, unknown] => {
    if (!key.startsWith('#')) return [key, value];
    const name = key.slice(1);
    if (Object.hasOwn(args, name)) {
      throw new JmapMethodError(
        'invalidArguments',
        `argument "${name}" is given both directly and as a result reference`,
      );
    }
    return [name, resolveReference(key, value, previousResponses)];
  });
  return Object.fromEntries(entries);
}

export function isResultReference(value: unknown): value is ResultReference {
  return (
    isPlainObject(value) &&
    typeof value['resultOf'] === 'string' &&
    typeof value['name'] === 'string' &&
    typeof value['path'] === 'string'
  );
}

function resolveReference(
  key: string,
  reference: unknown,
  previousResponses: readonly Invocation[],
): unknown {
  const fail = (problem: string) =>
    new JmapMethodError('invalidResultReference', `${key}: ${problem}`);
  if (!isResultReference(reference)) {
    throw fail('the value must be a ResultReference {resultOf, name, path} of strings');
  }
  const { resultOf, name, path } = reference;
  const response = previousResponses.find(
    ([responseName, , callId]) => callId === resultOf && responseName === name,
  );
  if (response === undefined) {
    const other = previousResponses.find(([, , callId]) => callId === resultOf);
    throw fail(
      other === undefined
        ? `no earlier method call has id "${resultOf}"`
        : `the response to "${resultOf}" is "${other[0]}", not "${name}"`,
    );
  }
  try {
    return evaluateJmapPointer(response[1], parseJsonPointer(path));
  } catch (error) {
    if (error instanceof JsonPointerError) throw fail(`path "${path}": ${error.message}`);
    throw error;
  }
}
