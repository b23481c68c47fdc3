import { contract } from './contract';
import {
  PRESENCE_HEARTBEAT_BATCH,
  PresenceConnectionDto,
  PresenceHeartbeatDto,
} from './dto/presence.dto';

export { PRESENCE_HEARTBEAT_BATCH };

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
  connectionOpened: contract<PresenceConnectionRequest, Record<string, never>>(
    'presence.connection.opened.v1',
    PresenceConnectionDto,
  ),
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
