import type { ServiceConfig } from '@jchat/contracts';

export type MessagingConfig = ServiceConfig;
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');
