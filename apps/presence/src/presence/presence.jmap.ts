import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IfInStateGuard } from '@jchat/db';
import { type JmapMethodContext, JmapMethodRegistry, type JmapMethodOutcome } from '@jchat/bus';
import { isUuid } from '@jchat/common';
import {
  type ChangesResponse,
  decodeSinceState,
  encodeState,
  exactSync,
  JmapMethodError,
  parseChangesArguments,
  standardMethods,
  SetErrorException,
  updateOnly,
} from '@jchat/jmap';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { NotAMemberError, TypingService } from '../typing/typing.service';
import { PresenceRepository } from './presence.repository';
import { type PresenceView, PresenceService } from './presence.service';
import { isPresenceStatus, type PresenceStatus, PresenceStore } from './presence.store';

const PROPERTIES = [
  'id',
  'status',
  'statusMessage',
  'lastSeenAt',
  'isTypingIn',
  'updatedAt',
] as const;
const SETTABLE: ReadonlySet<string> = new Set(['status', 'statusMessage', 'isTypingIn']);
const MAX_STATUS_MESSAGE = 280;
const DEFAULT_MAX_CHANGES = 500;
/** Callers with fewer contacts than this get Presence/changes by looking up each contact. */
const CHANGES_CONTACTS_LIMIT = 10_000;
/** Otherwise: change entries looked at per Presence/changes call at most (most may be invisible to the caller). */
const CHANGES_SCAN_LIMIT = 20_000;
const CHANGES_SCAN_PAGE = 1000;

/**
 * `Presence/get` (users sharing a conversation with the caller; others are notFound),
 * `Presence/set` (one's own status, statusMessage, isTypingIn) and `Presence/changes`.
 * The Presence state is a counter bumped at each status or message change; typing does
 * not move it (typing is pushed as its own object).
 */
@Injectable()
export class PresenceJmap implements OnModuleInit {
  constructor(
    private readonly registry: JmapMethodRegistry,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly store: PresenceStore,
    private readonly repository: PresenceRepository,
    private readonly guard: IfInStateGuard,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {}

  onModuleInit(): void {
    this.registry.registerAll(
      standardMethods('Presence', {
        limits: this.config,
        ...exactSync(this.guard, this.state),
        changes: (args, ctx) => this.changes(args, ctx),
        get: {
          knownProperties: PROPERTIES,
          find: (ids, ctx) => this.visiblePresence(ids, ctx.userId),
          idOf: (view) => view.id,
          toObject: (view) => view,
        },
        set: {
          handlers: (ctx) =>
            updateOnly<Record<string, unknown>>((id, patch) => this.update(id, patch, ctx), {
              create: 'every user has exactly one Presence',
              destroy: 'a Presence cannot be destroyed',
            }),
        },
      }),
    );
  }

  private readonly state = async (): Promise<string> =>
    encodeState(await this.presence.currentState());

  /** The Presence of those of `ids` the caller may see; null: the caller and every contact. */
  private async visiblePresence(ids: string[] | null, callerId: string): Promise<PresenceView[]> {
    if (ids === null) {
      const limit = this.config.JMAP_MAX_OBJECTS_IN_GET;
      const others = await this.repository.sharingWith(callerId, limit);
      if (others.length >= limit) {
        throw new JmapMethodError('requestTooLarge', `more than ${limit} contacts: ask for ids`);
      }
      return this.presence.view(callerId, [callerId, ...others]);
    }
    const visible = await this.repository.visibleTo(
      callerId,
      ids.filter((id) => isUuid(id)),
    );
    return this.presence.view(
      callerId,
      ids.filter((id) => visible.has(id)),
    );
  }

  private async update(
    id: string,
    patch: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<Record<string, unknown> | null> {
    if (id !== ctx.userId) {
      throw new SetErrorException({
        type: 'forbidden',
        description: 'only your own Presence can be set',
      });
    }
    const unknown = Object.keys(patch).filter((key) => !SETTABLE.has(key));
    if (unknown.length > 0) {
      throw new SetErrorException({
        type: 'invalidProperties',
        properties: unknown,
        description: 'not settable',
      });
    }
    const change: { status?: PresenceStatus; statusMessage?: string | null } = {};
    if ('status' in patch) {
      if (!isPresenceStatus(patch['status'])) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['status'],
          description: 'one of online, away, busy, offline',
        });
      }
      change.status = patch['status'];
    }
    if ('statusMessage' in patch) {
      const message = patch['statusMessage'];
      if (
        message !== null &&
        (typeof message !== 'string' || [...message].length > MAX_STATUS_MESSAGE)
      ) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['statusMessage'],
          description: `null or a String of at most ${MAX_STATUS_MESSAGE} characters`,
        });
      }
      change.statusMessage = message === null ? null : message.trim() || null;
    }
    if ('isTypingIn' in patch) {
      const conversationId = patch['isTypingIn'];
      if (conversationId !== null && !isUuid(conversationId)) {
        throw new SetErrorException({
          type: 'invalidProperties',
          properties: ['isTypingIn'],
          description: 'null or the id of a conversation you are a member of',
        });
      }
      try {
        await this.typing.setTypingIn(ctx.userId, conversationId);
      } catch (error: unknown) {
        if (error instanceof NotAMemberError) {
          throw new SetErrorException({
            type: 'invalidProperties',
            properties: ['isTypingIn'],
            description: 'not a conversation you are a member of',
          });
        }
        throw error;
      }
    }
    if (change.status === undefined && change.statusMessage === undefined) return null;
    const status = await this.presence.choose(ctx.userId, change);
    return change.status !== undefined && status !== change.status ? { status } : null;
  }

  private async changes(
    args: Record<string, unknown>,
    ctx: JmapMethodContext,
  ): Promise<JmapMethodOutcome> {
    const parsed = parseChangesArguments(args);
    const since = decodeSinceState(parsed.sinceState);
    const current = await this.presence.currentState();
    if (since > current) {
      throw new JmapMethodError(
        'cannotCalculateChanges',
        `"${parsed.sinceState}" is not a state of this server`,
      );
    }
    const maxChanges = Math.min(
      parsed.maxChanges ?? DEFAULT_MAX_CHANGES,
      this.config.JMAP_MAX_OBJECTS_IN_GET,
    );
    const contacts = await this.repository.sharingWith(ctx.userId, CHANGES_CONTACTS_LIMIT);
    const page =
      contacts.length < CHANGES_CONTACTS_LIMIT
        ? await this.changedContacts([ctx.userId, ...contacts], since, maxChanges)
        : await this.scanChanges(ctx.userId, since, maxChanges);
    const { updated, lastSeq, hasMoreChanges } = page;
    const response: ChangesResponse = {
      accountId: parsed.accountId,
      oldState: parsed.sinceState,
      newState: encodeState(hasMoreChanges ? lastSeq : current > lastSeq ? current : lastSeq),
      hasMoreChanges,
      created: [],
      updated,
      destroyed: [],
    };
    return { response };
  }

  /**
   * The caller's contacts (and the caller) whose last change is after `since`, oldest first:
   * the change log keeps one entry per user (its last change), so this costs one lookup per
   * contact, however busy the rest of the server is.
   */
  private async changedContacts(
    userIds: readonly string[],
    since: bigint,
    maxChanges: number,
  ): Promise<ChangesPage> {
    const changed = [...(await this.store.lastChanges(userIds))]
      .filter(([, seq]) => seq > since)
      .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
    const taken = changed.slice(0, maxChanges);
    const hasMoreChanges = changed.length > maxChanges;
    return {
      updated: taken.map(([userId]) => userId),
      lastSeq: hasMoreChanges ? (taken[taken.length - 1]?.[1] ?? since) : since,
      hasMoreChanges,
    };
  }

  /**
   * For callers with too many contacts to look up one by one: scans the change log from
   * `since` and keeps the entries the caller may see.
   */
  private async scanChanges(
    callerId: string,
    since: bigint,
    maxChanges: number,
  ): Promise<ChangesPage> {
    const updated: string[] = [];
    let lastSeq = since;
    let scanned = 0;
    let hasMoreChanges = false;
    scan: while (scanned < CHANGES_SCAN_LIMIT) {
      const page = await this.store.changedSince(lastSeq, 0, CHANGES_SCAN_PAGE);
      if (page.length === 0) break;
      const visible = await this.repository.visibleTo(
        callerId,
        page.map((entry) => entry.userId),
      );
      for (const entry of page) {
        if (visible.has(entry.userId)) {
          if (updated.length === maxChanges) {
            hasMoreChanges = true;
            break scan;
          }
          updated.push(entry.userId);
        }
        lastSeq = entry.seq;
        scanned += 1;
      }
      if (page.length < CHANGES_SCAN_PAGE) break;
    }
    if (scanned >= CHANGES_SCAN_LIMIT) hasMoreChanges = true;
    return { updated, lastSeq, hasMoreChanges };
  }
}

interface ChangesPage {
  updated: string[];
  /** The seq the page goes up to (when it has more). */
  lastSeq: bigint;
  hasMoreChanges: boolean;
}
