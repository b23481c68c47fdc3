import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { AccessChangedEvent } from '@jchat/contracts';
import { encodeState } from '@jchat/jmap';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { AccountPublisher } from '../fanout/account-publisher';
import { ConversationMembers } from '@jchat/bus';
import { PresenceRepository } from './presence.repository';

const CONTACTS_TTL_MS = 60_000;
const CONTACTS_CACHE_ENTRIES = 50_000;
const PARALLEL_LOOKUPS = 8;

interface ContactsEntry {
  ids: string[];
  /** The user's conversations when the list was read: a change in any of them drops it. */
  conversationIds: string[];
}

/**
 * Tells a user's contacts (and the user's own other connections) that their presence
 * changed: a `Presence` state push per change. Contact lists are cached for a minute;
 * an access change in a conversation drops the lists of its cached members and of the
 * users it names (an unreadable event, or one not about a conversation, drops them all).
 */
@Injectable()
export class PresenceNotifier {
  private readonly logger = new Logger('presence-notifier');
  /** conversationId -> users whose cached contact list was read while they were members. */
  private readonly byConversation = new Map<string, Set<string>>();
  /** Least recently used lists go first; a list leaving the cache leaves the index too. */
  private readonly contacts = new LRUCache<string, ContactsEntry>({
    max: CONTACTS_CACHE_ENTRIES,
    ttl: CONTACTS_TTL_MS,
    dispose: (entry, userId) => this.unindex(userId, entry),
  });
  /** Bumped on each access change: a list read meanwhile is used but not cached. */
  private generation = 0;

  constructor(
    private readonly repository: PresenceRepository,
    private readonly publisher: AccountPublisher,
    members: ConversationMembers,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {
    members.onAccessChanged((event) => this.accessChanged(event));
  }

  /** Publishes the changes; failures are logged (a client resyncs with Presence/changes). */
  async notify(changes: readonly { userId: string; seq: bigint }[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let change = changes[next++]; change !== undefined; change = changes[next++]) {
        try {
          const audience = new Set(await this.contactsOf(change.userId));
          audience.add(change.userId);
          const state = encodeState(change.seq);
          this.publisher.publish(audience, {
            kind: 'state',
            types: ['Presence'],
            states: { Presence: state },
            messageId: null,
            conversationId: null,
          });
        } catch (error: unknown) {
          this.logger.warn({ userId: change.userId, error: String(error) }, 'presence push failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_LOOKUPS, changes.length) }, worker));
  }

  /** Cached contact lists (for tests). */
  get cachedUsers(): number {
    return this.contacts.size;
  }

  accessChanged(event: AccessChangedEvent | null): void {
    this.generation += 1;
    if (event === null || event.conversationId === null) {
      this.contacts.clear();
      this.byConversation.clear();
      return;
    }
    const affected = new Set(event.userIds);
    for (const userId of this.byConversation.get(event.conversationId) ?? []) affected.add(userId);
    for (const userId of affected) this.drop(userId);
  }

  private async contactsOf(userId: string): Promise<string[]> {
    const cached = this.contacts.get(userId);
    if (cached) return cached.ids;
    const generation = this.generation;
    const [ids, conversationIds] = await Promise.all([
      this.repository.contacts(userId, this.config.PRESENCE_PUSH_MAX_MEMBERS),
      this.repository.conversationsOf(userId),
    ]);
    if (generation !== this.generation) return ids;
    this.drop(userId);
    this.contacts.set(userId, { ids, conversationIds });
    for (const conversationId of conversationIds) {
      let users = this.byConversation.get(conversationId);
      if (!users) this.byConversation.set(conversationId, (users = new Set()));
      users.add(userId);
    }
    return ids;
  }

  private drop(userId: string): void {
    this.contacts.delete(userId); // unindexed by `dispose`
  }

  private unindex(userId: string, entry: ContactsEntry): void {
    for (const conversationId of entry.conversationIds) {
      const users = this.byConversation.get(conversationId);
      if (!users) continue;
      users.delete(userId);
      if (users.size === 0) this.byConversation.delete(conversationId);
    }
  }
}
