import { type FilterNode, invalidArguments, isFilterOperator } from '@jchat/jmap';

/** A /query filter whose conditions are equalities on Id properties (e.g. userId, roleId). */
export function idEqualityFilter(
  filter: FilterNode | null,
): (object: Record<string, unknown>) => boolean {
  if (filter === null) return () => true;
  if (isFilterOperator(filter)) {
    const conditions = filter.conditions.map(idEqualityFilter);
    switch (filter.operator) {
      case 'AND':
        return (object) => conditions.every((matches) => matches(object));
      case 'OR':
        return (object) => conditions.some((matches) => matches(object));
      case 'NOT':
        return (object) => !conditions.some((matches) => matches(object));
    }
  }
  for (const [property, value] of Object.entries(filter)) {
    if (typeof value !== 'string') throw invalidArguments(`filter.${property} must be an Id`);
  }
  return (object) =>
    Object.entries(filter).every(([property, value]) => object[property] === value);
}

/** Sorts grant objects by grantedAt (the only sort), then id. */
export function sortByGrantedAt(
  objects: Record<string, unknown>[],
  sort: readonly { property: string; isAscending: boolean }[],
): Record<string, unknown>[] {
  const ascending = sort[0]?.isAscending ?? true;
  return [...objects].sort((a, b) => {
    const order =
      String(a['grantedAt']).localeCompare(String(b['grantedAt'])) ||
      String(a['id']).localeCompare(String(b['id']));
    return ascending ? order : -order;
  });
}

/** The ids of the grant objects the filter matches, in the order asked (see sortByGrantedAt). */
export function grantIds(
  objects: Record<string, unknown>[],
  filter: FilterNode | null,
  sort: readonly { property: string; isAscending: boolean }[],
): string[] {
  const matches = idEqualityFilter(filter);
  return sortByGrantedAt(objects.filter(matches), sort).map((object) => String(object['id']));
}
