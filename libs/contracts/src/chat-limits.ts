/** Limits of the chat data types, published in the session's chat capability and enforced by the services. */
export const CHAT_LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxAttachmentsPerMessage: 20,
  maxTitleLength: 200,
  maxDescriptionLength: 2000,
  // The member list of a conversation travels in one NATS reply (1 MB): 20,000 ids fit.
  maxParticipantsPerConversation: 20_000,
  bodyTypes: ['text/plain', 'text/markdown', 'text/html'],
} as const;
