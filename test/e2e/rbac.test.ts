import { newUser, type TestUser } from './support/http';
import {
  createConversation,
  grantSystemAdmin,
  ok,
  one,
  participantOf,
} from './conversations.fixtures';

async function settled(user: TestUser, type: string): Promise<string> {
  let state = (await ok(user, `${type}/get`, { ids: [] })).state as string;
  for (let attempt = 0; attempt < 50; attempt++) {
    const pending = await ok(user, `${type}/changes`, { sinceState: state });
    if (pending.created.length + pending.updated.length + pending.destroyed.length === 0)
      return state;
    state = pending.newState;
  }
  throw new Error('state never settled');
}

describe('Role', () => {
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    [admin, user] = await Promise.all([newUser(), newUser()]);
    await grantSystemAdmin(admin);
  });

  it('shows the seeded system roles to everyone', async () => {
    const roles = await ok(user, 'Role/get', { ids: null });
    const byName = Object.fromEntries(
      roles.list.map((role: { name: string }) => [role.name, role]),
    );
    expect(byName['system-admin']).toMatchObject({
      isSystem: true,
      permissions: expect.arrayContaining(['roles.manage', 'users.manage']),
    });
    expect(byName['user']).toMatchObject({ isSystem: true, permissions: [] });
    const systemOnly = await ok(user, 'Role/query', {
      filter: { isSystem: true },
      sort: [{ property: 'name' }],
    });
    expect(systemOnly.ids).toEqual([byName['system-admin'].id, byName['user'].id]);
  });

  it('lets roles.manage holders create, update and delete roles, never beyond what they hold', async () => {
    const name = `moderation-${Date.now()}`;
    const denied = await ok(user, 'Role/set', { create: { r: { name, permissions: [] } } });
    expect(denied.notCreated.r.type).toBe('forbidden');

    const created = await ok(admin, 'Role/set', {
      create: {
        r: {
          name,
          description: 'Moderators',
          permissions: ['messages.deleteAny', 'participants.remove'],
        },
      },
    });
    expect(created.created.r).toMatchObject({
      id: expect.any(String),
      name,
      isSystem: false,
      permissions: ['messages.deleteAny', 'participants.remove'],
      createdAt: expect.any(String),
    });
    const id = created.created.r.id;

    const invalid = await ok(admin, 'Role/set', {
      create: {
        dup: { name, permissions: [] },
        empty: { name: '  ', permissions: [] },
        unknown: { name: `${name}-x`, permissions: ['fly'] },
        system: { name: `${name}-y`, isSystem: true },
      },
    });
    expect(invalid.notCreated).toMatchObject({
      dup: { type: 'invalidProperties', properties: ['name'] },
      empty: { type: 'invalidProperties', properties: ['name'] },
      unknown: { type: 'invalidProperties', properties: ['permissions'] },
      system: { type: 'invalidProperties', properties: ['isSystem'] },
    });

    const updated = await ok(admin, 'Role/set', {
      update: { [id]: { description: 'Mods', permissions: ['messages.deleteAny'] } },
    });
    expect(updated.updated).toEqual({ [id]: null });
    expect((await ok(user, 'Role/get', { ids: [id] })).list[0]).toMatchObject({
      description: 'Mods',
      permissions: ['messages.deleteAny'],
    });

    const destroyed = await ok(admin, 'Role/set', { destroy: [id] });
    expect(destroyed.destroyed).toEqual([id]);
    expect((await ok(user, 'Role/get', { ids: [id] })).notFound).toEqual([id]);
  });

  it('keeps system roles: they cannot be deleted or renamed', async () => {
    const roles = await ok(admin, 'Role/query', { filter: { isSystem: true } });
    const result = await ok(admin, 'Role/set', { destroy: roles.ids });
    for (const id of roles.ids) expect(result.notDestroyed[id].type).toBe('forbidden');
    const rename = await ok(admin, 'Role/set', { update: { [roles.ids[0]]: { name: 'renamed' } } });
    expect(rename.notUpdated[roles.ids[0]]).toMatchObject({
      type: 'invalidProperties',
      properties: ['name'],
    });
  });

  it('reports created, updated and destroyed roles in Role/changes', async () => {
    const state = await settled(user, 'Role');
    const a = (await ok(admin, 'Role/set', { create: { a: { name: `a-${Date.now()}` } } })).created
      .a.id;
    const afterCreate = await ok(user, 'Role/changes', { sinceState: state });
    expect(afterCreate).toMatchObject({ created: [a], updated: [], destroyed: [] });
    // (A settled state: a horizon read while another transaction ran could report the create again.)
    const beforeUpdate = await settled(user, 'Role');
    await ok(admin, 'Role/set', { update: { [a]: { description: 'x' } } });
    expect(await ok(user, 'Role/changes', { sinceState: beforeUpdate })).toMatchObject({
      created: [],
      updated: [a],
    });
    const beforeDestroy = await settled(user, 'Role');
    await ok(admin, 'Role/set', { destroy: [a] });
    expect(await ok(user, 'Role/changes', { sinceState: beforeDestroy })).toMatchObject({
      created: [],
      updated: [],
      destroyed: [a],
    });
    const stale = await one(admin, 'Role/set', {
      ifInState: state,
      create: { b: { name: `b-${Date.now()}` } },
    });
    expect(stale.type).toBe('stateMismatch');
  });
});

describe('UserRole', () => {
  it('grants and revokes system roles with roles.manage, taking effect at once', async () => {
    const [admin, helper, plain] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    const roles = await ok(admin, 'Role/query', { filter: { text: 'system-admin' } });
    const systemAdmin = roles.ids[0];

    // Without the role, helper cannot manage users.
    const before = await ok(helper, 'User/set', { update: { [plain.id]: { isActive: true } } });
    expect(before.notUpdated[plain.id].type).toBe('forbidden');

    const state = await settled(helper, 'UserRole');
    const denied = await ok(plain, 'UserRole/set', {
      create: { g: { userId: plain.id, roleId: systemAdmin } },
    });
    expect(denied.notCreated.g.type).toBe('forbidden');
    const granted = await ok(admin, 'UserRole/set', {
      create: { g: { userId: helper.id, roleId: systemAdmin } },
    });
    const grantId = granted.created.g.id;
    expect(granted.created.g).toMatchObject({ grantedBy: admin.id, grantedAt: expect.any(String) });
    expect((await ok(helper, 'UserRole/get', { ids: [grantId] })).list[0]).toMatchObject({
      userId: helper.id,
      roleId: systemAdmin,
      grantedBy: admin.id,
    });
    expect((await ok(helper, 'UserRole/changes', { sinceState: state })).created).toEqual([
      grantId,
    ]);
    const again = await ok(admin, 'UserRole/set', {
      create: { g: { userId: helper.id, roleId: systemAdmin } },
    });
    expect(again.notCreated.g).toMatchObject({ type: 'alreadyExists', existingId: grantId });
    const bad = await ok(admin, 'UserRole/set', {
      create: {
        u: { userId: 'nobody', roleId: systemAdmin },
        r: { userId: helper.id, roleId: helper.id },
      },
    });
    expect(bad.notCreated).toMatchObject({
      u: { type: 'invalidProperties', properties: ['userId'] },
      r: { type: 'invalidProperties', properties: ['roleId'] },
    });

    const after = await ok(helper, 'User/set', { update: { [plain.id]: { isActive: true } } });
    expect(after.updated).toEqual({ [plain.id]: null });
    expect((await ok(helper, 'UserRole/query', { filter: { userId: helper.id } })).ids).toEqual([
      grantId,
    ]);

    const beforeRevoke = await settled(helper, 'UserRole');
    const revoked = await ok(admin, 'UserRole/set', { destroy: [grantId] });
    expect(revoked.destroyed).toEqual([grantId]);
    expect(await ok(helper, 'UserRole/changes', { sinceState: beforeRevoke })).toMatchObject({
      destroyed: [grantId],
      created: [],
    });
    const role = await ok(helper, 'Role/set', {
      create: { r: { name: `after-revoke-${Date.now()}` } },
    });
    expect(role.notCreated.r.type).toBe('forbidden');
  });

  it('refuses granting a role with permissions the granter lacks', async () => {
    const [admin, limited, target] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    const managers = await ok(admin, 'Role/set', {
      create: {
        m: { name: `role-managers-${Date.now()}`, permissions: ['roles.manage'] },
        big: { name: `big-${Date.now()}`, permissions: ['users.manage'] },
      },
    });
    await ok(admin, 'UserRole/set', {
      create: { g: { userId: limited.id, roleId: managers.created.m.id } },
    });
    const beyond = await ok(limited, 'UserRole/set', {
      create: { g: { userId: target.id, roleId: managers.created.big.id } },
    });
    expect(beyond.notCreated.g.type).toBe('forbidden');
    const within = await ok(limited, 'UserRole/set', {
      create: { g: { userId: target.id, roleId: managers.created.m.id } },
    });
    expect(within.created.g).toMatchObject({ id: expect.any(String), grantedBy: limited.id });
    const widen = await ok(limited, 'Role/set', {
      update: { [managers.created.m.id]: { permissions: ['roles.manage', 'users.manage'] } },
    });
    expect(widen.notUpdated[managers.created.m.id].type).toBe('forbidden');
  });
});

describe('ConversationRole', () => {
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let admin: TestUser;
  let room: Record<string, any>;
  let inviterRole: string;

  beforeAll(async () => {
    [owner, member, outsider, admin] = await Promise.all([
      newUser(),
      newUser(),
      newUser(),
      newUser(),
    ]);
    await grantSystemAdmin(admin);
    inviterRole = (
      await ok(admin, 'Role/set', {
        create: { r: { name: `inviters-${Date.now()}`, permissions: ['participants.invite'] } },
      })
    ).created.r.id;
    room = await createConversation(owner, { title: 'Grants', participantIds: [member.id] });
  });

  it('grants a role in one conversation; it counts there at once, and the members see the grant', async () => {
    const newcomer = await newUser();
    const before = await ok(member, 'Participant/set', {
      create: { p: { conversationId: room.id, userId: newcomer.id } },
    });
    expect(before.notCreated.p.type).toBe('forbidden');
    const memberState = await settled(member, 'ConversationRole');

    const granted = await ok(owner, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: member.id, roleId: inviterRole } },
    });
    const grantId = granted.created.g.id;
    const after = await ok(member, 'Participant/set', {
      create: { p: { conversationId: room.id, userId: newcomer.id } },
    });
    expect(after.created.p.userId).toBe(newcomer.id);

    expect((await ok(member, 'ConversationRole/get', { ids: null })).list).toEqual([
      {
        id: grantId,
        conversationId: room.id,
        userId: member.id,
        roleId: inviterRole,
        grantedBy: owner.id,
        grantedAt: expect.any(String),
      },
    ]);
    expect((await ok(outsider, 'ConversationRole/get', { ids: [grantId] })).notFound).toEqual([
      grantId,
    ]);
    expect(
      (await ok(newcomer, 'ConversationRole/query', { filter: { conversationId: room.id } })).ids,
    ).toEqual([grantId]);
    expect(await ok(member, 'ConversationRole/changes', { sinceState: memberState })).toMatchObject(
      { created: [grantId], destroyed: [] },
    );
  });

  it('checks the granter: roles.manage there, every permission of the role, and a member as grantee', async () => {
    const byMember = await ok(member, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: member.id, roleId: inviterRole } },
    });
    expect(byMember.notCreated.g.type).toBe('forbidden');
    const byOutsider = await ok(outsider, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: member.id, roleId: inviterRole } },
    });
    expect(byOutsider.notCreated.g.type).toBe('notFound');
    const systemAdmin = (await ok(owner, 'Role/query', { filter: { text: 'system-admin' } }))
      .ids[0];
    const beyond = await ok(owner, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: member.id, roleId: systemAdmin } },
    });
    expect(beyond.notCreated.g.type).toBe('forbidden');
    const notMember = await ok(owner, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: outsider.id, roleId: inviterRole } },
    });
    expect(notMember.notCreated.g).toMatchObject({
      type: 'invalidProperties',
      properties: ['userId'],
    });
  });

  it('revokes at once, and reports the grant destroyed to a member who leaves', async () => {
    const grantId = (await ok(member, 'ConversationRole/query', { filter: { userId: member.id } }))
      .ids[0];
    const revoked = await ok(owner, 'ConversationRole/set', { destroy: [grantId] });
    expect(revoked.destroyed).toEqual([grantId]);
    const newcomer = await newUser();
    const refused = await ok(member, 'Participant/set', {
      create: { p: { conversationId: room.id, userId: newcomer.id } },
    });
    expect(refused.notCreated.p.type).toBe('forbidden');

    const regrant = await ok(owner, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: owner.id, roleId: inviterRole } },
    });
    const state = await settled(member, 'ConversationRole');
    await ok(member, 'Participant/set', {
      destroy: [(await participantOf(member, room.id, member.id)).id],
    });
    const changes = await ok(member, 'ConversationRole/changes', { sinceState: state });
    expect(changes.destroyed).toContain(regrant.created.g.id);
  });
});
