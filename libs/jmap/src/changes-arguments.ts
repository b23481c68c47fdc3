import { ArgumentReader } from './arguments';

export interface ChangesArguments {
  accountId: string;
  sinceState: string;
  maxChanges: number | null;
  extra: Record<string, unknown>;
}

export interface ChangesArgumentOptions {
  extraArguments?: readonly string[];
}

/** Parses Foo/changes arguments (RFC 8620 §5.2). */
export function parseChangesArguments(
  args: Record<string, unknown>,
  options: ChangesArgumentOptions = {},
): ChangesArguments {
  const extraNames = options.extraArguments ?? [];
  const reader = new ArgumentReader(args, ['accountId', 'sinceState', 'maxChanges', ...extraNames]);
  return {
    accountId: reader.id('accountId'),
    sinceState: reader.string('sinceState'),
    maxChanges: reader.positiveIntOrNull('maxChanges'),
    extra: reader.pick(extraNames),
  };
}
