import { int, loadConfig } from '@jchat/common';
import { membersCacheSettings, serviceSettings } from '@jchat/bus';

export const presenceSettings = {
  ...serviceSettings,
  PRESENCE_AWAY_AFTER_MS: int(
    'idle time after which an online user shows as away',
    5 * 60_000,
    1000,
    24 * 3600_000,
  ),
  PRESENCE_OFFLINE_GRACE_MS: int(
    'how long a user stays online after their last push connection closes',
    5000,
    0,
    10 * 60_000,
  ),
  PRESENCE_LAST_SEEN_WRITE_MS: int(
    'at most one lastSeenAt write to PostgreSQL per user this often',
    60_000,
    1000,
    3600_000,
  ),
  PRESENCE_RECORD_TTL_SECONDS: int(
    'how long a presence record stays in Redis after its last change',
    7 * 24 * 3600,
    60,
    90 * 24 * 3600,
  ),
  PRESENCE_PUSH_MAX_MEMBERS: int(
    'presence and typing are pushed to co-members of conversations up to this size only',
    1000,
    2,
    1_000_000,
  ),
  PRESENCE_SWEEP_MS: int(
    'how often expired connections, idle users and typing are swept',
    500,
    50,
    60_000,
  ),
  TYPING_TTL_MS: int('how long isTypingIn lasts without being set again', 6000, 500, 60_000),
  TYPING_THROTTLE_MS: int(
    'at most one typing push per user and conversation this often',
    2500,
    0,
    60_000,
  ),
  ...membersCacheSettings,
};

export type PresenceConfig = ReturnType<typeof loadPresenceConfig>;

export function loadPresenceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(presenceSettings, env);
}

export const PRESENCE_CONFIG = Symbol('PRESENCE_CONFIG');
