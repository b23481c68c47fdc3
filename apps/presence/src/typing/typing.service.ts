import { Inject, Injectable, Logger } from '@nestjs/common';
import { RemoteError } from '@jchat/contracts';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { AccountPublisher } from '../fanout/account-publisher';
import { ConversationMembers } from '@jchat/bus';
import { PresenceStore } from '../presence/presence.store';

const SWEEP_BATCH = 500;

export class NotAMemberError extends Error {
  constructor(readonly conversationId: string) {
    super(`not a member of conversation ${conversationId}`);
  }
}

/**
 * Typing indicators: `isTypingIn` lasts TYPING_TTL_MS unless set again, and is pushed
 * to the other members as `typing` account pushes, at most once per TYPING_THROTTLE_MS
 * per typist and conversation while it goes on, and once when it stops or expires.
 * Conversations bigger than PRESENCE_PUSH_MAX_MEMBERS get no typing pushes.
 */
@Injectable()
export class TypingService {
  private readonly logger = new Logger('typing');

  constructor(
    private readonly store: PresenceStore,
    private readonly members: ConversationMembers,
    private readonly publisher: AccountPublisher,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {}

  /** Sets (a conversation id) or clears (null) the user's typing. */
  async setTypingIn(
    userId: string,
    conversationId: string | null,
    now = Date.now(),
  ): Promise<void> {
    if (conversationId === null) {
      const current = await this.store.typingIn(userId, now);
      if (current !== null) await this.stop(userId, current);
      return;
    }
    const audience = await this.audience(conversationId);
    if (!audience.has(userId)) throw new NotAMemberError(conversationId);
    const previous = await this.store.startTyping(
      userId,
      conversationId,
      now + this.config.TYPING_TTL_MS,
    );
    if (previous !== null) await this.announceStop(userId, previous);
    if (await this.store.typingThrottle(userId, conversationId, this.config.TYPING_THROTTLE_MS)) {
      this.publish(audience, userId, conversationId, true);
    }
  }

  /** Ends indicators that were not renewed in time; returns how many ended. */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    for (const [userId, conversationId] of await this.store.expiredTyping(now, SWEEP_BATCH)) {
      if (!(await this.store.expireTyping(userId, conversationId, now))) continue;
      ended += 1;
      await this.store.clearTypingThrottle(userId, conversationId);
      await this.announce(userId, conversationId, false);
    }
    return ended;
  }

  private async stop(userId: string, conversationId: string): Promise<void> {
    if (await this.store.stopTyping(userId, conversationId))
      await this.announceStop(userId, conversationId);
  }

  private async announceStop(userId: string, conversationId: string): Promise<void> {
    await this.store.clearTypingThrottle(userId, conversationId);
    await this.announce(userId, conversationId, false);
  }

  private async announce(userId: string, conversationId: string, isTyping: boolean): Promise<void> {
    try {
      this.publish(await this.audience(conversationId), userId, conversationId, isTyping);
    } catch (error: unknown) {
      this.logger.warn({ conversationId, error: String(error) }, 'typing push failed');
    }
  }

  private publish(
    audience: ReadonlySet<string>,
    userId: string,
    conversationId: string,
    isTyping: boolean,
  ): void {
    if (audience.size > this.config.PRESENCE_PUSH_MAX_MEMBERS) return;
    const others = [...audience].filter((id) => id !== userId);
    this.publisher.publish(others, { kind: 'typing', conversationId, userId, isTyping });
  }

  private async audience(conversationId: string): Promise<ReadonlySet<string>> {
    try {
      return (await this.members.members(conversationId)).set;
    } catch (error: unknown) {
      if (error instanceof RemoteError && error.code === 'not_found') return new Set();
      throw error;
    }
  }
}
