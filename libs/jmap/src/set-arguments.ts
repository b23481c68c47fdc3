import { ArgumentReader } from './arguments';
import { JmapMethodError } from './errors';

export interface SetArguments {
  accountId: string;
  ifInState: string | null;
  /** Creation id to the object to create. */
  create: Record<string, Record<string, unknown>>;
  /** Id (or "#creationId") to PatchObject. */
  update: Record<string, Record<string, unknown>>;
  /** Distinct ids (or "#creationId"s) to destroy. */
  destroy: string[];
  extra: Record<string, unknown>;
}

export interface SetArgumentOptions {
  maxObjectsInSet: number;
  extraArguments?: readonly string[];
}

/** Parses Foo/set arguments (RFC 8620 §5.3); null create/update/destroy become empty. */
export function parseSetArguments(
  args: Record<string, unknown>,
  options: SetArgumentOptions,
): SetArguments {
  const extraNames = options.extraArguments ?? [];
  const reader = new ArgumentReader(args, [
    'accountId',
    'ifInState',
    'create',
    'update',
    'destroy',
    ...extraNames,
  ]);
  const parsed: SetArguments = {
    accountId: reader.id('accountId'),
    ifInState: reader.stringOrNull('ifInState'),
    create: reader.idMapOfObjects('create'),
    update: reader.idMapOfObjects('update', { allowCreationReferences: true }),
    destroy: reader.idListOrNull('destroy', { allowCreationReferences: true }) ?? [],
    extra: reader.pick(extraNames),
  };
  const total =
    Object.keys(parsed.create).length + Object.keys(parsed.update).length + parsed.destroy.length;
  if (total > options.maxObjectsInSet) {
    throw new JmapMethodError(
      'requestTooLarge',
      `${total} objects to create, update or destroy; the maximum is ${options.maxObjectsInSet}`,
    );
  }
  return parsed;
}

/** Aborts a /set whose ifInState is given and differs from the current state. */
export function checkIfInState(ifInState: string | null, currentState: string): void {
  if (ifInState !== null && ifInState !== currentState) {
    throw new JmapMethodError(
      'stateMismatch',
      `ifInState "${ifInState}" does not match the current state "${currentState}"`,
    );
  }
}
