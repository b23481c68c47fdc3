import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { JmapMethodRegistry } from '@jchat/bus';
import {
  type FilterNode,
  invalidArguments,
  isFilterOperator,
  JmapMethodError,
  writerHandlers,
  standardMethods,
} from '@jchat/jmap';
import { CONVERSATIONS_CONFIG, type ConversationsConfig } from '../config';
import { type ChangesSource, SyncStates } from '@jchat/db';
import { PARTICIPANT_ROLES } from './participant-input';
import { PARTICIPANT_PROPERTIES, toParticipantObject } from './participant-view';
import { type ParticipantQuery, ParticipantsRepository } from './participants.repository';
import { actorOf, ParticipantsService } from './participants.service';

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
    this.registry.registerAll(
      standardMethods('Participant', {
        limits: this.config,
        ...this.sync.typeSync((ctx) => this.changedFor(ctx.userId)),
        get: {
          knownProperties: PARTICIPANT_PROPERTIES,
          find: (ids, ctx) => this.visibleParticipants(ids, ctx.userId),
          idOf: (participant) => participant.id,
          toObject: (participant, ctx) => toParticipantObject(participant, ctx.userId),
        },
        query: {
          knownFilterProperties: ['conversationId', 'userId', 'role'],
          knownSortProperties: ['joinedAt'],
          maxLimit: MAX_QUERY_LIMIT,
          ids: async (parsed, ctx) => {
            const filter = participantFilter(parsed.filter);
            return filter
              ? this.participants.query(ctx.userId, filter, parsed.sort[0]?.isAscending ?? true)
              : [];
          },
        },
        set: {
          handlers: (ctx) => writerHandlers(this.service, actorOf(ctx)),
          // A conversation created earlier in the same request may be joined by "#creationId".
          runOptions: { referenceProperties: ['conversationId'] },
        },
      }),
    );
  }

  /** Participants of these ids the caller may see; null: of every conversation they are in. */
  private async visibleParticipants(ids: string[] | null, viewerId: string) {
    const maxObjectsInGet = this.config.JMAP_MAX_OBJECTS_IN_GET;
    if (
      ids === null &&
      (await this.participants.countInMemberConversations(viewerId)) > maxObjectsInGet
    ) {
      throw new JmapMethodError(
        'requestTooLarge',
        `more than ${maxObjectsInGet} participants: ask for ids (Participant/query)`,
      );
    }
    return this.participants.findVisible(viewerId, ids === null ? null : ids.filter(isUuid));
  }

  private changedFor(viewerId: string): ChangesSource {
    return (cursor, limit) => this.participants.changedSince(viewerId, cursor, limit);
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
