import { Inject, Injectable } from '@nestjs/common';
import { REDIS, type Redis, SingleFlight } from '@jchat/common';
import { type AccessChangedEvent, type ConversationAccess, RbacSubjects } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import { LocalAccessAnswers } from './local-access-answers';

/** A cached answer is used for at most this long, whatever happens to the events. */
const TTL_SECONDS = 600;
/** A send check uses an answer from this process's memory for at most this long (see forSend). */
const LOCAL_TTL_MS = 5000;
const LOCAL_MAX_ANSWERS = 100_000;

const keys = {
  all: 'messaging:access-gen',
  conversation: (conversationId: string) => `messaging:access-gen:c:${conversationId}`,
  user: (userId: string) => `messaging:access-gen:u:${userId}`,
  answers: (conversationId: string) => `messaging:access:${conversationId}`,
};

interface CachedAnswer {
  /** Generations (all, conversation, user) read before rbac was asked. */
  g: [string, string, string];
  /** When rbac was asked (ms since the epoch): each entry ages on its own. */
  t: number;
  a: ConversationAccess;
}

/**
 * rbac's `ConversationAccess` answers, cached in Redis (shared by messaging's replicas) so a
 * check costs one Redis round trip instead of a NATS request. `Events.accessChanged` (consumed
 * durably, see AccessInvalidationConsumer) bumps generation counters; an answer is used only if
 * the counters it was computed under have not moved, so an answer that raced with an
 * invalidation is never served. The counters never expire (an expired counter would restart
 * at a value an older answer was computed under); each answer carries its own time and is not
 * used past TTL_SECONDS (the hash's EXPIRE only reclaims memory). Only members' answers are
 * cached: a user who was just added is never refused from the cache, and a removal takes effect
 * as soon as its event arrives. A send re-checks membership, archiving, role and conversation
 * type in its own transaction (jchat_send_messages, MessageSendRepository), so a stale answer
 * cannot post.
 */
@Injectable()
export class ConversationAccessService {
  private readonly local = new LocalAccessAnswers(LOCAL_TTL_MS, LOCAL_MAX_ANSWERS);
  /**
   * Cache misses asking rbac the same question under the same generations share one request: a
   * sender's first sends arrive together (ten in flight), and a thousand identical requests at
   * once starved rbac's connection pool until every one of them failed.
   */
  private readonly asking = new SingleFlight<ConversationAccess>();

  constructor(
    private readonly bus: BusClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** A memo for one JMAP call: each conversation is looked up once. */
  scope(userId: string, requestId: string | undefined): AccessScope {
    return new AccessScope(this, userId, requestId);
  }

  async lookup(
    userId: string,
    conversationId: string,
    requestId: string | undefined,
  ): Promise<ConversationAccess> {
    const result = await this.redis
      .multi()
      .hget(keys.answers(conversationId), userId)
      .get(keys.all)
      .get(keys.conversation(conversationId))
      .get(keys.user(userId))
      .exec();
    const values = (result ?? []).map(([error, value]) =>
      error ? null : (value as string | null),
    );
    const generations: [string, string, string] = [
      values[1] ?? '',
      values[2] ?? '',
      values[3] ?? '',
    ];
    const cached = values[0] ? parseCached(values[0]) : null;
    if (
      cached &&
      Date.now() - cached.t < TTL_SECONDS * 1000 &&
      cached.g.every((value, index) => value === generations[index])
    ) {
      return cached.a;
    }
    return this.asking.run(`${userId}:${conversationId}:${generations.join(':')}`, () =>
      this.ask(userId, conversationId, requestId, generations),
    );
  }

  /**
   * `lookup` for a send: a member's answer may come from this process's memory (LocalAccessAnswers),
   * since the send's own statement re-checks what could have changed since.
   */
  async lookupForSend(
    userId: string,
    conversationId: string,
    requestId: string | undefined,
  ): Promise<ConversationAccess> {
    const remembered = this.local.get(conversationId, userId);
    if (remembered) {
      if (this.local.refreshDue(conversationId, userId)) {
        // Errors are the next lookup's to meet: the answer expires as it would have.
        this.remembered(userId, conversationId, requestId).catch(() => undefined);
      }
      return remembered;
    }
    return this.remembered(userId, conversationId, requestId);
  }

  /** Looks the answer up (Redis, else rbac) and keeps it in this process's memory. */
  private async remembered(
    userId: string,
    conversationId: string,
    requestId: string | undefined,
  ): Promise<ConversationAccess> {
    const generation = this.local.generation();
    const access = await this.lookup(userId, conversationId, requestId);
    this.local.remember(conversationId, userId, access, generation);
    return access;
  }

  /** Forgets in this process's memory what an access change names (every replica does). */
  forgetLocally(event: AccessChangedEvent | null): void {
    this.local.forget(event);
  }

  /** Asks rbac, bypassing the caches (which the answer then refreshes). */
  async fresh(
    userId: string,
    conversationId: string,
    requestId: string | undefined,
  ): Promise<ConversationAccess> {
    const result = await this.redis
      .multi()
      .get(keys.all)
      .get(keys.conversation(conversationId))
      .get(keys.user(userId))
      .exec();
    const values = (result ?? []).map(([error, value]) =>
      error ? null : (value as string | null),
    );
    const generation = this.local.generation();
    const access = await this.ask(userId, conversationId, requestId, [
      values[0] ?? '',
      values[1] ?? '',
      values[2] ?? '',
    ]);
    this.local.remember(conversationId, userId, access, generation);
    return access;
  }

  private async ask(
    userId: string,
    conversationId: string,
    requestId: string | undefined,
    generations: [string, string, string],
  ): Promise<ConversationAccess> {
    const access = await this.bus.request(
      RbacSubjects.conversationAccess,
      { userId, conversationId },
      { requestId },
    );
    if (access.isMember) {
      const entry: CachedAnswer = { g: generations, t: Date.now(), a: access };
      await this.redis
        .multi()
        .hset(keys.answers(conversationId), userId, JSON.stringify(entry))
        .expire(keys.answers(conversationId), TTL_SECONDS)
        .exec();
    }
    return access;
  }

  /** Applies an AccessChangedEvent: null conversation = every conversation, no users = every user. */
  async invalidate(event: AccessChangedEvent): Promise<void> {
    const pipeline = this.redis.multi();
    if (event.conversationId !== null) {
      pipeline.incr(keys.conversation(event.conversationId));
      pipeline.del(keys.answers(event.conversationId));
    } else if (event.userIds.length > 0) {
      for (const userId of event.userIds) pipeline.incr(keys.user(userId));
    } else {
      pipeline.incr(keys.all);
    }
    await pipeline.exec();
  }
}

function parseCached(text: string): CachedAnswer | null {
  try {
    const value = JSON.parse(text) as CachedAnswer;
    return Array.isArray(value.g) &&
      value.g.length === 3 &&
      typeof value.t === 'number' &&
      typeof value.a === 'object'
      ? value
      : null;
  } catch {
    return null;
  }
}

export class AccessScope {
  private readonly memo = new Map<string, Promise<ConversationAccess>>();

  constructor(
    private readonly service: ConversationAccessService,
    readonly userId: string,
    private readonly requestId: string | undefined,
  ) {}

  of(conversationId: string): Promise<ConversationAccess> {
    let pending = this.memo.get(conversationId);
    if (!pending) {
      pending = this.service.lookup(this.userId, conversationId, this.requestId);
      this.memo.set(conversationId, pending);
    }
    return pending;
  }

  /** For a send: may come from this process's memory (see lookupForSend). */
  forSend(conversationId: string): Promise<ConversationAccess> {
    let pending = this.memo.get(conversationId);
    if (!pending) {
      pending = this.service.lookupForSend(this.userId, conversationId, this.requestId);
      this.memo.set(conversationId, pending);
    }
    return pending;
  }

  /** rbac's answer now, not from the cache (and remembered for the rest of the call). */
  fresh(conversationId: string): Promise<ConversationAccess> {
    const pending = this.service.fresh(this.userId, conversationId, this.requestId);
    this.memo.set(conversationId, pending);
    return pending;
  }

  async many(conversationIds: Iterable<string>): Promise<Map<string, ConversationAccess>> {
    const ids = [...new Set(conversationIds)];
    const answers = await Promise.all(ids.map(async (id) => [id, await this.of(id)] as const));
    return new Map(answers);
  }
}
