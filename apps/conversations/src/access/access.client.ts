import { Injectable, Logger } from '@nestjs/common';
import { type AccessChangedEvent, type ConversationAccess, RbacSubjects } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';

/**
 * Every permission decision of this service comes from rbac, which answers from its Redis cache
 * (one NATS round trip and one HGET when warm).
 */
@Injectable()
export class AccessClient {
  private readonly logger = new Logger('access');

  constructor(private readonly bus: BusClient) {}

  of(userId: string, conversationId: string, requestId?: string): Promise<ConversationAccess> {
    return this.bus.request(
      RbacSubjects.conversationAccess,
      { userId, conversationId },
      { requestId },
    );
  }

  /** Drops rbac's cached answers now (the durable accessChanged event follows anyway). */
  async invalidate(change: AccessChangedEvent, requestId?: string): Promise<void> {
    try {
      await this.bus.request(RbacSubjects.invalidateAccess, change, { requestId });
    } catch (error: unknown) {
      this.logger.warn(
        { requestId, error: error instanceof Error ? error.message : String(error) },
        'rbac did not drop cached access at once; the accessChanged event will',
      );
    }
  }
}
