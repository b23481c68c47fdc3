import { isUuid } from '@jchat/common';
import { Prisma } from '@jchat/db';
import { type FilterNode, invalidArguments, isFilterOperator } from '@jchat/jmap';
import { parseUtcDate } from './message-input';

export const FILTER_PROPERTIES = [
  'conversationId',
  'senderId',
  'before',
  'after',
  'hasAttachment',
  'isSystemMessage',
  'replyToMessageId',
  'text',
] as const;

/** Properties whose value can change after a message is stored (edits, deletes). */
const MUTABLE_FILTER_PROPERTIES: ReadonlySet<string> = new Set(['text', 'hasAttachment']);

export interface CompiledFilter {
  /** A boolean SQL expression over the messages table aliased `m`. */
  where: Prisma.Sql;
  /** Every conversation id the filter names (to widen the scope to public ones the caller may read). */
  conversationIds: string[];
  /** The search texts outside NOT, for ranking and snippets. */
  texts: string[];
  /** Whether a message can enter or leave the results after it was stored. */
  isMutable: boolean;
}

const MAX_TEXT_LENGTH = 500;

export interface CompileOptions {
  /**
   * Compile conditions on mutable properties as SQL NULL (unknown): `where IS NOT FALSE` then
   * holds for every message that matched, or might have matched, whatever those values were.
   */
  mutableAsUnknown?: boolean;
}

/** Compiles a Message/query filter (RFC 8620 §5.5 FilterOperator/FilterCondition) to SQL. */
export function compileFilter(
  filter: FilterNode | null,
  options: CompileOptions = {},
): CompiledFilter {
  const compiled: CompiledFilter = {
    where: Prisma.sql`TRUE`,
    conversationIds: [],
    texts: [],
    isMutable: false,
  };
  if (filter) compiled.where = compileNode(filter, compiled, false, options);
  return compiled;
}

function compileNode(
  node: FilterNode,
  out: CompiledFilter,
  negated: boolean,
  options: CompileOptions,
): Prisma.Sql {
  if (isFilterOperator(node)) {
    const inner = node.operator === 'NOT' ? !negated : negated;
    const parts = node.conditions.map((child) => compileNode(child, out, inner, options));
    switch (node.operator) {
      case 'AND':
        return parts.length === 0 ? Prisma.sql`TRUE` : Prisma.sql`(${Prisma.join(parts, ' AND ')})`;
      case 'OR':
        return parts.length === 0 ? Prisma.sql`FALSE` : Prisma.sql`(${Prisma.join(parts, ' OR ')})`;
      case 'NOT':
        // RFC 8620: NOT matches when none of the conditions do.
        return parts.length === 0
          ? Prisma.sql`TRUE`
          : Prisma.sql`NOT (${Prisma.join(parts, ' OR ')})`;
    }
  }
  const parts = Object.entries(node).map(([property, value]) => {
    const sql = compileCondition(property, value, out, negated);
    return options.mutableAsUnknown && MUTABLE_FILTER_PROPERTIES.has(property)
      ? Prisma.sql`NULL::boolean`
      : sql;
  });
  return parts.length === 0 ? Prisma.sql`TRUE` : Prisma.sql`(${Prisma.join(parts, ' AND ')})`;
}

function compileCondition(
  property: string,
  value: unknown,
  out: CompiledFilter,
  negated: boolean,
): Prisma.Sql {
  if (MUTABLE_FILTER_PROPERTIES.has(property)) out.isMutable = true;
  switch (property) {
    case 'conversationId':
      if (typeof value !== 'string') throw invalidArguments('filter conversationId must be an Id');
      if (!isUuid(value)) return Prisma.sql`FALSE`;
      out.conversationIds.push(value);
      return Prisma.sql`m.conversation_id = ${value}::uuid`;
    case 'senderId':
      if (typeof value !== 'string') throw invalidArguments('filter senderId must be an Id');
      return isUuid(value) ? Prisma.sql`m.sender_id = ${value}::uuid` : Prisma.sql`FALSE`;
    case 'replyToMessageId':
      if (typeof value !== 'string')
        throw invalidArguments('filter replyToMessageId must be an Id');
      return isUuid(value) ? Prisma.sql`m.reply_to_message_id = ${value}::uuid` : Prisma.sql`FALSE`;
    case 'before':
    case 'after': {
      const date = typeof value === 'string' ? parseUtcDate(value) : null;
      if (!date) throw invalidArguments(`filter ${property} must be a UTCDate`);
      return property === 'before'
        ? Prisma.sql`m.sent_at < ${date.toISOString()}::timestamptz`
        : Prisma.sql`m.sent_at >= ${date.toISOString()}::timestamptz`;
    }
    case 'hasAttachment':
      if (typeof value !== 'boolean')
        throw invalidArguments('filter hasAttachment must be a Boolean');
      return value
        ? Prisma.sql`m.attachments <> '[]'::jsonb`
        : Prisma.sql`m.attachments = '[]'::jsonb`;
    case 'isSystemMessage':
      if (typeof value !== 'boolean')
        throw invalidArguments('filter isSystemMessage must be a Boolean');
      return Prisma.sql`m.is_system_message = ${value}`;
    case 'text': {
      if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT_LENGTH) {
        throw invalidArguments(
          `filter text must be a non-empty String of at most ${MAX_TEXT_LENGTH} characters`,
        );
      }
      if (!negated) out.texts.push(value);
      return Prisma.sql`m.search @@ websearch_to_tsquery('simple', ${value})`;
    }
    default:
      // parseQueryArguments already refused unknown properties; keep the compiler total.
      throw invalidArguments(`cannot filter on "${property}"`);
  }
}

/** One tsquery for ranking and highlighting: all positive search texts together. */
export function searchText(filter: CompiledFilter): string | null {
  return filter.texts.length === 0 ? null : filter.texts.join(' ');
}
