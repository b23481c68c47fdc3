import { infrastructureSettings, int, loadConfig, observabilitySettings } from '@jchat/common';

export const serviceSettings = {
  ...infrastructureSettings,
  ...observabilitySettings,
  DATABASE_POOL_SIZE: int('PostgreSQL connections per service process', 5, 1, 100),
  JMAP_MAX_OBJECTS_IN_GET: int('maxObjectsInGet (same value as the gateway)', 1000, 1, 100_000),
  JMAP_MAX_OBJECTS_IN_SET: int('maxObjectsInSet (same value as the gateway)', 500, 1, 100_000),
};

export type ServiceConfig = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(serviceSettings, env);
}
