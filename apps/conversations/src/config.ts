import { loadServiceConfig, type ServiceConfig } from '@jchat/contracts';

export const CONVERSATIONS_CONFIG = Symbol('CONVERSATIONS_CONFIG');
export type ConversationsConfig = ServiceConfig;
export const loadConversationsConfig = loadServiceConfig;
