import { loadServiceConfig, serviceSettings, type ServiceConfig } from '@jchat/bus';

/** The settings this service reads (the shared service settings, nothing of its own). */
export const conversationsSettings = serviceSettings;
export const CONVERSATIONS_CONFIG = Symbol('CONVERSATIONS_CONFIG');
export type ConversationsConfig = ServiceConfig;
export const loadConversationsConfig = loadServiceConfig;
