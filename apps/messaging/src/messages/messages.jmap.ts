import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import {
  ArgumentReader,
  buildSetResponse,
  decodeCursor,
  decodeSinceCursor,
  isPastCursor,
  JmapMethodError,
  pageChanges,
  parseChangesArguments,
  parseGetArguments,
  parseQueryArguments,
  parseQueryChangesArguments,
  parseSetArguments,
  resolveCreationReference,
  runSet,
  type SetArguments,
  type SetError,
  type SyncCursor,
  horizonState,
} from '@jchat/jmap';
import { IfInStateGuard } from '@jchat/db';
import { ConversationAccessService } from '../access/conversation-access.service';
import { MESSAGING_CONFIG, type MessagingConfig } from '../config';
import { FILTER_PROPERTIES } from './message-filter';
import { parseNewMessage } from './message-input';
import { MessageQueryService, SORT_PROPERTIES } from './message-query.service';
import { DEFAULT_MESSAGE_PROPERTIES, MESSAGE_PROPERTIES, newMessageView } from './message-view';
import { MessagesService } from './messages.service';

/** Most changes one Message/changes returns (a client may ask for fewer). */
const MAX_CHANGES = 1000;
/** Properties the server sets on a send, reported in `created`. */
const SERVER_SET_ON_CREATE = [
  'senderId',
  'sentAt',
  'receivedAt',
  'editedAt',
  'isDeleted',
  'isSystemMessage',
  'attachments',
  'reactions',
  'deliveryStatus',
  'readBy',
];

/** JMAP `Message/get|set|changes|query|queryChanges`. */
@Injectable()
export class MessagesJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly access: ConversationAccessService,
    private readonly messages: MessagesService,
    private readonly queries: MessageQueryService,
    private readonly guard: IfInStateGuard,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register('Message/get', (args, ctx) => this.get(args, ctx));
    this.registry.register('Message/set', (args, ctx) => this.set(args, ctx));
    this.registry.register('Message/changes', (args, ctx) => this.changes(args, ctx));
    this.registry.register('Message/query', (args, ctx) => this.query(args, ctx));
    this.registry.register('Message/queryChanges', (args, ctx) => this.queryChanges(args, ctx));
  }

  private async get(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseGetArguments(args, {
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      knownProperties: MESSAGE_PROPERTIES,
    });
    if (parsed.ids === null) {
      throw new JmapMethodError(
        'requestTooLarge',
        'Message/get needs ids: find them with Message/query or Message/changes',
      );
    }
    const horizon = await this.messages.syncHorizon();
    const scope = this.access.scope(ctx.userId, ctx.requestId);
    const wanted = parsed.ids.map((id) => ({
      asked: id,
      id: resolveCreationReference(id, ctx.createdIds),
    }));
    const found = await this.messages.readableMessages(
      scope,
      wanted.flatMap((w) => (w.id === null ? [] : [w.id])),
    );
    const byId = new Map(found.map((m) => [m.id, m]));
    const ordered = wanted.flatMap((w) => {
      const message = w.id === null ? undefined : byId.get(w.id);
      return message ? [message] : [];
    });
    const properties = parsed.properties ?? ['id', ...DEFAULT_MESSAGE_PROPERTIES];
    const list = await this.messages.views(scope, ordered, properties);
    const response = {
      accountId: parsed.accountId,
      state: horizonState(horizon),
      list,
      notFound: wanted.filter((w) => w.id === null || !byId.has(w.id)).map((w) => w.asked),
    };
    return { response };
  }

  private async set(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseSetArguments(args, {
      maxObjectsInSet: this.config.JMAP_MAX_OBJECTS_IN_SET,
      extraArguments: ['markRead'],
    });
    const markRead =
      new ArgumentReader(parsed.extra, ['markRead']).idListOrNull('markRead', {
        allowCreationReferences: true,
      }) ?? [];
    // With ifInState, the check and every write (sends included: they are stored, in whatever
    // batch, before this returns) hold the account's Message state, so concurrent /sets with the
    // same ifInState take turns and all but one get stateMismatch.
    return this.guard.run(ctx.userId, 'Message', parsed.ifInState, () =>
      this.write(parsed, markRead, ctx),
    );
  }

  private async write(
    parsed: SetArguments,
    markRead: string[],
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const horizon = await this.messages.syncHorizon();
    if (parsed.ifInState !== null) await this.checkIfInState(ctx.userId, parsed.ifInState);
    const scope = this.access.scope(ctx.userId, ctx.requestId);

    const result = await runSet(
      parsed,
      {
        create: async (_creationId, object) => {
          const input = parseNewMessage(object);
          const { message, duplicate } = await this.messages.send(scope, input, ctx.deadline);
          const properties = duplicate
            ? [...DEFAULT_MESSAGE_PROPERTIES]
            : input.bodyType === 'text/html'
              ? [...SERVER_SET_ON_CREATE, 'body']
              : SERVER_SET_ON_CREATE;
          const view = duplicate
            ? (await this.messages.views(scope, [message], properties))[0]
            : newMessageView(message, scope.userId, properties);
          const serverSet = { ...view };
          delete serverSet['id'];
          return { id: message.id, serverSet };
        },
        update: (id, patch) => this.messages.update(scope, id, patch),
        destroy: (id) => this.messages.destroy(scope, id),
      },
      ctx.createdIds,
      { referenceProperties: ['conversationId', 'replyToMessageId'] },
    );

    const extra: Record<string, unknown> = {};
    if (markRead.length > 0) {
      const ids = markRead.map((id) => resolveCreationReference(id, result.createdIds) ?? id);
      const outcome = await this.messages.markRead(scope, ids);
      const notMarkedRead: Record<string, SetError> = {};
      for (const [id, error] of Object.entries(outcome.notMarked))
        notMarkedRead[id] = error.setError;
      extra['markedRead'] = outcome.marked;
      extra['notMarkedRead'] = Object.keys(notMarkedRead).length > 0 ? notMarkedRead : null;
    }
    const newHorizon = await this.messages.syncHorizon();
    return {
      response: {
        ...buildSetResponse({
          accountId: parsed.accountId,
          oldState: horizonState(horizon),
          newState: horizonState(newHorizon),
          result,
        }),
        ...extra,
      },
      createdIds: result.createdIds,
    };
  }

  /** States are horizons: ifInState matches when nothing this account sees changed since it. */
  private async checkIfInState(userId: string, ifInState: string): Promise<void> {
    const cursor = decodeCursor(ifInState);
    let unchanged = false;
    if (cursor) {
      try {
        unchanged = (await this.messages.changedSince(userId, cursor, 1)).length === 0;
      } catch (error: unknown) {
        if (!(error instanceof JmapMethodError) || error.type !== 'cannotCalculateChanges')
          throw error;
      }
    }
    if (!unchanged) {
      throw new JmapMethodError('stateMismatch', `messages changed since "${ifInState}"`);
    }
  }

  private async changes(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseChangesArguments(args);
    const cursor = decodeSinceCursor(parsed.sinceState);
    const maxChanges = Math.min(parsed.maxChanges ?? MAX_CHANGES, MAX_CHANGES);
    const horizon = await this.messages.syncHorizon();
    const rows = await this.messages.changedSince(ctx.userId, cursor, maxChanges + 1);
    const { page, hasMoreChanges, newState } = pageChanges(rows, maxChanges, horizon);
    const created: string[] = [];
    const updated: string[] = [];
    for (const row of page) {
      const isNew =
        row.joinedModseq >= cursor.modseq || isPastCursor(row.createdModseq, row.id, cursor);
      (isNew ? created : updated).push(row.id);
    }
    return {
      response: {
        accountId: parsed.accountId,
        oldState: parsed.sinceState,
        newState: hasMoreChanges ? newState : notBefore(newState, cursor, parsed.sinceState),
        hasMoreChanges,
        created,
        updated,
        destroyed: [],
      },
    };
  }

  private async query(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryArguments(args, {
      knownFilterProperties: FILTER_PROPERTIES,
      knownSortProperties: SORT_PROPERTIES,
    });
    return {
      response: await this.queries.query(this.access.scope(ctx.userId, ctx.requestId), parsed),
    };
  }

  private async queryChanges(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseQueryChangesArguments(args, {
      knownFilterProperties: FILTER_PROPERTIES,
      knownSortProperties: SORT_PROPERTIES,
    });
    return {
      response: await this.queries.queryChanges(
        this.access.scope(ctx.userId, ctx.requestId),
        parsed,
      ),
    };
  }
}

/** A state never moves backwards: if the horizon is behind the client's cursor, keep the cursor. */
function notBefore(newState: string, cursor: SyncCursor, sinceState: string): string {
  const next = decodeCursor(newState);
  return next !== null && next.modseq < cursor.modseq ? sinceState : newState;
}
