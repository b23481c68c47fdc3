import { int, loadConfig } from '@jchat/common';
import { membersCacheSettings, serviceSettings } from '@jchat/bus';

export const messagingSettings = {
  ...serviceSettings,
  ...membersCacheSettings,
  MESSAGE_SEND_MAX_BATCH: int(
    'most messages stored in one transaction (sends arriving together share it)',
    128,
    1,
    10_000,
  ),
  MESSAGE_SEND_MAX_WAIT_MS: int(
    'a send that waited this long for its transaction is refused (rateLimit) instead of stored late',
    2000,
    10,
    60_000,
  ),
  MESSAGE_SEND_MAX_QUEUED: int(
    'sends waiting for a transaction at most; beyond, Message/set answers rateLimit',
    4000,
    1,
    1_000_000,
  ),
  MESSAGE_SEND_MAX_PUSH_LAG_MS: int(
    'push lag at which every new message is refused (rateLimit), a growing share from a third of it (0: never)',
    1500,
    0,
    600_000,
  ),
  DELIVERED_FLUSH_MS: int(
    'how often delivered positions gathered in Redis are written to PostgreSQL (0: only when asked)',
    1000,
    0,
    60_000,
  ),
};

export type MessagingConfig = ReturnType<typeof loadMessagingConfig>;

export function loadMessagingConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(messagingSettings, env);
}

export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');
