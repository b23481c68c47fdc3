import { Injectable } from '@nestjs/common';
import { isUuid, SingleFlight } from '@jchat/common';
import type { AccessChangedEvent, ConversationAccess } from '@jchat/contracts';
import { AccessCache } from './access-cache';
import { effectiveAccess, NO_ACCESS, unionOf } from './effective-access';
import { PermissionsRepository } from './permissions.repository';

/** Answers permission questions, from the Redis cache when it can. */
@Injectable()
export class AccessService {
  /** Concurrent misses of one question under the same epochs compute it once. */
  private readonly computing = new SingleFlight<ConversationAccess>();

  constructor(
    private readonly repository: PermissionsRepository,
    private readonly cache: AccessCache,
  ) {}

  async conversationAccess(userId: string, conversationId: string): Promise<ConversationAccess> {
    if (!isUuid(userId) || !isUuid(conversationId)) return NO_ACCESS;
    const cached = await this.cache.get(conversationId, userId);
    if (cached) return cached;
    const epochs = await this.cache.epochs(conversationId, userId);
    const key = [userId, conversationId, epochs.all, epochs.conversation, epochs.user].join(':');
    return this.computing.run(key, async () => {
      const access = effectiveAccess(await this.repository.accessFacts(userId, conversationId));
      await this.cache.store(conversationId, userId, epochs, access);
      return access;
    });
  }

  /** The union of the user's system roles' permissions (not cached: asked only for admin actions). */
  async systemPermissions(userId: string): Promise<string[]> {
    if (!isUuid(userId)) return [];
    return unionOf(await this.repository.systemRolePermissions(userId));
  }

  invalidate(event: AccessChangedEvent): Promise<void> {
    return this.cache.invalidate(event);
  }
}
