import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import {
  type AddedItem,
  buildQueryChangesResponse,
  buildQueryResponse,
  checkMaxChanges,
  type Comparator,
  decodeCursor,
  encodeCursor,
  type FilterNode,
  isPastCursor,
  JmapMethodError,
  type QueryArguments,
  type QueryChangesArguments,
  type QueryChangesResponse,
  type QueryResponse,
  type QueryWindowResult,
  windowQueryResults,
  horizonState,
} from '@jchat/jmap';
import { canRead } from '../access/access-rules';
import type { AccessScope } from '../access/conversation-access.service';
import { compileFilter, type CompiledFilter, searchText } from './message-filter';
import {
  type MessageScope,
  MessageSearchRepository,
  type SortDirection,
  type SortKey,
} from './message-search.repository';
import { MessageSyncService } from './message-sync.service';
import { MessagesRepository } from './messages.repository';

/** Largest page of ids one Message/query returns. */
export const MAX_QUERY_LIMIT = 500;
/** Relevance-ranked searches consider the best this many matches. */
export const RANKED_RESULTS_CAP = 1000;
/** Beyond this many changed messages, /queryChanges answers cannotCalculateChanges. */
const MAX_QUERY_CHANGES = 5000;

export const SORT_PROPERTIES = ['sentAt', 'relevance'] as const;

type Order = SortDirection | 'RELEVANCE';

interface ResolvedQuery {
  filter: CompiledFilter;
  scope: MessageScope;
  order: Order;
}

/** Message/query and Message/queryChanges over the messages the caller may read. */
@Injectable()
export class MessageQueryService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly search: MessageSearchRepository,
    private readonly sync: MessageSyncService,
  ) {}

  async query(access: AccessScope, args: QueryArguments): Promise<QueryResponse> {
    const horizon = await this.messages.syncHorizon();
    const { filter, scope, order } = await this.resolve(access, args.filter, args.sort);
    let window: QueryWindowResult;
    if (order === 'RELEVANCE') {
      const ids = await this.search.rankedIds(
        scope,
        filter.where,
        searchText(filter) ?? '',
        RANKED_RESULTS_CAP,
      );
      window = windowQueryResults(ids, args, MAX_QUERY_LIMIT);
    } else {
      window = await this.sqlWindow(scope, filter, order, args);
    }
    return buildQueryResponse({
      accountId: args.accountId,
      queryState: horizonState(horizon),
      canCalculateChanges: order !== 'RELEVANCE',
      calculateTotal: args.calculateTotal,
      window,
    });
  }

  /** RFC 8620 §5.5 paging done in SQL, so a long conversation is never loaded whole. */
  private async sqlWindow(
    scope: MessageScope,
    filter: CompiledFilter,
    direction: SortDirection,
    args: QueryArguments,
  ): Promise<QueryWindowResult> {
    const limit = args.limit === null ? MAX_QUERY_LIMIT : Math.min(args.limit, MAX_QUERY_LIMIT);
    const needTotal = args.calculateTotal || (args.anchor === null && args.position < 0);
    const total = needTotal ? await this.search.count(scope, filter.where) : 0;
    let position: number;
    if (args.anchor !== null) {
      const [key] = isUuid(args.anchor)
        ? await this.search.sortKeys(scope, filter.where, [args.anchor])
        : [];
      if (!key)
        throw new JmapMethodError('anchorNotFound', `"${args.anchor}" is not in the query results`);
      const index = await this.search.countBefore(scope, filter.where, key, direction);
      position = Math.max(0, index + args.anchorOffset);
    } else {
      position = args.position < 0 ? Math.max(0, total + args.position) : args.position;
    }
    const ids = await this.search.sortedIds(scope, filter.where, direction, position, limit);
    const window = { ids, position, total };
    return limit === args.limit ? window : { ...window, limit };
  }

  /**
   * Changes to a query's results since `sinceQueryState`. With a filter on immutable properties
   * only messages created since can enter (a deleted message keeps its place); with `text` or
   * `hasAttachment`, every message changed since that might have matched before is removed and,
   * if it matches now, added back at its index (RFC 8620 §5.6).
   */
  async queryChanges(
    access: AccessScope,
    args: QueryChangesArguments,
  ): Promise<QueryChangesResponse> {
    const cursor = decodeCursor(args.sinceQueryState);
    if (!cursor)
      throw new JmapMethodError(
        'cannotCalculateChanges',
        `"${args.sinceQueryState}" is not a state of this server`,
      );
    const { filter, scope, order } = await this.resolve(access, args.filter, args.sort);
    if (order === 'RELEVANCE') {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'relevance-sorted results cannot be followed: query again',
      );
    }
    const horizon = await this.messages.syncHorizon();
    const { rows: changed } = await this.sync.changedInScope(scope, cursor, MAX_QUERY_CHANGES + 1);
    if (changed.length > MAX_QUERY_CHANGES) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        'too many changes since this state: query again',
      );
    }
    const candidates = filter.isMutable
      ? changed
      : changed.filter(
          (row) =>
            row.joinedModseq >= cursor.modseq || isPastCursor(row.createdModseq, row.id, cursor),
        );
    const candidateIds = candidates.map((row) => row.id);
    const nowMatching = await this.search.sortKeys(scope, filter.where, candidateIds);
    const upToKey =
      !filter.isMutable && args.upToId !== null && isUuid(args.upToId)
        ? ((await this.search.sortKeys(scope, filter.where, [args.upToId]))[0] ?? null)
        : null;
    const beyondUpTo = (key: SortKey) => upToKey !== null && compareKeys(key, upToKey, order) > 0;

    const addedKeys = nowMatching.filter((key) => !beyondUpTo(key));
    const last = addedKeys.reduce<SortKey | null>(
      (furthest, key) =>
        furthest === null || compareKeys(key, furthest, order) > 0 ? key : furthest,
      null,
    );
    const indexes =
      last === null
        ? new Map<string, number>()
        : await this.search.indexesOf(scope, filter.where, addedKeys, last, order);
    const added: AddedItem[] = addedKeys.flatMap((key) => {
      const index = indexes.get(key.id);
      return index === undefined ? [] : [{ id: key.id, index }];
    });
    added.sort((a, b) => a.index - b.index);

    let removed: string[];
    if (filter.isMutable) {
      // Those that may have matched before, whatever their text or attachments were then.
      const relaxed = compileFilter(args.filter, { mutableAsUnknown: true });
      const maybeBefore = await this.search.possiblyMatching(scope, relaxed.where, candidateIds);
      removed = candidateIds.filter((id) => maybeBefore.has(id));
    } else {
      // Created since the state: only those matching now can have been seen (a client whose
      // state was read just before their commit may hold them); remove and add them back.
      const inResults = new Set(nowMatching.filter((key) => !beyondUpTo(key)).map((key) => key.id));
      removed = candidateIds.filter((id) => inResults.has(id));
    }
    const changes = { removed, added };
    checkMaxChanges(changes, args.maxChanges);
    return buildQueryChangesResponse({
      accountId: args.accountId,
      oldQueryState: args.sinceQueryState,
      newQueryState: horizon.modseq >= cursor.modseq ? horizonState(horizon) : encodeCursor(cursor),
      calculateTotal: args.calculateTotal,
      total: args.calculateTotal ? await this.search.count(scope, filter.where) : 0,
      changes,
    });
  }

  private async resolve(
    access: AccessScope,
    filterNode: FilterNode | null,
    sort: Comparator[],
  ): Promise<ResolvedQuery> {
    const filter = compileFilter(filterNode);
    // Public conversations the caller is not in, but named in the filter and allowed to read.
    const extra: string[] = [];
    for (const conversationId of new Set(filter.conversationIds)) {
      const answer = await access.of(conversationId);
      if (canRead(answer) && !answer.isMember) extra.push(conversationId);
    }
    return {
      filter,
      scope: { userId: access.userId, extraConversationIds: extra },
      order: orderOf(sort, filter),
    };
  }
}

function orderOf(sort: Comparator[], filter: CompiledFilter): Order {
  if (sort.length === 0) return filter.texts.length > 0 ? 'RELEVANCE' : 'ASC';
  if (sort.length > 1)
    throw new JmapMethodError('unsupportedSort', 'sort by one property: sentAt or relevance');
  const [comparator] = sort as [Comparator];
  if (comparator.collation !== undefined) {
    throw new JmapMethodError('unsupportedSort', `"${comparator.property}" takes no collation`);
  }
  if (comparator.property === 'relevance') {
    if (filter.texts.length === 0)
      throw new JmapMethodError('unsupportedSort', 'relevance needs a text filter');
    return 'RELEVANCE';
  }
  return comparator.isAscending ? 'ASC' : 'DESC';
}

/** Order of two sort keys in the results: negative when `a` comes first. */
export function compareKeys(a: SortKey, b: SortKey, direction: SortDirection): number {
  const ascending =
    a.sentAt.getTime() - b.sentAt.getTime() ||
    (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return direction === 'ASC' ? ascending : -ascending;
}
