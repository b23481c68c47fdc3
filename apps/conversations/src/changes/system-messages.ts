import type {
  ParticipantRole,
  PostSystemMessageRequest,
  SystemMessageKind,
} from '@jchat/contracts';

interface Person {
  id: string;
  displayName: string;
}

const ROLE_NAMES: Readonly<Record<ParticipantRole, string>> = {
  owner: 'the owner',
  admin: 'an admin',
  moderator: 'a moderator',
  member: 'a member',
};

export type MembershipEvent =
  | { kind: 'participant.joined' }
  | { kind: 'participant.left' }
  | { kind: 'participant.invited'; target: Person }
  | { kind: 'participant.removed'; target: Person }
  | { kind: 'participant.roleChanged'; target: Person; role: ParticipantRole };

export type ConversationEvent =
  | { kind: 'conversation.created' }
  | { kind: 'conversation.archived' }
  | { kind: 'conversation.unarchived' }
  | { kind: 'conversation.updated'; properties: string[] };

/**
 * The system message recording one change. `stamp` identifies the change (the modseq of the
 * transaction that made it), so a retried post returns the first message.
 */
export function systemMessage(
  conversationId: string,
  actor: Person,
  event: MembershipEvent | ConversationEvent,
  stamp: bigint,
): PostSystemMessageRequest {
  const { body, details } = describe(actor, event);
  const kind: SystemMessageKind = event.kind;
  const target = 'target' in event ? event.target.id : actor.id;
  return {
    conversationId,
    actorId: actor.id,
    kind,
    body,
    details,
    idempotencyKey: `${kind}:${conversationId}:${target}:${stamp}`,
  };
}

function describe(
  actor: Person,
  event: MembershipEvent | ConversationEvent,
): { body: string; details: Record<string, unknown> } {
  const who = actor.displayName;
  switch (event.kind) {
    case 'participant.joined':
      return { body: `${who} joined`, details: { targetUserId: actor.id } };
    case 'participant.left':
      return { body: `${who} left`, details: { targetUserId: actor.id } };
    case 'participant.invited':
      return {
        body: `${who} added ${event.target.displayName}`,
        details: { targetUserId: event.target.id },
      };
    case 'participant.removed':
      return {
        body: `${who} removed ${event.target.displayName}`,
        details: { targetUserId: event.target.id },
      };
    case 'participant.roleChanged':
      return {
        body: `${who} made ${event.target.displayName} ${ROLE_NAMES[event.role]}`,
        details: { targetUserId: event.target.id, role: event.role },
      };
    case 'conversation.created':
      return { body: `${who} created the conversation`, details: {} };
    case 'conversation.archived':
      return { body: `${who} archived the conversation`, details: {} };
    case 'conversation.unarchived':
      return { body: `${who} unarchived the conversation`, details: {} };
    case 'conversation.updated':
      return {
        body: `${who} changed the ${event.properties.join(', ')}`,
        details: { properties: event.properties },
      };
  }
}
