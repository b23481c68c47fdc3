import { call, newUser, type TestUser } from './support/http';
import {
  addParticipant,
  calls,
  createConversation,
  eventually,
  getConversation,
  grantSystemAdmin,
  ok,
  one,
  participantOf,
} from './conversations.fixtures';

/** Bodies of the system messages of a conversation, oldest first, as `viewer` reads them. */
async function systemMessages(viewer: TestUser, conversationId: string): Promise<string[]> {
  const [query, get] = await call(viewer.accessToken, [
    ['Message/query', { accountId: viewer.id, filter: { conversationId } }, 'q'],
    [
      'Message/get',
      {
        accountId: viewer.id,
        '#ids': { resultOf: 'q', name: 'Message/query', path: '/ids' },
        properties: ['body', 'isSystemMessage', 'sentAt'],
      },
      'g',
    ],
  ]);
  expect(query![0]).toBe('Message/query');
  const list = get![1].list as { body: string; isSystemMessage: boolean; sentAt: string }[];
  return list
    .filter((message) => message.isSystemMessage)
    .sort((a, b) => a.sentAt.localeCompare(b.sentAt))
    .map((message) => message.body);
}

async function sendMessage(
  user: TestUser,
  conversationId: string,
  body: string,
): Promise<Record<string, any>> {
  return ok(user, 'Message/set', { create: { m: { conversationId, body } } });
}

describe('Conversation/set create: types and privacy levels', () => {
  let ann: TestUser;
  let bob: TestUser;
  let carl: TestUser;

  beforeAll(async () => {
    [ann, bob, carl] = await Promise.all([
      newUser({ displayName: 'Ann' }),
      newUser({ displayName: 'Bob' }),
      newUser({ displayName: 'Carl' }),
    ]);
  });

  it.each([
    ['group', 'private'],
    ['group', 'public'],
    ['group', 'restricted'],
    ['channel', 'private'],
    ['channel', 'public'],
    ['channel', 'restricted'],
    ['announcement', 'private'],
    ['announcement', 'public'],
    ['announcement', 'restricted'],
  ])(
    'creates a %s %s conversation with its first members; the creator owns it',
    async (conversationType, privacyLevel) => {
      const created = await createConversation(ann, {
        conversationType,
        privacyLevel,
        title: 'Room',
        participantIds: [bob.id],
      });
      expect(created).toEqual({
        id: expect.any(String),
        title: 'Room',
        description: null,
        conversationType,
        privacyLevel,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        createdBy: ann.id,
        isArchived: false,
        participantIds: expect.arrayContaining([ann.id, bob.id]),
        lastMessageId: expect.anything(),
        lastMessageAt: expect.anything(),
        messageCount: expect.any(Number),
        settings: {},
        metadata: {},
        isMuted: false,
        unreadCount: 0,
        myRole: 'owner',
      });
      expect(created.participantIds).toHaveLength(2);
      expect(await getConversation(bob, created.id)).toMatchObject({
        myRole: 'member',
        participantIds: created.participantIds,
      });
      const outsiderView = await getConversation(carl, created.id);
      if (privacyLevel === 'private') {
        expect(outsiderView).toBeUndefined();
      } else {
        // Listed: visible to everyone, with no per-user fields for a non-member.
        expect(outsiderView).toMatchObject({
          id: created.id,
          myRole: null,
          isMuted: false,
          unreadCount: 0,
        });
      }
    },
  );

  it('defaults to private and keeps settings and metadata', async () => {
    const created = await createConversation(ann, {
      privacyLevel: undefined,
      settings: { theme: 'dark' },
      metadata: { topic: 'x' },
      description: 'About',
    });
    expect(created).toMatchObject({
      privacyLevel: 'private',
      settings: { theme: 'dark' },
      metadata: { topic: 'x' },
      description: 'About',
    });
  });

  it('makes one direct conversation per pair, whoever creates it', async () => {
    const first = await createConversation(ann, {
      conversationType: 'direct',
      title: null,
      participantIds: [bob.id],
    });
    expect(first).toMatchObject({ conversationType: 'direct', privacyLevel: 'private' });
    expect([...first.participantIds].sort()).toEqual([ann.id, bob.id].sort());
    const again = await createConversation(ann, {
      conversationType: 'direct',
      title: null,
      participantIds: [bob.id],
    });
    const fromBob = await createConversation(bob, {
      conversationType: 'direct',
      title: null,
      participantIds: [ann.id],
    });
    expect(again.id).toBe(first.id);
    expect(fromBob.id).toBe(first.id);
    const withCarl = await createConversation(carl, {
      conversationType: 'direct',
      title: null,
      participantIds: [ann.id],
    });
    expect(withCarl.id).not.toBe(first.id);
  });

  it('keeps a direct conversation at exactly two private participants', async () => {
    const result = await ok(ann, 'Conversation/set', {
      create: {
        none: { conversationType: 'direct' },
        three: { conversationType: 'direct', participantIds: [bob.id, carl.id] },
        public: { conversationType: 'direct', privacyLevel: 'public', participantIds: [bob.id] },
      },
    });
    expect(result.notCreated.none).toMatchObject({
      type: 'invalidProperties',
      properties: ['participantIds'],
    });
    expect(result.notCreated.three).toMatchObject({
      type: 'invalidProperties',
      properties: ['participantIds'],
    });
    expect(result.notCreated.public).toMatchObject({
      type: 'invalidProperties',
      properties: ['privacyLevel'],
    });

    const direct = await createConversation(ann, {
      conversationType: 'direct',
      title: null,
      participantIds: [carl.id],
    });
    const dave = await newUser();
    const invite = await one(ann, 'Participant/set', {
      create: { p: { conversationId: direct.id, userId: dave.id } },
    });
    expect(invite.notCreated.p.type).toBe('forbidden');
    const mine = await participantOf(ann, direct.id, ann.id);
    const leave = await one(ann, 'Participant/set', { destroy: [mine.id] });
    expect(leave.notDestroyed[mine.id].type).toBe('forbidden');
  });

  it('names the property of every invalid create', async () => {
    const result = await ok(ann, 'Conversation/set', {
      create: {
        type: { conversationType: 'forum' },
        noType: { title: 'x' },
        privacy: { conversationType: 'group', privacyLevel: 'secret' },
        title: { conversationType: 'group', title: 'x'.repeat(201) },
        users: {
          conversationType: 'group',
          participantIds: ['00000000-0000-4000-8000-000000000000'],
        },
        notIds: { conversationType: 'group', participantIds: 'bob' },
        settings: { conversationType: 'group', settings: [1] },
        serverSet: { conversationType: 'group', createdBy: bob.id, unreadCount: 3 },
      },
    });
    const properties = Object.fromEntries(
      Object.entries(
        result.notCreated as Record<string, { type: string; properties: string[] }>,
      ).map(([key, error]) => {
        expect(error.type).toBe('invalidProperties');
        return [key, error.properties];
      }),
    );
    expect(properties).toEqual({
      type: ['conversationType'],
      noType: ['conversationType'],
      privacy: ['privacyLevel'],
      title: ['title'],
      users: ['participantIds'],
      notIds: ['participantIds'],
      settings: ['settings'],
      serverSet: ['createdBy', 'unreadCount'],
    });
    expect(result.created).toBeNull();
  });
});

describe('bad arguments', () => {
  let ann: TestUser;
  beforeAll(async () => {
    ann = await newUser();
  });

  it('answers invalidArguments and unsupportedFilter/unsupportedSort at method level', async () => {
    const responses = await calls(ann, [
      ['Conversation/get', { ids: 'all' }],
      ['Conversation/get', { properties: ['title', 'colour'] }],
      ['Conversation/query', { filter: { colour: 'red' } }],
      ['Conversation/query', { filter: { conversationType: 'forum' } }],
      ['Conversation/query', { filter: { isMember: 'yes' } }],
      ['Conversation/query', { sort: [{ property: 'colour' }] }],
      ['Conversation/changes', {}],
      ['Conversation/changes', { sinceState: 'not a state' }],
      ['Participant/query', { filter: { role: 'king' } }],
      ['Participant/set', { create: 'x' }],
      ['Conversation/set', { update: [] }],
      ['Role/query', { filter: { isSystem: 'yes' } }],
    ]);
    expect(responses.map(([name, args]) => (name === 'error' ? args.type : name))).toEqual([
      'invalidArguments',
      'invalidArguments',
      'unsupportedFilter',
      'invalidArguments',
      'invalidArguments',
      'unsupportedSort',
      'invalidArguments',
      'cannotCalculateChanges',
      'invalidArguments',
      'invalidArguments',
      'invalidArguments',
      'invalidArguments',
    ]);
  });
});

describe('joining, invitations and the directory', () => {
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let guest: TestUser;
  let tag: string;
  let rooms: Record<'private' | 'public' | 'restricted', Record<string, any>>;

  beforeAll(async () => {
    [owner, member, outsider, guest] = await Promise.all([
      newUser({ displayName: 'Olive Owner' }),
      newUser({ displayName: 'Max Member' }),
      newUser({ displayName: 'Otto Outsider' }),
      newUser({ displayName: 'Gus Guest' }),
    ]);
    tag = `dir${Date.now().toString(36)}`;
    const make = (privacyLevel: string) =>
      createConversation(owner, {
        privacyLevel,
        conversationType: 'channel',
        title: `${tag} ${privacyLevel}`,
        participantIds: [member.id],
      });
    const [priv, pub, restricted] = await Promise.all([
      make('private'),
      make('public'),
      make('restricted'),
    ]);
    rooms = { private: priv, public: pub, restricted };
  });

  it("lists the public and restricted conversations one can join (isMember false), and only one's own otherwise", async () => {
    const directory = await ok(outsider, 'Conversation/query', {
      filter: { isMember: false, text: tag },
      sort: [{ property: 'title' }],
    });
    expect(directory.ids).toEqual([rooms.public.id, rooms.restricted.id]);
    const mine = await ok(outsider, 'Conversation/query', { filter: { text: tag } });
    expect(mine.ids).toEqual([]);
    const ownerView = await ok(owner, 'Conversation/query', {
      filter: { text: tag },
      sort: [{ property: 'title', isAscending: false }],
    });
    expect(ownerView.ids).toEqual([rooms.restricted.id, rooms.public.id, rooms.private.id]);
    const ownerDirectory = await ok(owner, 'Conversation/query', {
      filter: { isMember: false, text: tag },
    });
    expect(ownerDirectory.ids).toEqual([]);
    const onlyPublic = await ok(outsider, 'Conversation/query', {
      filter: {
        operator: 'AND',
        conditions: [{ isMember: false, text: tag }, { privacyLevel: 'public' }],
      },
      calculateTotal: true,
    });
    expect(onlyPublic).toMatchObject({
      ids: [rooms.public.id],
      total: 1,
      canCalculateChanges: true,
    });
  });

  it('lets anyone join a public conversation, records it, and answers alreadyExists the second time', async () => {
    const joined = await ok(outsider, 'Participant/set', {
      create: { j: { conversationId: rooms.public.id } },
    });
    expect(joined.created.j).toMatchObject({
      conversationId: rooms.public.id,
      userId: outsider.id,
      displayName: 'Otto Outsider',
      role: 'member',
      isActive: true,
      leftAt: null,
      permissions: [],
      isMuted: false,
    });
    expect(await getConversation(outsider, rooms.public.id)).toMatchObject({ myRole: 'member' });
    expect((await getConversation(owner, rooms.public.id))!.participantIds).toContain(outsider.id);
    const again = await ok(outsider, 'Participant/set', {
      create: { j: { conversationId: rooms.public.id } },
    });
    expect(again.notCreated.j).toMatchObject({
      type: 'alreadyExists',
      existingId: joined.created.j.id,
    });
    expect(await systemMessages(owner, rooms.public.id)).toContain('Otto Outsider joined');
  });

  it('needs an invitation to a restricted conversation; a private one is not even found', async () => {
    const restricted = await ok(guest, 'Participant/set', {
      create: { j: { conversationId: rooms.restricted.id } },
    });
    expect(restricted.notCreated.j.type).toBe('forbidden');
    const priv = await ok(guest, 'Participant/set', {
      create: { j: { conversationId: rooms.private.id } },
    });
    expect(priv.notCreated.j.type).toBe('notFound');
  });

  it('lets those allowed to invite add people; members without participants.invite are refused', async () => {
    const byMember = await addParticipant(member, rooms.restricted.id, guest);
    expect(byMember.notCreated.p.type).toBe('forbidden');
    const byOwner = await addParticipant(owner, rooms.restricted.id, guest);
    expect(byOwner.created.p).toMatchObject({
      userId: guest.id,
      role: 'member',
      displayName: 'Gus Guest',
      isMuted: null,
    });
    expect(await getConversation(guest, rooms.restricted.id)).toMatchObject({ myRole: 'member' });
    expect(await systemMessages(guest, rooms.restricted.id)).toContain(
      'Olive Owner added Gus Guest',
    );

    const intoPrivate = await addParticipant(owner, rooms.private.id, guest);
    expect(intoPrivate.created.p.userId).toBe(guest.id);
    expect(await getConversation(guest, rooms.private.id)).toMatchObject({ myRole: 'member' });
  });

  it('names the property of a bad invitation', async () => {
    const result = await ok(owner, 'Participant/set', {
      create: {
        nobody: {
          conversationId: rooms.private.id,
          userId: '00000000-0000-4000-8000-000000000000',
        },
        noConversation: { userId: guest.id },
        badRole: { conversationId: rooms.private.id, userId: outsider.id, role: 'king' },
        asOwner: { conversationId: rooms.private.id, userId: outsider.id, role: 'owner' },
        badPermissions: {
          conversationId: rooms.private.id,
          userId: outsider.id,
          permissions: ['fly'],
        },
        serverSet: {
          conversationId: rooms.private.id,
          userId: outsider.id,
          joinedAt: '2020-01-01T00:00:00Z',
        },
        member: { conversationId: rooms.private.id, userId: member.id },
      },
    });
    expect(result.notCreated).toMatchObject({
      nobody: { type: 'invalidProperties', properties: ['userId'] },
      noConversation: { type: 'invalidProperties', properties: ['conversationId'] },
      badRole: { type: 'invalidProperties', properties: ['role'] },
      asOwner: { type: 'invalidProperties', properties: ['role'] },
      badPermissions: { type: 'invalidProperties', properties: ['permissions'] },
      serverSet: { type: 'invalidProperties', properties: ['joinedAt'] },
      member: { type: 'alreadyExists' },
    });
  });

  it('joins a conversation created earlier in the same request by its creation id', async () => {
    const [created, joined] = await calls(owner, [
      [
        'Conversation/set',
        { create: { room: { conversationType: 'group', title: 'Same request' } } },
      ],
      ['Participant/set', { create: { p: { conversationId: '#room', userId: member.id } } }],
    ]);
    const id = created![1].created.room.id;
    expect(joined![1].created.p).toMatchObject({ conversationId: id, userId: member.id });
  });
});

describe('roles, ownership, leaving and removal', () => {
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let dan: TestUser;
  let room: Record<string, any>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [ann, bob, cat, dan] = await Promise.all([
      newUser({ displayName: 'Ann' }),
      newUser({ displayName: 'Bob' }),
      newUser({ displayName: 'Cat' }),
      newUser({ displayName: 'Dan' }),
    ]);
    room = await createConversation(ann, {
      title: 'Roles',
      participantIds: [bob.id, cat.id, dan.id],
    });
    for (const user of [ann, bob, cat, dan])
      ids[user.id] = (await participantOf(ann, room.id, user.id)).id;
  });

  it('lets the owner make an admin, and an admin a moderator; each change is a system message', async () => {
    const promote = await ok(ann, 'Participant/set', {
      update: { [ids[bob.id]!]: { role: 'admin' } },
    });
    expect(promote.updated).toEqual({ [ids[bob.id]!]: null });
    const byAdmin = await ok(bob, 'Participant/set', {
      update: { [ids[cat.id]!]: { role: 'moderator' } },
    });
    expect(byAdmin.updated).toEqual({ [ids[cat.id]!]: null });
    expect(await getConversation(bob, room.id)).toMatchObject({ myRole: 'admin' });
    expect(await getConversation(cat, room.id)).toMatchObject({ myRole: 'moderator' });
    expect(await systemMessages(dan, room.id)).toEqual(
      expect.arrayContaining(['Ann made Bob an admin', 'Bob made Cat a moderator']),
    );
  });

  it('refuses role changes by those without participants.setRole or beyond what they hold', async () => {
    const result = await ok(cat, 'Participant/set', {
      update: { [ids[dan.id]!]: { role: 'moderator' } },
    });
    expect(result.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const adminMakesOwner = await ok(bob, 'Participant/set', {
      update: { [ids[dan.id]!]: { role: 'owner' } },
    });
    expect(adminMakesOwner.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const adminDemotesOwner = await ok(bob, 'Participant/set', {
      update: { [ids[ann.id]!]: { role: 'member' } },
    });
    expect(adminDemotesOwner.notUpdated[ids[ann.id]!].type).toBe('forbidden');
    const selfPromotion = await ok(dan, 'Participant/set', {
      update: { [ids[dan.id]!]: { role: 'admin' } },
    });
    expect(selfPromotion.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const ownPermissions = await ok(dan, 'Participant/set', {
      update: { [ids[dan.id]!]: { permissions: ['participants.invite'] } },
    });
    expect(ownPermissions.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const unknownRole = await ok(ann, 'Participant/set', {
      update: { [ids[dan.id]!]: { role: 'king' } },
    });
    expect(unknownRole.notUpdated[ids[dan.id]!]).toMatchObject({
      type: 'invalidProperties',
      properties: ['role'],
    });
    const readOnly = await ok(ann, 'Participant/set', {
      update: { [ids[dan.id]!]: { userId: ann.id, joinedAt: null } },
    });
    expect(readOnly.notUpdated[ids[dan.id]!]).toMatchObject({
      type: 'invalidProperties',
      properties: ['userId', 'joinedAt'],
    });
    const othersMute = await ok(ann, 'Participant/set', {
      update: { [ids[dan.id]!]: { isMuted: true } },
    });
    expect(othersMute.notUpdated[ids[dan.id]!].type).toBe('forbidden');
  });

  it('gives participant permissions only from what the granter holds, and they count at once', async () => {
    const byModerator = await ok(cat, 'Participant/set', {
      update: { [ids[dan.id]!]: { permissions: ['participants.invite'] } },
    });
    expect(byModerator.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const beyondAdmin = await ok(bob, 'Participant/set', {
      update: { [ids[dan.id]!]: { permissions: ['conversation.delete'] } },
    });
    expect(beyondAdmin.notUpdated[ids[dan.id]!].type).toBe('forbidden');
    const granted = await ok(bob, 'Participant/set', {
      update: { [ids[dan.id]!]: { permissions: ['participants.invite'] } },
    });
    expect(granted.updated).toEqual({ [ids[dan.id]!]: null });
    const eve = await newUser({ displayName: 'Eve' });
    const invite = await addParticipant(dan, room.id, eve);
    expect(invite.created.p.userId).toBe(eve.id);
    expect((await participantOf(ann, room.id, dan.id)).permissions).toEqual([
      'participants.invite',
    ]);
  });

  it('lets moderators remove members but not admins; nobody removes the owner', async () => {
    const catRemovesBob = await ok(cat, 'Participant/set', { destroy: [ids[bob.id]] });
    expect(catRemovesBob.notDestroyed[ids[bob.id]!].type).toBe('forbidden');
    const bobRemovesAnn = await ok(bob, 'Participant/set', { destroy: [ids[ann.id]] });
    expect(bobRemovesAnn.notDestroyed[ids[ann.id]!].type).toBe('forbidden');
    const danRemovesCat = await ok(dan, 'Participant/set', { destroy: [ids[cat.id]] });
    expect(danRemovesCat.notDestroyed[ids[cat.id]!].type).toBe('forbidden');

    const fred = await newUser({ displayName: 'Fred' });
    const fredId = (await addParticipant(ann, room.id, fred)).created.p.id;
    const removed = await ok(cat, 'Participant/set', { destroy: [fredId] });
    expect(removed.destroyed).toEqual([fredId]);
    expect(await getConversation(fred, room.id)).toBeUndefined();
    expect((await ok(ann, 'Participant/get', { ids: [fredId] })).notFound).toEqual([fredId]);
    expect(await systemMessages(ann, room.id)).toContain('Cat removed Fred');
  });

  it('hands ownership on: the new owner is the only owner, and only then may the old one leave', async () => {
    const early = await ok(ann, 'Participant/set', { destroy: [ids[ann.id]] });
    expect(early.notDestroyed[ids[ann.id]!]).toMatchObject({ type: 'forbidden' });
    const handOver = await ok(ann, 'Participant/set', {
      update: { [ids[bob.id]!]: { role: 'owner' } },
    });
    expect(handOver.updated).toEqual({ [ids[bob.id]!]: null });
    expect(await getConversation(bob, room.id)).toMatchObject({ myRole: 'owner' });
    expect(await getConversation(ann, room.id)).toMatchObject({ myRole: 'admin' });
    const owners = await ok(dan, 'Participant/query', {
      filter: { conversationId: room.id, role: 'owner' },
    });
    expect(owners.ids).toEqual([ids[bob.id]]);

    const leave = await ok(ann, 'Participant/set', { destroy: [ids[ann.id]] });
    expect(leave.destroyed).toEqual([ids[ann.id]]);
    expect(await getConversation(ann, room.id)).toBeUndefined();
    const conversation = await getConversation(bob, room.id);
    expect(conversation!.participantIds).not.toContain(ann.id);
    expect(await systemMessages(bob, room.id)).toEqual(
      expect.arrayContaining(['Ann made Bob the owner', 'Ann left']),
    );
  });
});

describe('ownership and concurrent membership changes', () => {
  it('lets nobody take ownership without the owner, even one holding everything an owner does', async () => {
    const [ann, sam] = await Promise.all([
      newUser({ displayName: 'Ann' }),
      newUser({ displayName: 'Sam' }),
    ]);
    await grantSystemAdmin(sam);
    const room = await createConversation(ann, { participantIds: [sam.id] });
    const samPart = (await participantOf(ann, room.id, sam.id)).id;
    const taken = await ok(sam, 'Participant/set', { update: { [samPart]: { role: 'owner' } } });
    expect(taken.notUpdated[samPart].type).toBe('forbidden');
    expect(await getConversation(ann, room.id)).toMatchObject({ myRole: 'owner' });
    expect(await getConversation(sam, room.id)).toMatchObject({ myRole: 'member' });
  });

  it('lets one of two concurrent hand-overs through: never two owners', async () => {
    for (let round = 0; round < 3; round++) {
      const [ann, bob, cat] = await Promise.all([newUser(), newUser(), newUser()]);
      const room = await createConversation(ann, { participantIds: [bob.id, cat.id] });
      const [bobPart, catPart] = await Promise.all(
        [bob, cat].map(async (user) => (await participantOf(ann, room.id, user.id)).id as string),
      );
      const answers = await Promise.all(
        [bobPart, catPart].map((id) =>
          ok(ann, 'Participant/set', { update: { [id]: { role: 'owner' } } }),
        ),
      );
      const handedTo = answers.flatMap((answer) => Object.keys(answer.updated ?? {}));
      expect(handedTo).toHaveLength(1);
      const owners = await ok(bob, 'Participant/query', {
        filter: { conversationId: room.id, role: 'owner' },
      });
      expect(owners.ids).toEqual(handedTo);
    }
  });

  it('lets one of two concurrent rejoins through, with one system message', async () => {
    for (let round = 0; round < 3; round++) {
      const [ann, gus] = await Promise.all([
        newUser({ displayName: 'Ann' }),
        newUser({ displayName: `Gus ${round}` }),
      ]);
      const room = await createConversation(ann, {
        privacyLevel: 'public',
        participantIds: [gus.id],
      });
      const gusPart = (await participantOf(ann, room.id, gus.id)).id;
      expect((await ok(gus, 'Participant/set', { destroy: [gusPart] })).destroyed).toEqual([
        gusPart,
      ]);
      const answers = await Promise.all(
        [1, 2].map(() =>
          ok(gus, 'Participant/set', { create: { j: { conversationId: room.id } } }),
        ),
      );
      expect(answers.filter((answer) => answer.created?.j)).toHaveLength(1);
      expect(answers.find((answer) => answer.notCreated?.j)?.notCreated.j).toMatchObject({
        type: 'alreadyExists',
        existingId: gusPart,
      });
      const joined = await eventually(async () => {
        const bodies = await systemMessages(ann, room.id);
        return bodies.includes(`Gus ${round} joined`) ? bodies : undefined;
      });
      expect(joined.filter((body) => body === `Gus ${round} joined`)).toHaveLength(1);
    }
  });
});

describe('archive, mute and unread counts', () => {
  let ann: TestUser;
  let bob: TestUser;
  let room: Record<string, any>;

  beforeAll(async () => {
    [ann, bob] = await Promise.all([
      newUser({ displayName: 'Ann' }),
      newUser({ displayName: 'Bob' }),
    ]);
    room = await createConversation(ann, { title: 'Archive me', participantIds: [bob.id] });
  });

  it('mutes for the caller only', async () => {
    const muted = await ok(bob, 'Conversation/set', { update: { [room.id]: { isMuted: true } } });
    expect(muted.updated).toEqual({ [room.id]: null });
    expect(await getConversation(bob, room.id)).toMatchObject({ isMuted: true });
    expect(await getConversation(ann, room.id)).toMatchObject({ isMuted: false });
    expect((await participantOf(bob, room.id, bob.id)).isMuted).toBe(true);
    expect((await participantOf(ann, room.id, bob.id)).isMuted).toBeNull();
    const bad = await ok(bob, 'Conversation/set', { update: { [room.id]: { isMuted: 'yes' } } });
    expect(bad.notUpdated[room.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['isMuted'],
    });
    const unmuted = await ok(bob, 'Participant/set', {
      update: { [(await participantOf(bob, room.id, bob.id)).id]: { isMuted: false } },
    });
    expect(Object.keys(unmuted.updated)).toHaveLength(1);
    expect(await getConversation(bob, room.id)).toMatchObject({ isMuted: false });
  });

  it('counts unread messages from the read position, which the reader moves', async () => {
    const before = (await getConversation(bob, room.id))!.unreadCount;
    const sent = await sendMessage(ann, room.id, 'hello Bob');
    const messageId = sent.created.m.id;
    expect((await getConversation(bob, room.id))!.unreadCount).toBe(before + 1);
    expect((await getConversation(ann, room.id))!.unreadCount).toBe(0);
    const filtered = await ok(bob, 'Conversation/query', {
      filter: { hasUnread: true, text: 'Archive me' },
    });
    expect(filtered.ids).toEqual([room.id]);

    const mine = await participantOf(bob, room.id, bob.id);
    const read = await ok(bob, 'Participant/set', {
      update: { [mine.id]: { lastReadMessageId: messageId } },
    });
    expect(read.updated[mine.id]).toEqual({
      lastReadAt: expect.any(String),
      lastActiveAt: expect.any(String),
    });
    expect(await getConversation(bob, room.id)).toMatchObject({
      unreadCount: 0,
      lastMessageId: messageId,
    });
    expect(
      (await ok(bob, 'Conversation/query', { filter: { hasUnread: true, text: 'Archive me' } }))
        .ids,
    ).toEqual([]);
    const byOther = await ok(ann, 'Participant/set', {
      update: { [mine.id]: { lastReadMessageId: null } },
    });
    expect(byOther.notUpdated[mine.id].type).toBe('forbidden');
    const unknown = await ok(bob, 'Participant/set', {
      update: { [mine.id]: { lastReadMessageId: room.id } },
    });
    expect(unknown.notUpdated[mine.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['lastReadMessageId'],
    });
  });

  it('archives for everyone (conversation.archive); an archived conversation takes no changes but unarchiving', async () => {
    const byMember = await ok(bob, 'Conversation/set', {
      update: { [room.id]: { isArchived: true } },
    });
    expect(byMember.notUpdated[room.id].type).toBe('forbidden');
    const archived = await ok(ann, 'Conversation/set', {
      update: { [room.id]: { isArchived: true } },
    });
    expect(archived.updated).toEqual({ [room.id]: null });
    expect(await getConversation(bob, room.id)).toMatchObject({ isArchived: true });
    expect(
      (await ok(bob, 'Conversation/query', { filter: { isArchived: true, text: 'Archive me' } }))
        .ids,
    ).toEqual([room.id]);

    const carl = await newUser();
    expect((await addParticipant(ann, room.id, carl)).notCreated.p.type).toBe('forbidden');
    const rename = await ok(ann, 'Conversation/set', { update: { [room.id]: { title: 'New' } } });
    expect(rename.notUpdated[room.id].type).toBe('forbidden');
    const post = await one(bob, 'Message/set', {
      create: { m: { conversationId: room.id, body: 'late' } },
    });
    expect(post.notCreated.m.type).toBe('forbidden');
    const mute = await ok(bob, 'Conversation/set', { update: { [room.id]: { isMuted: true } } });
    expect(mute.updated).toEqual({ [room.id]: null });

    const unarchived = await ok(ann, 'Conversation/set', {
      update: { [room.id]: { isArchived: false } },
    });
    expect(unarchived.updated).toEqual({ [room.id]: null });
    expect((await addParticipant(ann, room.id, carl)).created.p.userId).toBe(carl.id);
    expect(await systemMessages(ann, room.id)).toEqual(
      expect.arrayContaining(['Ann archived the conversation', 'Ann unarchived the conversation']),
    );
  });

  it('updates title, description, settings (by patch path) and privacy with conversation.update', async () => {
    const byMember = await ok(bob, 'Conversation/set', {
      update: { [room.id]: { title: 'Mine now' } },
    });
    expect(byMember.notUpdated[room.id].type).toBe('forbidden');
    const updated = await ok(ann, 'Conversation/set', {
      update: {
        [room.id]: {
          title: 'Renamed',
          description: 'New words',
          'settings/theme': 'light',
          privacyLevel: 'public',
        },
      },
    });
    expect(updated.updated).toEqual({ [room.id]: null });
    expect(await getConversation(bob, room.id)).toMatchObject({
      title: 'Renamed',
      description: 'New words',
      settings: { theme: 'light' },
      privacyLevel: 'public',
    });
    const readOnly = await ok(ann, 'Conversation/set', {
      update: { [room.id]: { conversationType: 'channel', participantIds: [], unreadCount: 0 } },
    });
    expect(readOnly.notUpdated[room.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['conversationType', 'participantIds'],
    });
    expect(await systemMessages(bob, room.id)).toContain(
      'Ann changed the title, description, privacyLevel',
    );
  });
});

describe('destroying a conversation', () => {
  it('needs conversation.delete (the owner); afterwards nobody finds it', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const room = await createConversation(ann, { participantIds: [bob.id] });
    const mine = await participantOf(ann, room.id, ann.id);
    const byMember = await ok(bob, 'Conversation/set', { destroy: [room.id] });
    expect(byMember.notDestroyed[room.id].type).toBe('forbidden');
    const destroyed = await ok(ann, 'Conversation/set', { destroy: [room.id] });
    expect(destroyed.destroyed).toEqual([room.id]);
    for (const user of [ann, bob]) {
      const got = await ok(user, 'Conversation/get', { ids: [room.id] });
      expect(got.notFound).toEqual([room.id]);
    }
    expect((await ok(ann, 'Participant/get', { ids: [mine.id] })).notFound).toEqual([mine.id]);
    const again = await ok(ann, 'Conversation/set', { destroy: [room.id] });
    expect(again.notDestroyed[room.id].type).toBe('notFound');
  });
});

describe('destroying a direct conversation', () => {
  it('is not for its two people; a system admin destroys only what they can see', async () => {
    const [ann, bob, admin] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    const direct = await createConversation(ann, {
      conversationType: 'direct',
      title: null,
      participantIds: [bob.id],
    });
    const byAnn = await ok(ann, 'Conversation/set', { destroy: [direct.id] });
    expect(byAnn.notDestroyed[direct.id].type).toBe('forbidden');
    // Not a member, so it is not visible to the admin either.
    const hidden = await ok(admin, 'Conversation/set', { destroy: [direct.id] });
    expect(hidden.notDestroyed[direct.id].type).toBe('notFound');

    const listed = await createConversation(ann, {
      privacyLevel: 'public',
      participantIds: [bob.id],
    });
    const byAdmin = await ok(admin, 'Conversation/set', { destroy: [listed.id] });
    expect(byAdmin.destroyed).toEqual([listed.id]);
  });

  it('lets a pair whose direct conversation was destroyed start a new one', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const direct = await createConversation(ann, {
      conversationType: 'direct',
      title: null,
      participantIds: [bob.id],
    });
    await grantSystemAdmin(ann);
    const destroyed = await ok(ann, 'Conversation/set', { destroy: [direct.id] });
    expect(destroyed.destroyed).toEqual([direct.id]);
    const fresh = await createConversation(bob, {
      conversationType: 'direct',
      title: null,
      participantIds: [ann.id],
    });
    expect(fresh.id).not.toBe(direct.id);
  });
});

describe('announcements', () => {
  it('lets only owners and admins post, or whoever is granted messages.send there', async () => {
    const [ann, bob, admin] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    const room = await createConversation(ann, {
      conversationType: 'announcement',
      participantIds: [bob.id],
    });
    expect((await sendMessage(ann, room.id, 'News')).created.m).toBeDefined();
    const denied = await one(bob, 'Message/set', {
      create: { m: { conversationId: room.id, body: 'Me too' } },
    });
    expect(denied.notCreated.m.type).toBe('forbidden');

    const role = await ok(admin, 'Role/set', {
      create: { r: { name: `poster-${Date.now()}`, permissions: ['messages.send'] } },
    });
    const grant = await ok(ann, 'ConversationRole/set', {
      create: { g: { conversationId: room.id, userId: bob.id, roleId: role.created.r.id } },
    });
    expect(grant.created.g).toMatchObject({ grantedBy: ann.id });
    // messaging caches access per member and drops it on the accessChanged event.
    const posted = await eventually(async () => {
      const attempt = await one(bob, 'Message/set', {
        create: { m: { conversationId: room.id, body: 'Allowed now' } },
      });
      return attempt.created?.m ?? undefined;
    });
    expect(posted.id).toEqual(expect.any(String));

    // Revoked, it stops at once: sends may use an answer messaging keeps in memory for 5 s,
    // which every replica drops on the event (well before that).
    await ok(ann, 'ConversationRole/set', { destroy: [grant.created.g.id] });
    const revokedAt = Date.now();
    const refused = await eventually(
      async () => {
        const attempt = await one(bob, 'Message/set', {
          create: { m: { conversationId: room.id, body: 'Still here?' } },
        });
        return attempt.notCreated?.m ?? undefined;
      },
      2000,
      'the revoked grant to stop sends',
    );
    expect(refused.type).toBe('forbidden');
    expect(Date.now() - revokedAt).toBeLessThan(2000);
  });
});

describe('other services asking about membership', () => {
  it('Participant ids of the active members are the Conversation participantIds', async () => {
    const [ann, bob, cat] = await Promise.all([newUser(), newUser(), newUser()]);
    const room = await createConversation(ann, { participantIds: [bob.id, cat.id] });
    const participants = await ok(ann, 'Participant/query', {
      filter: { conversationId: room.id },
      calculateTotal: true,
    });
    expect(participants.total).toBe(3);
    const got = await ok(ann, 'Participant/get', { ids: participants.ids, properties: ['userId'] });
    expect(got.list.map((p: { userId: string }) => p.userId).sort()).toEqual(
      [ann.id, bob.id, cat.id].sort(),
    );
    expect(got.list[0]).toEqual({ id: expect.any(String), userId: expect.any(String) });
  });
});
