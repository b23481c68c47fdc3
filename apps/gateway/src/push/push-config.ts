import { int, loadConfig } from '@jchat/common';

/** Push settings of the gateway (environment, validated at start-up like the rest). */
export const pushSettings = {
  PUSH_INTERVAL_MS: int(
    'least time between two StateChanges on one connection (changes meanwhile are coalesced)',
    200,
    0,
    60_000,
  ),
  PUSH_MAX_BUFFER_BYTES: int(
    'bytes a push connection may have waiting to be sent before it is closed as too slow',
    1 << 20,
    16 * 1024,
    1 << 30,
  ),
  PUSH_MAX_PENDING_OBJECTS: int(
    'MessagePush objects one connection may have waiting to be fetched before it is closed',
    256,
    1,
    100_000,
  ),
  PUSH_HEARTBEAT_MS: int(
    'how often the gateway reports its connected accounts to the presence service',
    15_000,
    500,
    600_000,
  ),
  PUSH_PING_MS: int(
    'WebSocket ping interval; a socket that misses a pong is closed',
    30_000,
    500,
    600_000,
  ),
  PUSH_LAG_REPORT_MS: int(
    'how often the gateway tells the senders how far behind its push deliveries are',
    250,
    50,
    60_000,
  ),
  PUSH_ACTIVITY_REPORT_MS: int(
    'client activity is reported at once when the last report is older than this',
    30_000,
    100,
    3600_000,
  ),
};

export type PushConfig = ReturnType<typeof loadPushConfig>;

export function loadPushConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(pushSettings, env);
}

export const PUSH_CONFIG = Symbol('PUSH_CONFIG');

/** Object types a client may ask to receive inline (`includeObjects`); advertised as `pushObjects`. */
export const PUSH_OBJECT_TYPES = ['Message'] as const;
