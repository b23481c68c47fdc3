import { loadServiceConfig, type ServiceConfig } from '@jchat/contracts';

export const RBAC_CONFIG = Symbol('RBAC_CONFIG');
export type RbacConfig = ServiceConfig;
export const loadRbacConfig = loadServiceConfig;
