import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import {
  buildQueryChangesResponse,
  buildQueryResponse,
  buildSetResponse,
  checkMaxChanges,
  parseGetArguments,
  parseQueryArguments,
  parseQueryChangesArguments,
  parseSetArguments,
  resolveCreationReference,
  runSet,
  windowQueryResults,
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
import { CONVERSATION_PROPERTIES, pickProperties, toConversationObject } from './conversation-view';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';

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
    this.registry.register('Conversation/get', (args, ctx) => this.get(args, ctx));
    this.registry.register('Conversation/changes', async (args, ctx) => ({
      response: await this.sync.changes(args, this.changedFor(ctx.userId)),
    }));
    this.registry.register('Conversation/query', (args, ctx) => this.query(args, ctx));
    this.registry.register('Conversation/queryChanges', (args, ctx) =>
      this.queryChanges(args, ctx),
    );
    this.registry.register('Conversation/set', (args, ctx) => this.set(args, ctx));
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.conversations.changedSince(viewerId, cursor, limit);
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseGetArguments(args, {
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      knownProperties: CONVERSATION_PROPERTIES,
    });
    const state = await this.sync.current();
    const ids = parsed.ids?.map((id) => resolveCreationReference(id, ctx.createdIds) ?? id) ?? null;
    const records = await this.conversations.findVisible(ctx.userId, ids?.filter(isUuid) ?? null);
    const byId = new Map(records.map((record) => [record.conversation.id, record]));
    const listed = ids ?? records.map((record) => record.conversation.id);
    return {
      response: {
        accountId: parsed.accountId,
        state,
        list: listed.flatMap((id) => {
          const record = byId.get(id);
          return record ? [pickProperties(toConversationObject(record), parsed.properties)] : [];
        }),
        notFound: listed.filter((id) => !byId.has(id)),
      },
    };
  }

  private async query(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, QUERY_OPTIONS);
    const filter = parseConversationFilter(parsed.filter);
    const sort = parseConversationSort(parsed.sort);
    const queryState = await this.sync.current();
    const ids = await this.conversations.query(ctx.userId, filter, !mentionsIsMember(filter), sort);
    return {
      response: buildQueryResponse({
        accountId: parsed.accountId,
        queryState,
        canCalculateChanges: true,
        calculateTotal: parsed.calculateTotal,
        window: windowQueryResults(ids, parsed, MAX_QUERY_LIMIT),
      }),
    };
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
    const filter = parseConversationFilter(parsed.filter);
    const sort = parseConversationSort(parsed.sort);
    const { cursor, horizon } = await this.sync.since(parsed.sinceQueryState);
    const ids = await this.conversations.query(ctx.userId, filter, !mentionsIsMember(filter), sort);
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

  private async set(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseSetArguments(args, {
      maxObjectsInSet: this.config.JMAP_MAX_OBJECTS_IN_SET,
    });
    const actor = { userId: ctx.userId, requestId: ctx.requestId };
    return this.sync.guardedSet(
      ctx.userId,
      'Conversation',
      parsed.ifInState,
      this.changedFor(ctx.userId),
      async (oldState) => {
        const result = await runSet(
          parsed,
          {
            create: (_creationId, object) => this.service.create(actor, object),
            update: (id, patch) => this.service.update(actor, id, patch),
            destroy: (id) => this.service.destroy(actor, id),
          },
          ctx.createdIds,
          { referenceProperties: [] },
        );
        return {
          response: buildSetResponse({
            accountId: parsed.accountId,
            oldState,
            newState: await this.sync.current(),
            result,
          }),
          createdIds: result.createdIds,
        };
      },
    );
  }
}
