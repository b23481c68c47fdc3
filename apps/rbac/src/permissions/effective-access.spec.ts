import { Permissions } from '@jchat/contracts';
import {
  type AccessFacts,
  assignableRoles,
  effectiveAccess,
  NO_ACCESS,
  unionOf,
} from './effective-access';
import { roleDefaultPermissions } from './role-defaults';

const group = { conversationType: 'group', privacyLevel: 'private', isArchived: false } as const;

function facts(overrides: Partial<AccessFacts> = {}): AccessFacts {
  return {
    conversation: group,
    participant: { role: 'member', isActive: true, permissions: [] },
    systemRolePermissions: [],
    conversationRolePermissions: [],
    ...overrides,
  };
}

describe('role defaults', () => {
  it('ranks owner ⊇ admin ⊇ moderator ⊇ member in groups and channels', () => {
    for (const type of ['group', 'channel'] as const) {
      const [owner, admin, moderator, member] = (
        ['owner', 'admin', 'moderator', 'member'] as const
      ).map((role) => new Set(roleDefaultPermissions(role, type)));
      expect([...admin!].every((p) => owner!.has(p))).toBe(true);
      expect([...moderator!].every((p) => admin!.has(p))).toBe(true);
      expect([...member!].every((p) => moderator!.has(p))).toBe(true);
    }
  });

  it('gives exactly these defaults in a group', () => {
    expect(roleDefaultPermissions('member', 'group')).toEqual(['messages.send']);
    expect([...roleDefaultPermissions('moderator', 'group')].sort()).toEqual([
      'messages.deleteAny',
      'messages.send',
      'participants.invite',
      'participants.remove',
    ]);
    expect(roleDefaultPermissions('admin', 'group')).toContain('participants.setRole');
    expect(roleDefaultPermissions('admin', 'group')).not.toContain('conversation.delete');
    expect(roleDefaultPermissions('owner', 'group')).toContain('conversation.delete');
  });

  it('lets only owners and admins post in announcements', () => {
    expect(roleDefaultPermissions('owner', 'announcement')).toContain(Permissions.messagesSend);
    expect(roleDefaultPermissions('admin', 'announcement')).toContain(Permissions.messagesSend);
    expect(roleDefaultPermissions('moderator', 'announcement')).not.toContain(
      Permissions.messagesSend,
    );
    expect(roleDefaultPermissions('member', 'announcement')).toEqual([]);
  });

  it('makes both people of a direct conversation equal, with no membership management', () => {
    expect(roleDefaultPermissions('owner', 'direct')).toEqual(
      roleDefaultPermissions('member', 'direct'),
    );
    expect(roleDefaultPermissions('owner', 'direct')).not.toContain(Permissions.participantsInvite);
  });
});

describe('effectiveAccess', () => {
  it('is the union of system roles, role defaults, grants and own permissions', () => {
    const access = effectiveAccess(
      facts({
        systemRolePermissions: [['users.manage'], []],
        conversationRolePermissions: [['messages.deleteAny']],
        participant: { role: 'member', isActive: true, permissions: ['participants.invite'] },
      }),
    );
    expect(access.permissions).toEqual([
      'messages.deleteAny',
      'messages.send',
      'participants.invite',
      'users.manage',
    ]);
    expect(access).toMatchObject({ exists: true, visible: true, isMember: true, role: 'member' });
  });

  it('gives a former member nothing but their system roles, and hides a private conversation', () => {
    const left = facts({
      participant: { role: 'admin', isActive: false, permissions: ['conversation.update'] },
      systemRolePermissions: [['users.manage']],
      conversationRolePermissions: [['roles.manage']],
    });
    expect(effectiveAccess(left)).toMatchObject({
      visible: false,
      isMember: false,
      role: null,
      permissions: [],
    });
    const publicLeft = { ...left, conversation: { ...group, privacyLevel: 'public' as const } };
    expect(effectiveAccess(publicLeft)).toMatchObject({
      visible: true,
      isMember: false,
      permissions: ['users.manage'],
    });
  });

  it('answers no access for a missing conversation', () => {
    expect(effectiveAccess(facts({ conversation: null }))).toEqual(NO_ACCESS);
  });

  it('keeps only unarchive, delete and moderation in an archived conversation', () => {
    const access = effectiveAccess(
      facts({
        conversation: { ...group, isArchived: true },
        participant: { role: 'owner', isActive: true, permissions: [] },
      }),
    );
    expect(access.permissions).toEqual([
      'conversation.archive',
      'conversation.delete',
      'messages.deleteAny',
    ]);
    expect(access.isArchived).toBe(true);
  });

  it('lets a grant of messages.send post in an announcement', () => {
    const announcement = { ...group, conversationType: 'announcement' as const };
    expect(effectiveAccess(facts({ conversation: announcement })).permissions).toEqual([]);
    expect(
      effectiveAccess(
        facts({ conversation: announcement, conversationRolePermissions: [['messages.send']] }),
      ).permissions,
    ).toEqual(['messages.send']);
  });

  it('derives the roles one may assign from what one holds', () => {
    const byRole = (role: 'owner' | 'admin' | 'moderator' | 'member') =>
      effectiveAccess(facts({ participant: { role, isActive: true, permissions: [] } }))
        .assignableRoles;
    expect(byRole('owner')).toEqual(['owner', 'admin', 'moderator', 'member']);
    expect(byRole('admin')).toEqual(['admin', 'moderator', 'member']);
    expect(byRole('moderator')).toEqual(['moderator', 'member']);
    expect(byRole('member')).toEqual(['member']);
    expect(assignableRoles([], 'announcement')).toEqual(['member']);
  });
});

describe('unionOf', () => {
  it('sorts and removes duplicates', () => {
    expect(unionOf([['b', 'a'], ['a'], []])).toEqual(['a', 'b']);
  });
});
