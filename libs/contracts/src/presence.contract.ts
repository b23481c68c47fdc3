import { contract } from './contract';
import {
  PRESENCE_CONNECTION_BATCH,
  PRESENCE_HEARTBEAT_BATCH,
  PresenceConnectionDto,
  PresenceConnectionsDto,
  PresenceHeartbeatDto,
} from './dto/presence.dto';

export { PRESENCE_CONNECTION_BATCH, PRESENCE_HEARTBEAT_BATCH };

/**
 * Gateways tell the presence service which accounts hold push connections: when an
 * account's first connection on a gateway opens and its last one closes, and in a
 * periodic batched heartbeat. The presence service keeps it in Redis with expiry.
 */
export interface PresenceConnectionRequest {
  userId: string;
  /** The reporting gateway process (unique per process). */
  gatewayId: string;
  /** How long this report keeps the user connected without another heartbeat. */
  ttlMs: number;
}

/** An account's first push connection on the gateway opened (true), or its last closed (false). */
export interface PresenceConnectionChange {
  userId: string;
  opened: boolean;
}

/**
 * The opens and closes a gateway saw since its previous report, in the order it saw them (an
 * account's open and close must not swap). Many sockets opening at once cost one message.
 */
export interface PresenceConnectionsRequest {
  gatewayId: string;
  /** How long an open keeps the user connected without another heartbeat. */
  ttlMs: number;
  changes: PresenceConnectionChange[];
}

export interface PresenceHeartbeatAccount {
  userId: string;
  /** ISO time of the account's last client activity on this gateway. */
  lastActiveAt: string;
}

export interface PresenceHeartbeatRequest {
  gatewayId: string;
  ttlMs: number;
  accounts: PresenceHeartbeatAccount[];
}

/** The current push baseline: a connection's pushState starts from it. */
export interface PushBaselineReply {
  /** The sync horizon, encoded as a state string (the state of every PostgreSQL-backed type). */
  horizon: string;
  /** The current Presence state. */
  presence: string;
}

export const PresenceSubjects = {
  connectionsChanged: contract<PresenceConnectionsRequest, Record<string, never>>(
    'presence.connections.changed.v1',
    PresenceConnectionsDto,
  ),
  /** One open (gateways now send connectionsChanged; kept for a rolling upgrade's older ones). */
  connectionOpened: contract<PresenceConnectionRequest, Record<string, never>>(
    'presence.connection.opened.v1',
    PresenceConnectionDto,
  ),
  /** One close (see connectionOpened). */
  connectionClosed: contract<PresenceConnectionRequest, Record<string, never>>(
    'presence.connection.closed.v1',
    PresenceConnectionDto,
  ),
  heartbeat: contract<PresenceHeartbeatRequest, Record<string, never>>(
    'presence.gateway.heartbeat.v1',
    PresenceHeartbeatDto,
  ),
  pushBaseline: contract<Record<string, never>, PushBaselineReply>('presence.push.baseline.v1'),
} as const;
