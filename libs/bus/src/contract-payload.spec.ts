import {
  type AnyContract,
  AuthSubjects,
  BlobSubjects,
  ConversationsSubjects,
  DomainException,
  MessagingSubjects,
  PresenceSubjects,
  RbacSubjects,
} from '@jchat/contracts';
import { ContractPayloadPipe } from './contract-payload';

const USER = '0b5e6f4c-8a77-4c3e-9a51-2d6f7f1b3c10';
const CONVERSATION = '4f1d2a6b-3c5e-4b7a-8d9e-0a1b2c3d4e5f';

function rejection(contract: AnyContract, value: unknown): DomainException {
  try {
    new ContractPayloadPipe(contract).transform(value);
  } catch (error: unknown) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('ContractPayloadPipe', () => {
  it('passes a valid payload on', () => {
    const receipt = { userId: USER, conversationId: CONVERSATION, messageId: 'm1' };
    expect(new ContractPayloadPipe(MessagingSubjects.markDelivered).transform(receipt)).toEqual(
      receipt,
    );
  });

  it('answers invalid_argument naming the subject and each bad property', () => {
    const error = rejection(MessagingSubjects.markDelivered, {
      userId: 'nope',
      conversationId: CONVERSATION,
    });
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('messaging.receipt.delivered.v1: ');
    expect(error.message).toContain('userId must be an id (a UUID)');
    expect(error.message).toContain('messageId must be a string');
  });

  it('refuses unknown properties and what is not an object', () => {
    expect(
      rejection(ConversationsSubjects.members, { conversationId: 'x', extra: 1 }).message,
    ).toBe('conversations.members.list.v1: property extra should not exist');
    expect(rejection(ConversationsSubjects.members, [1]).message).toBe(
      'conversations.members.list.v1: not an object',
    );
  });

  it('checks auth payloads for shape only, leaving the rules to the service', () => {
    const login = { email: 'not an email', password: '', ipAddress: null, userAgent: 'ua' };
    // Not an email, an empty password: still well formed; the service names those fields.
    expect(new ContractPayloadPipe(AuthSubjects.login).transform(login)).toEqual(login);
    const error = rejection(AuthSubjects.login, { ...login, email: 42, admin: true });
    expect(error.message).toContain('auth.session.login.v1: ');
    expect(error.message).toContain('property admin should not exist');
    expect(error.message).toContain('email must be a string');
    expect(rejection(AuthSubjects.checkSession, { userId: USER, sessionId: 'x' }).message).toBe(
      'auth.session.check.v1: sessionId must be an id (a UUID)',
    );
  });

  it('checks nested objects (presence heartbeats)', () => {
    const error = rejection(PresenceSubjects.heartbeat, {
      gatewayId: 'g1',
      ttlMs: 5000,
      accounts: [{ userId: USER, lastActiveAt: 'yesterday' }],
    });
    expect(error.message).toContain('accounts.0.lastActiveAt');
  });

  it('checks the gateway, time to live and changes of every presence report', () => {
    const report = { gatewayId: 'g1', ttlMs: 5000, changes: [{ userId: USER, opened: true }] };
    expect(new ContractPayloadPipe(PresenceSubjects.connectionsChanged).transform(report)).toEqual(
      report,
    );
    const bad = rejection(PresenceSubjects.connectionsChanged, {
      gatewayId: '',
      ttlMs: 10,
      changes: [{ userId: USER, opened: 'yes' }],
    }).message;
    expect(bad).toContain('gatewayId must be longer than or equal to 1 characters');
    expect(bad).toContain('ttlMs must not be less than 1000');
    expect(bad).toContain('changes.0.opened');
    for (const contract of [PresenceSubjects.connectionOpened, PresenceSubjects.heartbeat]) {
      expect(
        rejection(contract, { userId: USER, gatewayId: 'g1', accounts: [] }).message,
      ).toContain('ttlMs');
    }
  });

  it('keeps a system message whose details are absent', () => {
    const post = {
      conversationId: CONVERSATION,
      actorId: USER,
      kind: 'participant.joined',
      body: 'Ann joined',
      idempotencyKey: 'k1',
    };
    expect(new ContractPayloadPipe(MessagingSubjects.postSystemMessage).transform(post)).toEqual(
      post,
    );
    expect(
      rejection(MessagingSubjects.postSystemMessage, { ...post, kind: 'party' }).message,
    ).toContain('kind must be one of the following values');
  });
});

describe('request DTOs of the contracts', () => {
  const all: Record<string, AnyContract> = {
    ...AuthSubjects,
    ...ConversationsSubjects,
    ...MessagingSubjects,
    ...BlobSubjects,
    ...PresenceSubjects,
    ...RbacSubjects,
  };

  it('every subject with a payload has one', () => {
    const without = Object.values(all)
      .filter((contract) => contract.request === undefined)
      .map((contract) => contract.subject);
    // presence.push.baseline.v1 takes no payload.
    expect(without).toEqual(['presence.push.baseline.v1']);
  });
});
