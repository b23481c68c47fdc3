import { invalidArguments } from './arguments';
import { JmapMethodError } from './errors';
import { isArray, isPlainObject } from './types';

export type FilterOperatorName = 'AND' | 'OR' | 'NOT';

export interface FilterOperator {
  operator: FilterOperatorName;
  conditions: FilterNode[];
}

/** Type-specific; never has an "operator" property. */
export type FilterCondition = Record<string, unknown>;

export type FilterNode = FilterOperator | FilterCondition;

export interface Comparator {
  property: string;
  isAscending: boolean;
  collation?: string;
}

export interface FilterSortOptions {
  /** When given, a condition on any other property is `unsupportedFilter`. */
  knownFilterProperties?: readonly string[];
  /** When given, sorting on any other property is `unsupportedSort`. */
  knownSortProperties?: readonly string[];
  /** When given, any other collation is `unsupportedSort`. */
  collationAlgorithms?: readonly string[];
}

// Deeper filters are refused rather than risking the stack on hostile input.
export const MAX_FILTER_DEPTH = 16;

const OPERATORS: readonly string[] = ['AND', 'OR', 'NOT'] satisfies FilterOperatorName[];

export function isFilterOperator(node: FilterNode): node is FilterOperator {
  return typeof node['operator'] === 'string';
}

/** Parses the "filter" argument of /query and /queryChanges (RFC 8620 §5.5). */
export function parseFilter(value: unknown, options: FilterSortOptions): FilterNode | null {
  if (value === undefined || value === null) return null;
  return parseFilterNode(value, options, 'filter', 1);
}

function parseFilterNode(
  value: unknown,
  options: FilterSortOptions,
  location: string,
  depth: number,
): FilterNode {
  if (depth > MAX_FILTER_DEPTH) {
    throw new JmapMethodError(
      'unsupportedFilter',
      `filters may nest at most ${MAX_FILTER_DEPTH} levels`,
    );
  }
  if (!isPlainObject(value)) throw invalidArguments(`"${location}" must be an object`);
  if (!Object.hasOwn(value, 'operator')) return parseCondition(value, options);

  const { operator, conditions, ...rest } = value;
  if (typeof operator !== 'string' || !isOperatorName(operator)) {
    throw invalidArguments(`"${location}/operator" must be "AND", "OR" or "NOT"`);
  }
  if (!isArray(conditions)) throw invalidArguments(`"${location}/conditions" must be an array`);
  const extraKeys = Object.keys(rest);
  if (extraKeys.length > 0) {
    throw invalidArguments(`"${location}" is a FilterOperator and cannot have "${extraKeys[0]}"`);
  }
  return {
    operator,
    conditions: conditions.map((condition, index) =>
      parseFilterNode(condition, options, `${location}/conditions/${index}`, depth + 1),
    ),
  };
}

function isOperatorName(name: string): name is FilterOperatorName {
  return OPERATORS.includes(name);
}

function parseCondition(
  condition: Record<string, unknown>,
  options: FilterSortOptions,
): FilterCondition {
  const known = options.knownFilterProperties;
  if (known === undefined) return { ...condition };
  const unsupported = Object.keys(condition).find((name) => !known.includes(name));
  if (unsupported !== undefined) {
    throw new JmapMethodError('unsupportedFilter', `cannot filter on "${unsupported}"`);
  }
  return { ...condition };
}

/** Parses the "sort" argument (RFC 8620 §5.5); null or omitted is no sort. */
export function parseSort(value: unknown, options: FilterSortOptions): Comparator[] {
  if (value === undefined || value === null) return [];
  if (!isArray(value)) throw invalidArguments('"sort" must be an array of Comparators or null');
  return value.map((item, index) => parseComparator(item, options, `sort/${index}`));
}

function parseComparator(value: unknown, options: FilterSortOptions, location: string): Comparator {
  if (!isPlainObject(value)) throw invalidArguments(`"${location}" must be a Comparator object`);
  const { property, isAscending = true, collation, ...rest } = value;
  const extraKeys = Object.keys(rest);
  if (extraKeys.length > 0) {
    throw invalidArguments(`"${location}" has unknown property "${extraKeys[0]}"`);
  }
  if (typeof property !== 'string')
    throw invalidArguments(`"${location}/property" must be a string`);
  if (typeof isAscending !== 'boolean') {
    throw invalidArguments(`"${location}/isAscending" must be a boolean`);
  }
  if (collation !== undefined && typeof collation !== 'string') {
    throw invalidArguments(`"${location}/collation" must be a string`);
  }
  if (options.knownSortProperties && !options.knownSortProperties.includes(property)) {
    throw new JmapMethodError('unsupportedSort', `cannot sort on "${property}"`);
  }
  if (
    collation !== undefined &&
    options.collationAlgorithms &&
    !options.collationAlgorithms.includes(collation)
  ) {
    throw new JmapMethodError('unsupportedSort', `unknown collation "${collation}"`);
  }
  return collation === undefined ? { property, isAscending } : { property, isAscending, collation };
}
