import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'nats';
import { int } from '@jchat/common';
import { type AccessChangedEvent, ConversationsSubjects, Events } from '@jchat/contracts';
import { BusClient } from './bus-client';
import { EventBus } from './event-bus';
import { type MemberList, MembersCache, type MembersCacheOptions } from './members-cache';

/** The settings of ConversationMembers, for the services that push (messaging, presence). */
export const membersCacheSettings = {
  PUSH_MEMBERS_CACHE_MS: int(
    'how long a conversation member list is cached for pushes',
    60_000,
    0,
    3600_000,
  ),
  PUSH_MEMBERS_CACHE_SIZE: int(
    'member ids cached for pushes at most (all conversations together)',
    2_000_000,
    0,
    100_000_000,
  ),
};

/** How the app gives ConversationMembers its cache limits. */
export const MEMBERS_CACHE_OPTIONS = Symbol('MEMBERS_CACHE_OPTIONS');

export function membersCacheOptions(config: {
  PUSH_MEMBERS_CACHE_MS: number;
  PUSH_MEMBERS_CACHE_SIZE: number;
}): Pick<MembersCacheOptions, 'ttlMs' | 'maxIds'> {
  return { ttlMs: config.PUSH_MEMBERS_CACHE_MS, maxIds: config.PUSH_MEMBERS_CACHE_SIZE };
}

/**
 * Active members of conversations, for pushes and typing: asked of the conversations service
 * and cached. Every replica listens to `Events.accessChanged` on core NATS (not a shared
 * durable consumer: each replica must drop its own cache).
 */
@Injectable()
export class ConversationMembers implements OnModuleInit, OnModuleDestroy {
  private readonly cache: MembersCache;
  private subscription: Subscription | null = null;
  private readonly listeners: ((event: AccessChangedEvent | null) => void)[] = [];

  constructor(
    bus: BusClient,
    private readonly events: EventBus,
    @Inject(MEMBERS_CACHE_OPTIONS) options: Pick<MembersCacheOptions, 'ttlMs' | 'maxIds'>,
  ) {
    this.cache = new MembersCache(
      async (conversationId) =>
        (await bus.request(ConversationsSubjects.members, { conversationId })).userIds,
      options,
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

  /** The members if they are cached; else undefined, and they are fetched for next time. */
  cachedMembers(conversationId: string): MemberList | undefined {
    return this.cache.peek(conversationId);
  }
}
