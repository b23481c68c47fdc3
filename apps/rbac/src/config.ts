import { loadServiceConfig, serviceSettings, type ServiceConfig } from '@jchat/bus';

/** The settings this service reads (the shared service settings, nothing of its own). */
export const rbacSettings = serviceSettings;
export const RBAC_CONFIG = Symbol('RBAC_CONFIG');
export type RbacConfig = ServiceConfig;
export const loadRbacConfig = loadServiceConfig;
