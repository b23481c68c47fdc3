import { JmapMethodError } from './errors';
import { isCreationReference, isJmapId } from './id';
import { isArray, isPlainObject } from './types';

export function invalidArguments(description: string): JmapMethodError {
  return new JmapMethodError('invalidArguments', description);
}

export interface IdOptions {
  /** Also accept "#creationId" references (RFC 8620 §5.3). */
  allowCreationReferences?: boolean;
}

/**
 * Reads typed method arguments, rejecting unknown names and wrong types with `invalidArguments`.
 * An omitted argument takes its default, as RFC 8620 §3.5 requires.
 */
export class ArgumentReader {
  constructor(
    private readonly args: Record<string, unknown>,
    allowedNames: readonly string[],
  ) {
    const unknown = Object.keys(args).filter((name) => !allowedNames.includes(name));
    if (unknown.length > 0) {
      throw invalidArguments(`unknown argument(s): ${unknown.map((n) => `"${n}"`).join(', ')}`);
    }
  }

  /** The raw value, or undefined when omitted. */
  raw(name: string): unknown {
    return Object.hasOwn(this.args, name) ? this.args[name] : undefined;
  }

  id(name: string): string {
    const value = this.raw(name);
    if (!isJmapId(value)) throw invalidArguments(`"${name}" must be an Id`);
    return value;
  }

  idOrNull(name: string, options: IdOptions = {}): string | null {
    const value = this.raw(name);
    if (value === undefined || value === null) return null;
    if (!isIdArgument(value, options)) throw invalidArguments(`"${name}" must be an Id or null`);
    return value;
  }

  string(name: string): string {
    const value = this.raw(name);
    if (typeof value !== 'string') throw invalidArguments(`"${name}" must be a string`);
    return value;
  }

  stringOrNull(name: string): string | null {
    const value = this.raw(name);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw invalidArguments(`"${name}" must be a string or null`);
    return value;
  }

  /** A list of distinct Ids in first-seen order, or null. */
  idListOrNull(name: string, options: IdOptions = {}): string[] | null {
    const list = this.stringListOrNull(name);
    if (list === null) return null;
    if (!list.every((id) => isIdArgument(id, options))) {
      throw invalidArguments(`"${name}" must be an array of Ids or null`);
    }
    return list;
  }

  /** A list of distinct strings in first-seen order, or null. */
  stringListOrNull(name: string): string[] | null {
    const value = this.raw(name);
    if (value === undefined || value === null) return null;
    const invalid = () => invalidArguments(`"${name}" must be an array of strings or null`);
    if (!isArray(value)) throw invalid();
    const strings = value.map((item) => {
      if (typeof item !== 'string') throw invalid();
      return item;
    });
    return [...new Set(strings)];
  }

  /** A map from Id to object, e.g. /set's create and update; null or omitted is empty. */
  idMapOfObjects(name: string, options: IdOptions = {}): Record<string, Record<string, unknown>> {
    const value = this.raw(name);
    if (value === undefined || value === null) return {};
    if (!isPlainObject(value)) throw invalidArguments(`"${name}" must be an object or null`);
    const entries = Object.entries(value).map(([id, item]) => {
      if (!isIdArgument(id, options)) throw invalidArguments(`"${name}": "${id}" is not an Id`);
      if (!isPlainObject(item)) throw invalidArguments(`"${name}/${id}" must be an object`);
      return [id, item] as const;
    });
    return Object.fromEntries(entries);
  }

  int(name: string, defaultValue: number): number {
    const value = this.raw(name);
    if (value === undefined) return defaultValue;
    if (!isInt(value)) throw invalidArguments(`"${name}" must be an integer`);
    return value;
  }

  unsignedIntOrNull(name: string): number | null {
    const value = this.raw(name);
    if (value === undefined || value === null) return null;
    if (!isInt(value) || value < 0) {
      throw invalidArguments(`"${name}" must be a non-negative integer or null`);
    }
    return value;
  }

  positiveIntOrNull(name: string): number | null {
    const value = this.unsignedIntOrNull(name);
    if (value === 0) throw invalidArguments(`"${name}" must be greater than 0`);
    return value;
  }

  boolean(name: string, defaultValue: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return defaultValue;
    if (typeof value !== 'boolean') throw invalidArguments(`"${name}" must be a boolean`);
    return value;
  }

  /** The given names that are present, unvalidated, for type-specific arguments. */
  pick(names: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(
      names.filter((name) => Object.hasOwn(this.args, name)).map((name) => [name, this.args[name]]),
    );
  }
}

/** RFC 8620 §1.3: an Int lies in -(2^53-1)..2^53-1. */
function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isIdArgument(value: unknown, options: IdOptions): value is string {
  return (
    isJmapId(value) || (options.allowCreationReferences === true && isCreationReference(value))
  );
}
