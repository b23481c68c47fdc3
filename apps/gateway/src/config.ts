import {
  infrastructureSettings,
  int,
  loadConfig,
  observabilitySettings,
  optionalStr,
  optionalUrl,
  secret,
  str,
} from '@jchat/common';

export const gatewaySettings = {
  NATS_URL: infrastructureSettings.NATS_URL,
  REDIS_URL: infrastructureSettings.REDIS_URL,
  JCHAT_PREFIX: infrastructureSettings.JCHAT_PREFIX,
  ...observabilitySettings,
  PORT: int('HTTP port of the gateway', 8080, 0, 65535),
  HOST: str('address the gateway listens on', '127.0.0.1'),
  TRUST_PROXY: str(
    'proxies whose X-Forwarded-For names the client (Express "trust proxy": loopback, uniquelocal, CIDRs; comma-separated)',
    'loopback',
  ),
  PUBLIC_BASE_URL: optionalUrl(
    'public origin for JMAP session URLs (default: the request origin)',
    ['http', 'https'],
  ),
  WEB_CLIENT_DIR: optionalStr('directory of the built web client (default: dist/apps/web)'),
  JWT_SECRET: secret('HMAC key for access tokens, shared with the auth service', 32),
  SERVICE_TIMEOUT_MS: int(
    'how long a JMAP call waits for a service before serverUnavailable',
    5000,
    100,
    60000,
  ),
  HEALTH_TIMEOUT_MS: int('how long /health/ready waits for each service', 2000, 50, 10000),
  SESSION_LIVENESS_MEMORY_MS: int(
    'how long a session confirmed live is trusted without a Redis read (revocations reach every gateway at once; 0: always read)',
    60_000,
    0,
    900_000,
  ),
  JMAP_MAX_SIZE_REQUEST: int('maxSizeRequest in bytes', 10_000_000, 1024, 100_000_000),
  JMAP_MAX_SIZE_RESPONSE: int(
    'most bytes of method responses in one JMAP response (past it, reads answer requestTooLarge)',
    16_000_000,
    1024,
    60_000_000,
  ),
  JMAP_MAX_CALLS_IN_REQUEST: int('maxCallsInRequest', 64, 1, 1024),
  JMAP_MAX_CONCURRENT_REQUESTS: int('maxConcurrentRequests per account and gateway', 32, 1, 1024),
  JMAP_MAX_OBJECTS_IN_GET: int('maxObjectsInGet', 1000, 1, 100_000),
  JMAP_MAX_OBJECTS_IN_SET: int('maxObjectsInSet', 500, 1, 100_000),
  JMAP_MAX_SIZE_UPLOAD: int('maxSizeUpload in bytes', 50_000_000, 1024, 1_000_000_000),
  JMAP_MAX_CONCURRENT_UPLOAD: int('maxConcurrentUpload', 4, 1, 64),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(gatewaySettings, env);
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
