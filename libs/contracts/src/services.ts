/** The five domain services, each a NATS queue group of its own. */
export const SERVICE_NAMES = ['auth', 'conversations', 'messaging', 'presence', 'rbac'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Which service owns each JMAP data type (`Type/method` is routed there). */
export const JMAP_TYPE_OWNERS: Readonly<Record<string, ServiceName>> = {
  User: 'auth',
  Conversation: 'conversations',
  Participant: 'conversations',
  Message: 'messaging',
  SearchSnippet: 'messaging',
  Presence: 'presence',
  Role: 'rbac',
  UserRole: 'rbac',
  ConversationRole: 'rbac',
};
