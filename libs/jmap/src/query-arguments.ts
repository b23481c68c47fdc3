import { ArgumentReader } from './arguments';
import {
  parseFilter,
  parseSort,
  type Comparator,
  type FilterNode,
  type FilterSortOptions,
} from './query-filter';

export interface QueryArguments {
  accountId: string;
  filter: FilterNode | null;
  sort: Comparator[];
  position: number;
  anchor: string | null;
  anchorOffset: number;
  limit: number | null;
  calculateTotal: boolean;
  extra: Record<string, unknown>;
}

export interface QueryChangesArguments {
  accountId: string;
  filter: FilterNode | null;
  sort: Comparator[];
  sinceQueryState: string;
  maxChanges: number | null;
  upToId: string | null;
  calculateTotal: boolean;
  extra: Record<string, unknown>;
}

export interface QueryArgumentOptions extends FilterSortOptions {
  extraArguments?: readonly string[];
}

/** Parses Foo/query arguments (RFC 8620 §5.5). */
export function parseQueryArguments(
  args: Record<string, unknown>,
  options: QueryArgumentOptions = {},
): QueryArguments {
  const extraNames = options.extraArguments ?? [];
  const reader = new ArgumentReader(args, [
    'accountId',
    'filter',
    'sort',
    'position',
    'anchor',
    'anchorOffset',
    'limit',
    'calculateTotal',
    ...extraNames,
  ]);
  return {
    accountId: reader.id('accountId'),
    filter: parseFilter(reader.raw('filter'), options),
    sort: parseSort(reader.raw('sort'), options),
    position: reader.int('position', 0),
    anchor: reader.idOrNull('anchor'),
    anchorOffset: reader.int('anchorOffset', 0),
    limit: reader.unsignedIntOrNull('limit'),
    calculateTotal: reader.boolean('calculateTotal', false),
    extra: reader.pick(extraNames),
  };
}

/** Parses Foo/queryChanges arguments (RFC 8620 §5.6). */
export function parseQueryChangesArguments(
  args: Record<string, unknown>,
  options: QueryArgumentOptions = {},
): QueryChangesArguments {
  const extraNames = options.extraArguments ?? [];
  const reader = new ArgumentReader(args, [
    'accountId',
    'filter',
    'sort',
    'sinceQueryState',
    'maxChanges',
    'upToId',
    'calculateTotal',
    ...extraNames,
  ]);
  return {
    accountId: reader.id('accountId'),
    filter: parseFilter(reader.raw('filter'), options),
    sort: parseSort(reader.raw('sort'), options),
    sinceQueryState: reader.string('sinceQueryState'),
    maxChanges: reader.unsignedIntOrNull('maxChanges'),
    upToId: reader.idOrNull('upToId'),
    calculateTotal: reader.boolean('calculateTotal', false),
    extra: reader.pick(extraNames),
  };
}
