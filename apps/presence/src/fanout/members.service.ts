import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'nats';
import { type AccessChangedEvent, ConversationsSubjects, Events } from '@jchat/contracts';
import { BusClient, EventBus } from '@jchat/bus';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { type MemberList, MembersCache } from './members-cache';

/**
 * Active members of conversations, for the push fan-out and typing: asked of the
 * conversations service and cached. Every replica listens to `Events.accessChanged`
 * on core NATS (not a shared durable consumer: each replica must drop its own cache).
 */
@Injectable()
export class MembersService implements OnModuleInit, OnModuleDestroy {
  private readonly cache: MembersCache;
  private subscription: Subscription | null = null;
  private readonly listeners: ((event: AccessChangedEvent | null) => void)[] = [];

  constructor(
    bus: BusClient,
    private readonly events: EventBus,
    @Inject(PRESENCE_CONFIG) config: PresenceConfig,
  ) {
    this.cache = new MembersCache(
      async (conversationId) =>
        (await bus.request(ConversationsSubjects.members, { conversationId })).userIds,
      { ttlMs: config.PUSH_MEMBERS_CACHE_MS, maxIds: config.PUSH_MEMBERS_CACHE_SIZE },
    );
  }

  onModuleInit(): void {
    this.subscription = this.events.watch(Events.accessChanged, (event) => {
      // Unreadable: drop every cached member list.
      this.cache.invalidate(event?.conversationId ?? null);
      for (const listener of this.listeners) listener(event);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Called on every access change (null: unreadable, assume anything changed). */
  onAccessChanged(listener: (event: AccessChangedEvent | null) => void): void {
    this.listeners.push(listener);
  }

  members(conversationId: string): Promise<MemberList> {
    return this.cache.get(conversationId);
  }
}
