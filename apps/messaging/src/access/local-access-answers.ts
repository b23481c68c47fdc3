import type { AccessChangedEvent, ConversationAccess } from '@jchat/contracts';

interface Entry {
  /** performance.now() when it was remembered. */
  at: number;
  access: ConversationAccess;
  /** Its refresh was handed out (see refreshDue). */
  refreshing: boolean;
}

/** Share of the TTL after which an answer in use is refreshed ahead of its expiry. */
const REFRESH_AFTER_SHARE = 0.6;

/**
 * Members' access answers kept in this process's memory for `ttlMs`, for send checks only: a
 * send re-checks membership, archiving, role and conversation type in its own statement, so a
 * stale answer cannot post where the member no longer may; it saves the Redis round trip that
 * each send otherwise makes. Every replica forgets what an `Events.accessChanged` names (see
 * AccessInvalidationConsumer); the TTL bounds what a lost event could leave behind.
 *
 * An answer looked up before an invalidation and remembered after it would undo it, so callers
 * take a `generation()` before looking up and `remember` refuses an answer from an older one.
 *
 * An answer in use is refreshed ahead of its expiry (`refreshDue`), so a member who keeps sending
 * never waits for the lookup: at 100 messages/s from 100 senders, a fifth of the sends found
 * their answer expired and made the Redis round trip on their way.
 */
export class LocalAccessAnswers {
  private readonly byConversation = new Map<string, Map<string, Entry>>();
  private entries = 0;
  private currentGeneration = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(conversationId: string, userId: string): ConversationAccess | undefined {
    const entry = this.byConversation.get(conversationId)?.get(userId);
    return entry && this.now() - entry.at < this.ttlMs ? entry.access : undefined;
  }

  /**
   * Whether the caller should look this answer up again in the background: true once per answer,
   * when it has lived REFRESH_AFTER_SHARE of its TTL and is still served.
   */
  refreshDue(conversationId: string, userId: string): boolean {
    const entry = this.byConversation.get(conversationId)?.get(userId);
    if (!entry || entry.refreshing) return false;
    const age = this.now() - entry.at;
    if (age < this.ttlMs * REFRESH_AFTER_SHARE || age >= this.ttlMs) return false;
    entry.refreshing = true;
    return true;
  }

  generation(): number {
    return this.currentGeneration;
  }

  remember(
    conversationId: string,
    userId: string,
    access: ConversationAccess,
    generation: number,
  ): void {
    if (!access.isMember) {
      // Only members' answers are kept: a user who is not one any more is looked up again.
      const users = this.byConversation.get(conversationId);
      if (users?.delete(userId)) this.entries -= 1;
      return;
    }
    if (generation !== this.currentGeneration) return;
    if (this.entries >= this.maxEntries) this.clear();
    let users = this.byConversation.get(conversationId);
    if (!users) {
      users = new Map();
      this.byConversation.set(conversationId, users);
    }
    if (!users.has(userId)) this.entries += 1;
    users.set(userId, { at: this.now(), access, refreshing: false });
  }

  /**
   * What the event names goes, as in the Redis cache (ConversationAccessService.invalidate): a
   * conversation's answers, a user's answers, or (no conversation, no users, or an event that
   * could not be read) everything.
   */
  forget(event: AccessChangedEvent | null): void {
    this.currentGeneration += 1;
    if (event !== null && event.conversationId !== null) {
      const users = this.byConversation.get(event.conversationId);
      if (users) this.entries -= users.size;
      this.byConversation.delete(event.conversationId);
    } else if (event !== null && event.userIds.length > 0) {
      for (const [conversationId, users] of this.byConversation) {
        this.forgetUsers(users, event.userIds);
        if (users.size === 0) this.byConversation.delete(conversationId);
      }
    } else {
      this.clear();
    }
  }

  private forgetUsers(users: Map<string, Entry>, userIds: readonly string[]): void {
    for (const userId of userIds) if (users.delete(userId)) this.entries -= 1;
  }

  private clear(): void {
    this.byConversation.clear();
    this.entries = 0;
  }
}
