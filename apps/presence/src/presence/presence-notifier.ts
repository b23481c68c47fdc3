import { Inject, Injectable, Logger } from '@nestjs/common';
import { encodeState } from '@jchat/jmap';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { AccountPublisher } from '../fanout/account-publisher';
import { MembersService } from '../fanout/members.service';
import { PresenceRepository } from './presence.repository';

const CONTACTS_TTL_MS = 60_000;
const CONTACTS_CACHE_ENTRIES = 50_000;
const PARALLEL_LOOKUPS = 8;

/**
 * Tells a user's contacts (and the user's own other connections) that their presence
 * changed: a `Presence` state push per change. Contact lists are cached for a minute
 * and dropped on any access change.
 */
@Injectable()
export class PresenceNotifier {
  private readonly logger = new Logger('presence-notifier');
  private readonly contacts = new Map<string, { ids: string[]; expiresAt: number }>();

  constructor(
    private readonly repository: PresenceRepository,
    private readonly publisher: AccountPublisher,
    members: MembersService,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {
    members.onAccessChanged(() => this.contacts.clear());
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

  private async contactsOf(userId: string): Promise<string[]> {
    const now = Date.now();
    const cached = this.contacts.get(userId);
    if (cached && cached.expiresAt > now) return cached.ids;
    const ids = await this.repository.contacts(userId, this.config.PRESENCE_PUSH_MAX_MEMBERS);
    if (this.contacts.size >= CONTACTS_CACHE_ENTRIES) this.contacts.clear();
    this.contacts.set(userId, { ids, expiresAt: now + CONTACTS_TTL_MS });
    return ids;
  }
}
