import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type JmapMethodContext, type JmapMethodOutcome, JmapMethodRegistry } from '@jchat/bus';
import {
  ArgumentReader,
  decodeCursor,
  decodeSinceCursor,
  type GetResponse,
  inAskedOrder,
  isPastCursor,
  JmapMethodError,
  pageChanges,
  parseChangesArguments,
  parseGetArguments,
  parseQueryArguments,
  parseQueryChangesArguments,
  resolveCreationReference,
  type SetArguments,
  type SetError,
  type SetState,
  standardMethods,
  stateAfterAll,
  type SyncHorizon,
  horizonState,
} from '@jchat/jmap';
import { IfInStateGuard } from '@jchat/db';
import { type AccessScope, ConversationAccessService } from '../access/conversation-access.service';
import { MESSAGING_CONFIG, type MessagingConfig } from '../config';
import { FILTER_PROPERTIES } from './message-filter';
import { parseNewMessage } from './message-input';
import { MessageQueryService, SORT_PROPERTIES } from './message-query.service';
import { DEFAULT_MESSAGE_PROPERTIES, MESSAGE_PROPERTIES, newMessageView } from './message-view';
import { MessageEditService } from './message-edit.service';
import { MessageSendService } from './message-send.service';
import { MessageSyncService } from './message-sync.service';
import { MessageViewsService } from './message-views.service';
import { MessagesService } from './messages.service';
import { ReceiptsService } from './receipts.service';

const QUERY_OPTIONS = {
  knownFilterProperties: FILTER_PROPERTIES,
  knownSortProperties: SORT_PROPERTIES,
};
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

/** How old the horizon a /set reports as oldState may be (see setState). */
const RECENT_HORIZON_MS = 1000;

/**
 * What one Message/set wrote, for its newState: the horizons its sends' batches read after
 * committing, unless it also wrote otherwise (edits, deletes, markRead), which needs a read.
 */
class SetWrites {
  private latest: SyncHorizon | undefined;
  private needsRead = false;

  sent(horizonAfter: SyncHorizon | undefined): void {
    if (!horizonAfter) this.needsRead = true;
    else if (!this.latest || horizonAfter.modseq >= this.latest.modseq) this.latest = horizonAfter;
  }

  /** Marks a write that carries no horizon of its own (when it starts: it may fail half done). */
  other<T>(write: Promise<T>): Promise<T> {
    this.needsRead = true;
    return write;
  }

  /** A horizon covering every write of the call, if one is known without a read. */
  horizonAfter(): SyncHorizon | undefined {
    return this.needsRead ? undefined : this.latest;
  }
}

/** JMAP `Message/get|set|changes|query|queryChanges`. */
@Injectable()
export class MessagesJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly access: ConversationAccessService,
    private readonly messages: MessagesService,
    private readonly views: MessageViewsService,
    private readonly sends: MessageSendService,
    private readonly edits: MessageEditService,
    private readonly receipts: ReceiptsService,
    private readonly sync: MessageSyncService,
    private readonly queries: MessageQueryService,
    private readonly guard: IfInStateGuard,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('Message', {
        limits: this.config,
        state: async () => horizonState(await this.messages.syncHorizon()),
        setState: (ctx) => this.setState(ctx),
        changes: (args, ctx) => this.changes(args, ctx),
        set: {
          extraArguments: ['markRead'],
          // With ifInState, the check and every write (sends included: they are stored, in
          // whatever batch, before this returns) hold the account's Message state, so concurrent
          // /sets with the same ifInState take turns and all but one get stateMismatch.
          handlers: (ctx, parsed) => {
            markReadIds(parsed); // checked before anything is written
            const scope = this.scopeOf(ctx);
            const writes = this.writesOf(ctx);
            return {
              create: (_creationId, object) => this.send(scope, object, ctx.deadline, writes),
              update: (id, patch) => writes.other(this.edits.update(scope, id, patch)),
              destroy: (id) => writes.other(this.edits.destroy(scope, id)),
            };
          },
          runOptions: { referenceProperties: ['conversationId', 'replyToMessageId'] },
          extend: (parsed, result, ctx) => {
            const ids = markReadIds(parsed);
            const marking = this.markRead(this.scopeOf(ctx), ids, result.createdIds);
            return ids.length === 0 ? marking : this.writesOf(ctx).other(marking);
          },
        },
        other: {
          get: (args, ctx) => this.get(args, ctx),
          query: async (args, ctx) => ({
            response: await this.queries.query(
              this.scopeOf(ctx),
              parseQueryArguments(args, QUERY_OPTIONS),
            ),
          }),
          queryChanges: async (args, ctx) => ({
            response: await this.queries.queryChanges(
              this.scopeOf(ctx),
              parseQueryChangesArguments(args, QUERY_OPTIONS),
            ),
          }),
        },
      }),
    );
  }

  /** One access scope per method call, shared by its writes and its markRead. */
  private scopeOf(ctx: JmapMethodContext): AccessScope {
    let scope = this.scopes.get(ctx);
    if (!scope) {
      scope = this.access.scope(ctx.userId, ctx.requestId);
      this.scopes.set(ctx, scope);
    }
    return scope;
  }

  private readonly scopes = new WeakMap<JmapMethodContext, AccessScope>();

  private writesOf(ctx: JmapMethodContext): SetWrites {
    let writes = this.writes.get(ctx);
    if (!writes) {
      writes = new SetWrites();
      this.writes.set(ctx, writes);
    }
    return writes;
  }

  private readonly writes = new WeakMap<JmapMethodContext, SetWrites>();

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
    const resolve = (id: string) => resolveCreationReference(id, ctx.createdIds);
    const found = await this.messages.readableMessages(
      scope,
      parsed.ids.flatMap((id) => resolve(id) ?? []),
    );
    const { records, notFound } = inAskedOrder(parsed.ids, found, (m) => m.id, resolve);
    const properties = parsed.properties ?? ['id', ...DEFAULT_MESSAGE_PROPERTIES];
    const response: GetResponse<Record<string, unknown>> = {
      accountId: parsed.accountId,
      state: horizonState(horizon),
      list: await this.views.views(scope, records, properties),
      notFound,
    };
    return { response };
  }

  /**
   * Message state: the sync horizon; ifInState is checked by meaning (checkIfInState). Without
   * ifInState, oldState is the horizon this process read last (if recent): read before the
   * writes began, it is a state before them, and it costs no round trip. newState of a /set that
   * only sent messages is the horizon its send batches read after their commits.
   */
  private setState(ctx: JmapMethodContext): SetState {
    return {
      guarded: (accountId, type, ifInState, write) =>
        this.guard.run(accountId, type, ifInState, async () => {
          const recent =
            ifInState === null ? this.messages.recentSyncHorizon(RECENT_HORIZON_MS) : undefined;
          const horizon = recent ?? (await this.messages.syncHorizon());
          if (ifInState !== null) await this.checkIfInState(accountId, ifInState);
          return write(horizonState(horizon));
        }),
      current: async () =>
        horizonState(this.writes.get(ctx)?.horizonAfter() ?? (await this.messages.syncHorizon())),
    };
  }

  private async send(
    scope: AccessScope,
    object: Record<string, unknown>,
    deadline: number | undefined,
    writes: SetWrites,
  ): Promise<{ id: string; serverSet: Record<string, unknown> }> {
    const input = parseNewMessage(object);
    const { message, duplicate, horizonAfter } = await this.sends.send(scope, input, deadline);
    writes.sent(horizonAfter);
    const properties = duplicate
      ? [...DEFAULT_MESSAGE_PROPERTIES]
      : input.bodyType === 'text/html'
        ? [...SERVER_SET_ON_CREATE, 'body']
        : SERVER_SET_ON_CREATE;
    const view = duplicate
      ? (await this.views.views(scope, [message], properties))[0]
      : newMessageView(message, scope.userId, properties);
    const serverSet = { ...view };
    delete serverSet['id'];
    return { id: message.id, serverSet };
  }

  /** The `markRead` extension: `markedRead` and `notMarkedRead` in the response. */
  private async markRead(
    scope: AccessScope,
    markRead: string[],
    createdIds: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    if (markRead.length === 0) return {};
    const ids = markRead.map((id) => resolveCreationReference(id, createdIds) ?? id);
    const outcome = await this.receipts.markRead(scope, ids);
    const notMarkedRead: Record<string, SetError> = {};
    for (const [id, error] of Object.entries(outcome.notMarked)) notMarkedRead[id] = error.setError;
    return {
      markedRead: outcome.marked,
      notMarkedRead: Object.keys(notMarkedRead).length > 0 ? notMarkedRead : null,
    };
  }

  /** States are horizons: ifInState matches when nothing this account sees changed since it. */
  private async checkIfInState(userId: string, ifInState: string): Promise<void> {
    const cursor = decodeCursor(ifInState);
    let unchanged = false;
    if (cursor) {
      try {
        unchanged = (await this.sync.changedSince(userId, cursor, 1)).rows.length === 0;
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
    const { rows, cutAt } = await this.sync.changedSince(ctx.userId, cursor, maxChanges + 1);
    const { page, hasMoreChanges, newState } = pageChanges(rows, maxChanges, horizon, cutAt);
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
        newState: hasMoreChanges
          ? newState
          : stateAfterAll(
              horizon,
              cursor,
              page.flatMap((row) => row.modseqs),
              parsed.sinceState,
            ),
        hasMoreChanges,
        created,
        updated,
        destroyed: [],
      },
    };
  }
}

/** The `markRead` extension argument of Message/set: message ids (or creation references). */
function markReadIds(parsed: SetArguments): string[] {
  return (
    new ArgumentReader(parsed.extra, ['markRead']).idListOrNull('markRead', {
      allowCreationReferences: true,
    }) ?? []
  );
}
