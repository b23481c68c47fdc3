// Argument parsing, paging and response shapes shared by every data type's standard methods
// (RFC 8620 §5).
export { parseGetArguments, type GetArguments, type GetArgumentOptions } from './get-arguments';
export {
  parseSetArguments,
  checkIfInState,
  type SetArguments,
  type SetArgumentOptions,
} from './set-arguments';
export {
  parseChangesArguments,
  type ChangesArguments,
  type ChangesArgumentOptions,
} from './changes-arguments';
export {
  parseQueryArguments,
  parseQueryChangesArguments,
  type QueryArguments,
  type QueryChangesArguments,
  type QueryArgumentOptions,
} from './query-arguments';
export {
  isFilterOperator,
  parseFilter,
  parseSort,
  MAX_FILTER_DEPTH,
  type Comparator,
  type FilterCondition,
  type FilterNode,
  type FilterOperator,
  type FilterOperatorName,
  type FilterSortOptions,
} from './query-filter';
export { windowQueryResults, type QueryWindow, type QueryWindowResult } from './query-window';
export {
  queryChangesFromLists,
  checkMaxChanges,
  type AddedItem,
  type QueryChanges,
} from './query-changes';
export {
  buildSetResponse,
  buildQueryResponse,
  buildQueryChangesResponse,
  type GetResponse,
  type SetResponse,
  type ChangesResponse,
  type QueryResponse,
  type QueryChangesResponse,
} from './responses';
