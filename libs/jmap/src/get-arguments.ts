import { ArgumentReader, invalidArguments } from './arguments';
import { JmapMethodError } from './errors';

export interface GetArguments {
  accountId: string;
  /** Distinct ids; may contain "#creationId" references (see resolveCreationReference). */
  ids: string[] | null;
  /** Distinct property names, always including "id"; null means all properties. */
  properties: string[] | null;
  /** The type-specific arguments named in `extraArguments` that were given, unvalidated. */
  extra: Record<string, unknown>;
}

export interface GetArgumentOptions {
  maxObjectsInGet: number;
  knownProperties: readonly string[];
  extraArguments?: readonly string[];
}

/** Parses Foo/get arguments (RFC 8620 §5.1). */
export function parseGetArguments(
  args: Record<string, unknown>,
  options: GetArgumentOptions,
): GetArguments {
  const extraNames = options.extraArguments ?? [];
  const reader = new ArgumentReader(args, ['accountId', 'ids', 'properties', ...extraNames]);
  const accountId = reader.id('accountId');
  const ids = reader.idListOrNull('ids', { allowCreationReferences: true });
  if (ids !== null && ids.length > options.maxObjectsInGet) {
    throw new JmapMethodError(
      'requestTooLarge',
      `${ids.length} ids requested; the maximum is ${options.maxObjectsInGet}`,
    );
  }
  return {
    accountId,
    ids,
    properties: parseProperties(reader.stringListOrNull('properties'), options.knownProperties),
    extra: reader.pick(extraNames),
  };
}

function parseProperties(
  properties: string[] | null,
  knownProperties: readonly string[],
): string[] | null {
  if (properties === null) return null;
  const unknown = properties.filter((name) => name !== 'id' && !knownProperties.includes(name));
  if (unknown.length > 0) {
    throw invalidArguments(`unknown properties: ${unknown.map((name) => `"${name}"`).join(', ')}`);
  }
  // RFC 8620 §5.1: the id is always returned, even when not asked for.
  return properties.includes('id') ? properties : ['id', ...properties];
}
