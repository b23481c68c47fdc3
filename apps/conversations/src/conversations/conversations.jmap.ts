import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import {
  buildQueryChangesResponse,
  checkMaxChanges,
  parseQueryChangesArguments,
  type QueryArguments,
  writerHandlers,
  standardMethods,
} from '@jchat/jmap';
import { CONVERSATIONS_CONFIG, type ConversationsConfig } from '../config';
import { type ChangesSource, stateOf, SyncStates } from '@jchat/db';
import {
  FILTER_PROPERTIES,
  mentionsIsMember,
  parseConversationFilter,
  parseConversationSort,
  SORT_PROPERTIES,
} from './conversation-filter';
import { CONVERSATION_PROPERTIES, toConversationObject } from './conversation-view';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { actorOf } from '../participants/participants.service';

const MAX_QUERY_LIMIT = 500;
const QUERY_OPTIONS = {
  knownFilterProperties: FILTER_PROPERTIES,
  knownSortProperties: SORT_PROPERTIES,
};

/** JMAP `Conversation/get|set|changes|query|queryChanges`. */
@Injectable()
export class ConversationsJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly conversations: ConversationsRepository,
    private readonly service: ConversationsService,
    private readonly sync: SyncStates,
    @Inject(CONVERSATIONS_CONFIG) private readonly config: ConversationsConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('Conversation', {
        limits: this.config,
        ...this.sync.typeSync((ctx) => this.changedFor(ctx.userId)),
        get: {
          knownProperties: CONVERSATION_PROPERTIES,
          find: (ids, ctx) =>
            this.conversations.findVisible(ctx.userId, ids === null ? null : ids.filter(isUuid)),
          idOf: (record) => record.conversation.id,
          toObject: toConversationObject,
        },
        query: {
          ...QUERY_OPTIONS,
          maxLimit: MAX_QUERY_LIMIT,
          canCalculateChanges: true,
          ids: (parsed, ctx) => this.compileQuery(parsed)(ctx.userId),
        },
        set: {
          handlers: (ctx) => writerHandlers(this.service, actorOf(ctx)),
          runOptions: { referenceProperties: [] },
        },
        other: { queryChanges: (args, ctx) => this.queryChanges(args, ctx) },
      }),
    );
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.conversations.changedSince(viewerId, cursor, limit);
  }

  /**
   * The query of a /query or /queryChanges, its filter and sort checked at once: run, it gives
   * the conversation ids it has for the viewer, in order.
   */
  private compileQuery(
    parsed: Pick<QueryArguments, 'filter' | 'sort'>,
  ): (viewerId: string) => Promise<string[]> {
    const filter = parseConversationFilter(parsed.filter);
    const sort = parseConversationSort(parsed.sort);
    return (viewerId) =>
      this.conversations.query(viewerId, filter, !mentionsIsMember(filter), sort);
  }

  /**
   * Every conversation that changed (as the caller sees it, or in the directory) since the old
   * query state is removed, and added back at its new index when it is still a result: filters
   * and sorts involve mutable properties, so RFC 8620 §5.6 requires reinstating them.
   */
  private async queryChanges(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryChangesArguments(args, QUERY_OPTIONS);
    const query = this.compileQuery(parsed);
    const { cursor, horizon } = await this.sync.since(parsed.sinceQueryState);
    const ids = await query(ctx.userId);
    const changed = await this.conversations.changedForQueries(ctx.userId, cursor);
    const changes = {
      removed: [...changed],
      added: ids.flatMap((id, index) => (changed.has(id) ? [{ id, index }] : [])),
    };
    checkMaxChanges(changes, parsed.maxChanges);
    return {
      response: buildQueryChangesResponse({
        accountId: parsed.accountId,
        oldQueryState: parsed.sinceQueryState,
        newQueryState: stateOf(horizon),
        calculateTotal: parsed.calculateTotal,
        total: ids.length,
        changes,
      }),
    };
  }
}
