import type { ConversationType, PrivacyLevel } from '@jchat/contracts';
import {
  type Comparator,
  type FilterNode,
  type FilterOperatorName,
  invalidArguments,
  isFilterOperator,
} from '@jchat/jmap';
import { CONVERSATION_TYPES, PRIVACY_LEVELS } from './conversation-input';

export const FILTER_PROPERTIES = [
  'conversationType',
  'privacyLevel',
  'isArchived',
  'hasUnread',
  'text',
  'isMember',
] as const;
export const SORT_PROPERTIES = ['lastMessageAt', 'createdAt', 'title'] as const;

export interface ConversationCondition {
  conversationType?: ConversationType;
  privacyLevel?: PrivacyLevel;
  isArchived?: boolean;
  hasUnread?: boolean;
  /** Case-insensitive substring of the title or description. */
  text?: string;
  /** false: the listed (public, restricted) conversations the caller can join: a directory. */
  isMember?: boolean;
}

export type ConversationFilter =
  | { condition: ConversationCondition }
  | { operator: FilterOperatorName; conditions: ConversationFilter[] };

export type SortProperty = (typeof SORT_PROPERTIES)[number];
export interface ConversationSort {
  property: SortProperty;
  isAscending: boolean;
}

/** Without a sort: most recent activity first. */
export const DEFAULT_SORT: readonly ConversationSort[] = [
  { property: 'lastMessageAt', isAscending: false },
  { property: 'createdAt', isAscending: false },
];

/** Checks the values of a parsed /query filter (property names were checked by the parser). */
export function parseConversationFilter(node: FilterNode | null): ConversationFilter | null {
  return node === null ? null : parseNode(node);
}

function parseNode(node: FilterNode): ConversationFilter {
  if (isFilterOperator(node))
    return { operator: node.operator, conditions: node.conditions.map(parseNode) };
  const condition: ConversationCondition = {};
  for (const [property, value] of Object.entries(node)) {
    switch (property) {
      case 'conversationType': {
        const type = CONVERSATION_TYPES.find((known) => known === value);
        if (!type)
          throw invalidArguments(
            `filter.conversationType must be one of ${CONVERSATION_TYPES.join(', ')}`,
          );
        condition.conversationType = type;
        break;
      }
      case 'privacyLevel': {
        const level = PRIVACY_LEVELS.find((known) => known === value);
        if (!level)
          throw invalidArguments(`filter.privacyLevel must be one of ${PRIVACY_LEVELS.join(', ')}`);
        condition.privacyLevel = level;
        break;
      }
      case 'isArchived':
      case 'hasUnread':
      case 'isMember':
        if (typeof value !== 'boolean')
          throw invalidArguments(`filter.${property} must be a boolean`);
        condition[property] = value;
        break;
      case 'text':
        if (typeof value !== 'string') throw invalidArguments('filter.text must be a string');
        condition.text = value;
        break;
      default:
        throw invalidArguments(`filter.${property} is not a Conversation filter`);
    }
  }
  return { condition };
}

/** Whether the filter says anything about membership (otherwise only the caller's own count). */
export function mentionsIsMember(filter: ConversationFilter | null): boolean {
  if (filter === null) return false;
  if ('condition' in filter) return filter.condition.isMember !== undefined;
  return filter.conditions.some(mentionsIsMember);
}

export function parseConversationSort(sort: readonly Comparator[]): readonly ConversationSort[] {
  if (sort.length === 0) return DEFAULT_SORT;
  return sort.map(({ property, isAscending }) => {
    const known = SORT_PROPERTIES.find((name) => name === property);
    if (!known) throw invalidArguments(`cannot sort on "${property}"`);
    return { property: known, isAscending };
  });
}
