import type { Provider, Type } from '@nestjs/common';
import { CatchUpService } from './catch-up.service';
import { DeliveryReceipts } from './delivery-receipts';
import { EventSourceController } from './eventsource/eventsource.controller';
import { MessageFetcher } from './message-fetcher';
import { PresenceReporter } from './presence-reporter.service';
import { PushAuthenticator } from './push-auth';
import { loadPushConfig, PUSH_CONFIG } from './push-config';
import { PushHub } from './push-hub.service';
import { PushLagReporter } from './push-lag-reporter.service';
import { PushSessions } from './push-sessions.service';
import { WsServer } from './ws/ws-server.service';

/**
 * Push: WebSocket (RFC 8887) and EventSource (RFC 8620 §7.3), fed by the push deliveries
 * (NATS). Registered in the gateway module itself, as they share its JMAP API,
 * session and authentication providers.
 */
export const PUSH_PROVIDERS: Provider[] = [
  { provide: PUSH_CONFIG, useFactory: () => loadPushConfig() },
  PresenceReporter,
  PushLagReporter,
  PushHub,
  MessageFetcher,
  DeliveryReceipts,
  CatchUpService,
  PushSessions,
  PushAuthenticator,
  WsServer,
];

export const PUSH_CONTROLLERS: Type<unknown>[] = [EventSourceController];
