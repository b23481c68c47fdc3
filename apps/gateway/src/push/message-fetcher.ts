import { Inject, Injectable } from '@nestjs/common';
import { JmapCallSubjects } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import type { AuthUser } from '../auth/auth-user';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/**
 * Fetches one message exactly as `Message/get` returns it to the account, through the
 * messaging service's JMAP call subject (the same path as /jmap/api). Concurrent asks
 * for the same account and message share one call.
 */
@Injectable()
export class MessageFetcher {
  private readonly inFlight = new Map<string, Promise<Record<string, unknown> | null>>();

  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  fetch(user: AuthUser, messageId: string): Promise<Record<string, unknown> | null> {
    const key = `${user.userId}/${messageId}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const fetching = this.call(user, messageId).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  private async call(user: AuthUser, messageId: string): Promise<Record<string, unknown> | null> {
    const reply = await this.bus.request(
      JmapCallSubjects.messaging,
      {
        userId: user.userId,
        sessionId: user.sessionId,
        name: 'Message/get',
        arguments: { accountId: user.userId, ids: [messageId] },
        callId: 'push',
        createdIds: {},
      },
      { timeoutMs: this.config.SERVICE_TIMEOUT_MS },
    );
    const [name, args] = reply.methodResponses[0] ?? [];
    if (name !== 'Message/get' || !args) return null;
    const list = args['list'];
    if (!Array.isArray(list)) return null;
    const message: unknown = list.find(
      (item: unknown) =>
        typeof item === 'object' && item !== null && (item as { id?: unknown }).id === messageId,
    );
    return typeof message === 'object' && message !== null
      ? (message as Record<string, unknown>)
      : null;
  }
}
