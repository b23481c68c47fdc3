import { CHAT_LIMITS, type ConversationAccess, type ParticipantRole } from '@jchat/contracts';
import { SetErrorException } from '@jchat/jmap';
import {
  checkAddition,
  checkCapacity,
  checkPermissionsChange,
  checkRemoval,
  checkRoleChange,
} from './participant-rules';

const OWNER_PERMISSIONS = [
  'conversation.archive',
  'conversation.delete',
  'conversation.update',
  'messages.deleteAny',
  'messages.send',
  'participants.invite',
  'participants.remove',
  'participants.setRole',
  'roles.manage',
];

function access(overrides: Partial<ConversationAccess> = {}): ConversationAccess {
  return {
    exists: true,
    visible: true,
    isMember: true,
    role: 'owner',
    conversationType: 'group',
    privacyLevel: 'private',
    isArchived: false,
    permissions: OWNER_PERMISSIONS,
    assignableRoles: ['owner', 'admin', 'moderator', 'member'],
    ...overrides,
  };
}

const member = access({
  role: 'member',
  permissions: ['messages.send'],
  assignableRoles: ['member'],
});
const moderator = access({
  role: 'moderator',
  permissions: [
    'messages.deleteAny',
    'messages.send',
    'participants.invite',
    'participants.remove',
  ],
  assignableRoles: ['moderator', 'member'],
});
const outsider = access({
  isMember: false,
  role: null,
  permissions: [],
  assignableRoles: ['member'],
});

function errorOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof SetErrorException)
      return error.setError.properties
        ? `${error.setError.type}:${error.setError.properties.join(',')}`
        : error.setError.type;
    throw error;
  }
}

describe('checkAddition', () => {
  it('lets anyone join a public conversation, nobody join a restricted one uninvited', () => {
    expect(
      errorOf(() => checkAddition({ ...outsider, privacyLevel: 'public' }, 'u', 'u', 'member', [])),
    ).toBeNull();
    expect(
      errorOf(() =>
        checkAddition({ ...outsider, privacyLevel: 'restricted' }, 'u', 'u', 'member', []),
      ),
    ).toBe('forbidden');
    expect(
      errorOf(() => checkAddition({ ...outsider, visible: false }, 'u', 'u', 'member', [])),
    ).toBe('notFound');
  });

  it('lets only holders of participants.invite invite', () => {
    expect(errorOf(() => checkAddition(moderator, 'a', 'b', 'member', []))).toBeNull();
    expect(errorOf(() => checkAddition(member, 'a', 'b', 'member', []))).toBe('forbidden');
  });

  it('refuses direct and archived conversations, and new owners', () => {
    expect(
      errorOf(() => checkAddition(access({ conversationType: 'direct' }), 'a', 'b', 'member', [])),
    ).toBe('forbidden');
    expect(errorOf(() => checkAddition(access({ isArchived: true }), 'a', 'b', 'member', []))).toBe(
      'forbidden',
    );
    expect(errorOf(() => checkAddition(access(), 'a', 'b', 'owner', []))).toBe(
      'invalidProperties:role',
    );
  });

  it('gives a role or permissions only within what the inviter holds', () => {
    expect(
      errorOf(() => checkAddition(access(), 'a', 'b', 'admin', ['participants.invite'])),
    ).toBeNull();
    expect(errorOf(() => checkAddition(moderator, 'a', 'b', 'moderator', []))).toBe('forbidden');
    expect(
      errorOf(() => checkAddition(moderator, 'a', 'b', 'member', ['participants.invite'])),
    ).toBe('forbidden');
  });
});

describe('checkRoleChange', () => {
  const admin = access({ role: 'admin', assignableRoles: ['admin', 'moderator', 'member'] });

  it.each<[ParticipantRole, ParticipantRole, string | null]>([
    ['member', 'moderator', null],
    ['moderator', 'admin', null],
    ['admin', 'member', null],
    ['member', 'owner', 'forbidden'],
    ['owner', 'member', 'forbidden'],
  ])('lets an admin change %s to %s: %s', (from, to, expected) => {
    expect(errorOf(() => checkRoleChange(admin, from, to))).toBe(expected);
  });

  it('lets the owner hand ownership on, never demote themself directly', () => {
    expect(errorOf(() => checkRoleChange(access(), 'admin', 'owner'))).toBeNull();
    expect(errorOf(() => checkRoleChange(access(), 'owner', 'admin'))).toBe('forbidden');
  });

  it('lets nobody but the owner make an owner, even one who holds everything an owner does', () => {
    const mightyAdmin = access({ role: 'admin' });
    expect(errorOf(() => checkRoleChange(mightyAdmin, 'admin', 'owner'))).toBe('forbidden');
    const mightyOutsider = access({ isMember: false, role: null });
    expect(errorOf(() => checkRoleChange(mightyOutsider, 'member', 'owner'))).toBe('forbidden');
  });

  it('needs participants.setRole, and nothing for no change', () => {
    expect(errorOf(() => checkRoleChange(moderator, 'member', 'moderator'))).toBe('forbidden');
    expect(errorOf(() => checkRoleChange(member, 'member', 'member'))).toBeNull();
  });
});

describe('checkPermissionsChange', () => {
  it('needs to hold every permission added or removed', () => {
    const admin = access({
      role: 'admin',
      permissions: OWNER_PERMISSIONS.filter((p) => p !== 'conversation.delete'),
    });
    expect(errorOf(() => checkPermissionsChange(admin, [], ['participants.invite']))).toBeNull();
    expect(errorOf(() => checkPermissionsChange(admin, ['conversation.delete'], []))).toBe(
      'forbidden',
    );
    expect(errorOf(() => checkPermissionsChange(moderator, [], ['messages.send']))).toBe(
      'forbidden',
    );
  });
});

describe('checkRemoval', () => {
  it('lets anyone leave, except an owner who has not handed ownership on', () => {
    expect(errorOf(() => checkRemoval(member, 'm', { userId: 'm', role: 'member' }, 3))).toBeNull();
    expect(errorOf(() => checkRemoval(access(), 'o', { userId: 'o', role: 'owner' }, 3))).toBe(
      'forbidden',
    );
    expect(
      errorOf(() => checkRemoval(access(), 'o', { userId: 'o', role: 'owner' }, 1)),
    ).toBeNull();
  });

  it('lets removers remove only roles they hold, never the owner', () => {
    expect(
      errorOf(() => checkRemoval(moderator, 'x', { userId: 'y', role: 'member' }, 3)),
    ).toBeNull();
    expect(errorOf(() => checkRemoval(moderator, 'x', { userId: 'y', role: 'admin' }, 3))).toBe(
      'forbidden',
    );
    expect(errorOf(() => checkRemoval(member, 'x', { userId: 'y', role: 'member' }, 3))).toBe(
      'forbidden',
    );
    expect(errorOf(() => checkRemoval(access(), 'x', { userId: 'y', role: 'owner' }, 3))).toBe(
      'forbidden',
    );
  });

  it('keeps both people of a direct conversation', () => {
    expect(
      errorOf(() =>
        checkRemoval(
          access({ conversationType: 'direct' }),
          'x',
          { userId: 'x', role: 'member' },
          2,
        ),
      ),
    ).toBe('forbidden');
  });
});

describe('checkCapacity', () => {
  it('takes members up to maxParticipantsPerConversation, then answers overQuota', () => {
    const max = CHAT_LIMITS.maxParticipantsPerConversation;
    expect(errorOf(() => checkCapacity(max - 1))).toBeNull();
    expect(errorOf(() => checkCapacity(max))).toBe('overQuota');
  });
});
