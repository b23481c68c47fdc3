import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import {
  buildQueryResponse,
  buildSetResponse,
  type FilterNode,
  invalidArguments,
  isFilterOperator,
  JmapMethodError,
  parseGetArguments,
  parseQueryArguments,
  parseSetArguments,
  resolveCreationReference,
  runSet,
  windowQueryResults,
} from '@jchat/jmap';
import { CONVERSATIONS_CONFIG, type ConversationsConfig } from '../config';
import { pickProperties } from '../conversations/conversation-view';
import { type ChangesSource, SyncStates } from '@jchat/db';
import { PARTICIPANT_ROLES } from './participant-input';
import { PARTICIPANT_PROPERTIES, toParticipantObject } from './participant-view';
import { type ParticipantQuery, ParticipantsRepository } from './participants.repository';
import { ParticipantsService } from './participants.service';

const MAX_QUERY_LIMIT = 1000;

/** JMAP `Participant/get|set|changes|query`. */
@Injectable()
export class ParticipantsJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly participants: ParticipantsRepository,
    private readonly service: ParticipantsService,
    private readonly sync: SyncStates,
    @Inject(CONVERSATIONS_CONFIG) private readonly config: ConversationsConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register('Participant/get', (args, ctx) => this.get(args, ctx));
    this.registry.register('Participant/changes', async (args, ctx) => ({
      response: await this.sync.changes(args, this.changedFor(ctx.userId)),
    }));
    this.registry.register('Participant/query', (args, ctx) => this.query(args, ctx));
    this.registry.register('Participant/set', (args, ctx) => this.set(args, ctx));
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.participants.changedSince(viewerId, cursor, limit);
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const maxObjectsInGet = this.config.JMAP_MAX_OBJECTS_IN_GET;
    const parsed = parseGetArguments(args, {
      maxObjectsInGet,
      knownProperties: PARTICIPANT_PROPERTIES,
    });
    const state = await this.sync.current();
    const ids = parsed.ids?.map((id) => resolveCreationReference(id, ctx.createdIds) ?? id) ?? null;
    if (
      ids === null &&
      (await this.participants.countInMemberConversations(ctx.userId)) > maxObjectsInGet
    ) {
      throw new JmapMethodError(
        'requestTooLarge',
        `more than ${maxObjectsInGet} participants: ask for ids (Participant/query)`,
      );
    }
    const found = await this.participants.findVisible(ctx.userId, ids?.filter(isUuid) ?? null);
    const byId = new Map(found.map((participant) => [participant.id, participant]));
    const listed = ids ?? found.map((participant) => participant.id);
    return {
      response: {
        accountId: parsed.accountId,
        state,
        list: listed.flatMap((id) => {
          const participant = byId.get(id);
          return participant
            ? [pickProperties(toParticipantObject(participant, ctx.userId), parsed.properties)]
            : [];
        }),
        notFound: listed.filter((id) => !byId.has(id)),
      },
    };
  }

  private async query(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, {
      knownFilterProperties: ['conversationId', 'userId', 'role'],
      knownSortProperties: ['joinedAt'],
    });
    const filter = participantFilter(parsed.filter);
    const queryState = await this.sync.current();
    const ids = filter
      ? await this.participants.query(ctx.userId, filter, parsed.sort[0]?.isAscending ?? true)
      : [];
    return {
      response: buildQueryResponse({
        accountId: parsed.accountId,
        queryState,
        canCalculateChanges: false,
        calculateTotal: parsed.calculateTotal,
        window: windowQueryResults(ids, parsed, MAX_QUERY_LIMIT),
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
      'Participant',
      parsed.ifInState,
      this.changedFor(ctx.userId),
      async (oldState) => {
        const result = await runSet(
          parsed,
          {
            create: (_creationId, object) => this.service.add(actor, object),
            update: (id, patch) => this.service.update(actor, id, patch),
            destroy: (id) => this.service.remove(actor, id),
          },
          ctx.createdIds,
          // A conversation created earlier in the same request may be joined by "#creationId".
          { referenceProperties: ['conversationId'] },
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

/**
 * Participant/query takes one condition: conversationId, userId and/or role. Null when it cannot
 * match anything (an id that is no UUID names no record).
 */
function participantFilter(filter: FilterNode | null): ParticipantQuery | null {
  if (filter === null) return {};
  if (isFilterOperator(filter))
    throw new JmapMethodError('unsupportedFilter', 'Participant/query takes one FilterCondition');
  const query: ParticipantQuery = {};
  for (const [property, value] of Object.entries(filter)) {
    if (property === 'role') {
      const role = PARTICIPANT_ROLES.find((known) => known === value);
      if (!role)
        throw invalidArguments(`filter.role must be one of ${PARTICIPANT_ROLES.join(', ')}`);
      query.role = role;
    } else {
      if (typeof value !== 'string') throw invalidArguments(`filter.${property} must be an Id`);
      if (!isUuid(value)) return null;
      query[property as 'conversationId' | 'userId'] = value;
    }
  }
  return query;
}
