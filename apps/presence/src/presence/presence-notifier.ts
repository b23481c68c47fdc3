import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { AccessChangedEvent } from '@jchat/contracts';
import { ConversationMembers } from '@jchat/bus';
import { encodeState } from '@jchat/jmap';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { AccountPublisher } from '../fanout/account-publisher';
import { PresenceRepository } from './presence.repository';

const CONTACTS_TTL_MS = 60_000;
const CONTACTS_CACHE_ENTRIES = 50_000;
/** Users whose contacts one statement reads at most. */
const LOOKUP_CHUNK = 1000;
const NO_CONTACTS = { contacts: [], conversationIds: [] };

interface ContactsEntry {
  ids: string[];
  /** The user's conversations when the list was read: a change in any of them drops it. */
  conversationIds: string[];
}

/**
 * Tells users' contacts (and the users' own other connections) that their presence
 * changed: one `Presence` state push per batch of changes. Contact lists are cached for a minute;
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

  /**
   * Publishes the changes as one push: the Presence state is one counter, so the latest state
   * of the batch tells every user's contacts (and the users themselves) that theirs changed.
   * A failed contacts lookup is logged and the users alone are told (contacts resync with
   * Presence/changes).
   */
  async notify(changes: readonly { userId: string; seq: bigint }[]): Promise<void> {
    const [first] = changes;
    if (!first) return;
    const audience = new Set<string>();
    let latest = first.seq;
    for (const change of changes) {
      audience.add(change.userId);
      if (change.seq > latest) latest = change.seq;
    }
    try {
      for (const ids of await this.contactsOf([...audience])) {
        for (const id of ids) audience.add(id);
      }
    } catch (error: unknown) {
      this.logger.warn({ users: changes.length, error: String(error) }, 'presence push failed');
    }
    this.publisher.publish(audience, {
      kind: 'state',
      types: ['Presence'],
      states: { Presence: encodeState(latest) },
      messageId: null,
      conversationId: null,
    });
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

  /** The contact lists of these users: cached ones, the others read in chunks and cached. */
  private async contactsOf(userIds: readonly string[]): Promise<string[][]> {
    const lists: string[][] = [];
    const missing: string[] = [];
    for (const userId of userIds) {
      const cached = this.contacts.get(userId);
      if (cached) lists.push(cached.ids);
      else missing.push(userId);
    }
    for (let start = 0; start < missing.length; start += LOOKUP_CHUNK) {
      const chunk = missing.slice(start, start + LOOKUP_CHUNK);
      const generation = this.generation;
      const found = await this.repository.contactsOfMany(
        chunk,
        this.config.PRESENCE_PUSH_MAX_MEMBERS,
      );
      for (const userId of chunk) {
        const { contacts: ids, conversationIds } = found.get(userId) ?? NO_CONTACTS;
        lists.push(ids);
        if (generation === this.generation) this.remember(userId, { ids, conversationIds });
      }
    }
    return lists;
  }

  private remember(userId: string, entry: ContactsEntry): void {
    this.drop(userId);
    this.contacts.set(userId, entry);
    for (const conversationId of entry.conversationIds) {
      let users = this.byConversation.get(conversationId);
      if (!users) this.byConversation.set(conversationId, (users = new Set()));
      users.add(userId);
    }
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
