import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuthSubjects, CHAT_LIMITS } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import {
  CHAT_CAPABILITY,
  CORE_CAPABILITY,
  type CoreCapability,
  WEBSOCKET_CAPABILITY,
  type WebSocketCapability,
} from '@jchat/jmap';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { PUSH_OBJECT_TYPES } from '../push/push-config';

/** Bumped whenever the shape of the Session object changes, so clients refetch it. */
const SESSION_FORMAT_VERSION = '2';

@Injectable()
export class JmapSessionService {
  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  coreCapability(): CoreCapability {
    return {
      maxSizeUpload: this.config.JMAP_MAX_SIZE_UPLOAD,
      maxConcurrentUpload: this.config.JMAP_MAX_CONCURRENT_UPLOAD,
      maxSizeRequest: this.config.JMAP_MAX_SIZE_REQUEST,
      maxConcurrentRequests: this.config.JMAP_MAX_CONCURRENT_REQUESTS,
      maxCallsInRequest: this.config.JMAP_MAX_CALLS_IN_REQUEST,
      maxObjectsInGet: this.config.JMAP_MAX_OBJECTS_IN_GET,
      maxObjectsInSet: this.config.JMAP_MAX_OBJECTS_IN_SET,
      collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
    };
  }

  /** The account list and limits only change with the user id or this server's config. */
  sessionState(userId: string): string {
    const basis = JSON.stringify([SESSION_FORMAT_VERSION, userId, this.coreCapability()]);
    return createHash('sha256').update(basis).digest('base64url').slice(0, 16);
  }

  async session(
    userId: string,
    origin: string,
    requestId: string,
  ): Promise<Record<string, unknown>> {
    const profile = await this.bus.request(AuthSubjects.profile, { userId }, { requestId });
    const base = (this.config.PUBLIC_BASE_URL ?? origin).replace(/\/+$/, '');
    const websocket: WebSocketCapability = {
      url: `${base.replace(/^http/, 'ws')}/jmap/ws`,
      supportsPush: true,
    };
    return {
      capabilities: {
        [CORE_CAPABILITY]: this.coreCapability(),
        [CHAT_CAPABILITY]: { ...CHAT_LIMITS, pushObjects: [...PUSH_OBJECT_TYPES] },
        [WEBSOCKET_CAPABILITY]: websocket,
      },
      accounts: {
        [userId]: {
          name: profile.email,
          isPersonal: true,
          isReadOnly: false,
          accountCapabilities: { [CHAT_CAPABILITY]: {} },
        },
      },
      primaryAccounts: { [CORE_CAPABILITY]: userId, [CHAT_CAPABILITY]: userId },
      username: profile.email,
      apiUrl: `${base}/jmap/api`,
      downloadUrl: `${base}/jmap/download/{accountId}/{blobId}/{name}?type={type}`,
      uploadUrl: `${base}/jmap/upload/{accountId}/`,
      eventSourceUrl: `${base}/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}`,
      state: this.sessionState(userId),
    };
  }
}
