import { newUser, type TestUser } from './support/http';
import { JmapSocket } from './support/push-clients';
import {
  addParticipant,
  createConversation,
  eventually,
  grantSystemAdmin,
  ok,
  one,
  participantOf,
} from './conversations.fixtures';

type SyncedType = 'Conversation' | 'Participant' | 'Role' | 'UserRole' | 'ConversationRole';

interface Changes {
  created: string[];
  updated: string[];
  destroyed: string[];
  newState: string;
  hasMoreChanges: boolean;
}

async function changes(
  user: TestUser,
  type: SyncedType,
  sinceState: string,
  maxChanges?: number,
): Promise<Changes> {
  return ok(user, `${type}/changes`, {
    sinceState,
    ...(maxChanges ? { maxChanges } : {}),
  }) as Promise<Changes>;
}

/**
 * A state that nothing already seen comes after. States are snapshot horizons, which may lag
 * behind a write that committed while another transaction was running; such a state reports
 * that write again (JMAP allows it), so a test that asserts exact lists starts from a state
 * whose /changes is empty.
 */
async function settledState(user: TestUser, type: SyncedType): Promise<string> {
  let state = (await ok(user, `${type}/get`, { ids: [] })).state as string;
  for (let attempt = 0; attempt < 50; attempt++) {
    const pending = await changes(user, type, state);
    if (pending.created.length + pending.updated.length + pending.destroyed.length === 0)
      return state;
    state = pending.newState;
  }
  throw new Error(`${type} state of ${user.id} never settled`);
}

/** /changes since `state`, followed over every page. */
async function allChanges(
  user: TestUser,
  type: SyncedType,
  state: string,
  maxChanges?: number,
): Promise<Changes> {
  const total: Changes = {
    created: [],
    updated: [],
    destroyed: [],
    newState: state,
    hasMoreChanges: true,
  };
  while (total.hasMoreChanges) {
    const page = await changes(user, type, total.newState, maxChanges);
    total.created.push(...page.created);
    total.updated.push(...page.updated);
    total.destroyed.push(...page.destroyed);
    total.newState = page.newState;
    total.hasMoreChanges = page.hasMoreChanges;
  }
  return total;
}

function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}

describe('Conversation/changes and Participant/changes after each kind of change', () => {
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let room: Record<string, any>;
  let annPart: string;
  let bobPart: string;

  beforeAll(async () => {
    [ann, bob, cat] = await Promise.all([newUser(), newUser(), newUser()]);
  });

  it('reports a new conversation as created to each member, with all its participants', async () => {
    const bobConversations = await settledState(bob, 'Conversation');
    const bobParticipants = await settledState(bob, 'Participant');
    room = await createConversation(ann, {
      privacyLevel: 'public',
      title: 'Sync',
      participantIds: [bob.id],
    });
    annPart = (await participantOf(ann, room.id, ann.id)).id;
    bobPart = (await participantOf(ann, room.id, bob.id)).id;
    const conversationChanges = await changes(bob, 'Conversation', bobConversations);
    expect(conversationChanges).toMatchObject({
      created: [room.id],
      updated: [],
      destroyed: [],
      hasMoreChanges: false,
    });
    const participantChanges = await changes(bob, 'Participant', bobParticipants);
    expect(sorted(participantChanges.created)).toEqual(sorted([annPart, bobPart]));
    expect(participantChanges.destroyed).toEqual([]);
  });

  it('reports a shared update to every member', async () => {
    const [annState, bobState] = await Promise.all([
      settledState(ann, 'Conversation'),
      settledState(bob, 'Conversation'),
    ]);
    await ok(ann, 'Conversation/set', { update: { [room.id]: { title: 'Sync 2' } } });
    for (const [user, state] of [
      [ann, annState],
      [bob, bobState],
    ] as const) {
      expect(await changes(user, 'Conversation', state)).toMatchObject({
        created: [],
        updated: [room.id],
        destroyed: [],
      });
    }
  });

  it('reports a mute to the muting member only', async () => {
    const [annState, bobState] = await Promise.all([
      settledState(ann, 'Conversation'),
      settledState(bob, 'Conversation'),
    ]);
    await ok(bob, 'Conversation/set', { update: { [room.id]: { isMuted: true } } });
    expect(await changes(bob, 'Conversation', bobState)).toMatchObject({ updated: [room.id] });
    expect(await changes(ann, 'Conversation', annState)).toMatchObject({
      created: [],
      updated: [],
      destroyed: [],
    });
  });

  it('reports a join: created for the joiner, participantIds updated for members, one new participant', async () => {
    const [annConversations, annParticipants, catConversations, catParticipants] =
      await Promise.all([
        settledState(ann, 'Conversation'),
        settledState(ann, 'Participant'),
        settledState(cat, 'Conversation'),
        settledState(cat, 'Participant'),
      ]);
    const joined = await ok(cat, 'Participant/set', { create: { j: { conversationId: room.id } } });
    const catPart = joined.created.j.id;
    expect(await changes(cat, 'Conversation', catConversations)).toMatchObject({
      created: [room.id],
      updated: [],
    });
    expect(sorted((await changes(cat, 'Participant', catParticipants)).created)).toEqual(
      sorted([annPart, bobPart, catPart]),
    );
    expect(await changes(ann, 'Conversation', annConversations)).toMatchObject({
      created: [],
      updated: [room.id],
    });
    expect(await changes(ann, 'Participant', annParticipants)).toMatchObject({
      created: [catPart],
      updated: [],
      destroyed: [],
    });
  });

  it('reports a role change as an updated participant and conversation (myRole) for its holder', async () => {
    const [bobConversations, catParticipants] = await Promise.all([
      settledState(bob, 'Conversation'),
      settledState(cat, 'Participant'),
    ]);
    await ok(ann, 'Participant/set', { update: { [bobPart]: { role: 'moderator' } } });
    // Ann's participant moves too: the system message she posted is read by her.
    expect(await changes(cat, 'Participant', catParticipants)).toMatchObject({
      created: [],
      updated: expect.arrayContaining([bobPart]),
      destroyed: [],
    });
    expect(await changes(bob, 'Conversation', bobConversations)).toMatchObject({
      updated: [room.id],
    });
  });

  it('reports a new message as an updated conversation (last message, unread count)', async () => {
    const catState = await settledState(cat, 'Conversation');
    await ok(ann, 'Message/set', { create: { m: { conversationId: room.id, body: 'ping' } } });
    expect(await changes(cat, 'Conversation', catState)).toMatchObject({
      created: [],
      updated: [room.id],
      destroyed: [],
    });
  });

  it('reports leaving a listed conversation as updated (still visible), its participant as destroyed', async () => {
    const [catConversations, annParticipants] = await Promise.all([
      settledState(cat, 'Conversation'),
      settledState(ann, 'Participant'),
    ]);
    const catPart = (await participantOf(cat, room.id, cat.id)).id;
    await ok(cat, 'Participant/set', { destroy: [catPart] });
    expect(await changes(cat, 'Conversation', catConversations)).toMatchObject({
      created: [],
      updated: [room.id],
      destroyed: [],
    });
    expect(await changes(ann, 'Participant', annParticipants)).toMatchObject({
      destroyed: [catPart],
    });
  });

  it('reports a private conversation one was removed from as destroyed, with all its participants', async () => {
    const secret = await createConversation(ann, {
      title: 'Secret',
      participantIds: [bob.id, cat.id],
    });
    const parts = await ok(ann, 'Participant/query', { filter: { conversationId: secret.id } });
    const catPart = (await participantOf(ann, secret.id, cat.id)).id;
    const [catConversations, catParticipants, bobParticipants] = await Promise.all([
      settledState(cat, 'Conversation'),
      settledState(cat, 'Participant'),
      settledState(bob, 'Participant'),
    ]);
    await ok(ann, 'Participant/set', { destroy: [catPart] });
    expect(await changes(cat, 'Conversation', catConversations)).toMatchObject({
      created: [],
      updated: [],
      destroyed: [secret.id],
    });
    const catSees = await changes(cat, 'Participant', catParticipants);
    expect(sorted(catSees.destroyed)).toEqual(sorted(parts.ids));
    expect(catSees.created).toEqual([]);
    expect(await changes(bob, 'Participant', bobParticipants)).toMatchObject({
      destroyed: [catPart],
      created: [],
    });
  });

  it('reports a destroyed conversation as destroyed to every former member', async () => {
    const doomed = await createConversation(ann, { participantIds: [bob.id] });
    const [annState, bobState] = await Promise.all([
      settledState(ann, 'Conversation'),
      settledState(bob, 'Conversation'),
    ]);
    await ok(ann, 'Conversation/set', { destroy: [doomed.id] });
    for (const [user, state] of [
      [ann, annState],
      [bob, bobState],
    ] as const) {
      expect(await changes(user, 'Conversation', state)).toMatchObject({
        created: [],
        updated: [],
        destroyed: [doomed.id],
      });
    }
  });

  it('pages with maxChanges and reaches the same lists', async () => {
    const dan = await newUser();
    const start = await settledState(dan, 'Participant');
    const rooms = await Promise.all(
      [1, 2, 3].map(() => createConversation(ann, { participantIds: [dan.id, bob.id] })),
    );
    const everything = await allChanges(dan, 'Participant', start);
    expect(everything.created).toHaveLength(9);
    const first = await changes(dan, 'Participant', start, 2);
    expect(first).toMatchObject({ hasMoreChanges: true });
    expect(first.created).toHaveLength(2);
    // A page may report a participant created on an earlier page again, as updated.
    const paged = await allChanges(dan, 'Participant', start, 2);
    expect(sorted([...new Set(paged.created)])).toEqual(sorted(everything.created));
    expect(paged.destroyed).toEqual([]);
    expect(rooms).toHaveLength(3);
  });

  it('answers cannotCalculateChanges for states this server never issued', async () => {
    for (const sinceState of ['not a state', 'zzzzzzzzzzzz', '1.not/an/id']) {
      const answer = await one(ann, 'Conversation/changes', { sinceState });
      expect(answer.type).toBe('cannotCalculateChanges');
    }
    const participant = await one(ann, 'Participant/changes', { sinceState: 'zzzzzzzzzzzz' });
    expect(participant.type).toBe('cannotCalculateChanges');
    const old = await one(ann, 'Conversation/changes', { sinceState: '0' });
    expect(old.created).toEqual(expect.arrayContaining([room.id]));
  });
});

describe('a page cut at a created object keeps its later update', () => {
  // Each case creates two objects in two transactions (J1 < J2), takes a first page of one that
  // ends at the first one's creation (cursor (J1, first)), then updates the first one at U > J1:
  // the following pages must still report it (created or updated).
  let eve: TestUser;

  beforeAll(async () => {
    eve = await newUser();
    await grantSystemAdmin(eve);
  });

  /** A one-object first page cut at a row (not at the horizon): its created list and cursor. */
  async function firstPage(type: SyncedType, start: string): Promise<Changes> {
    return eventually(async () => {
      const page = await changes(eve, type, start, 1);
      return page.hasMoreChanges && !page.newState.includes('~') ? page : undefined;
    });
  }

  async function reportedAfter(type: SyncedType, state: string): Promise<string[]> {
    const rest = await allChanges(eve, type, state);
    return [...rest.created, ...rest.updated];
  }

  it('for a conversation', async () => {
    const start = await settledState(eve, 'Conversation');
    const first = await createConversation(eve, { title: 'First' });
    await createConversation(eve, { title: 'Second' });
    const page = await firstPage('Conversation', start);
    expect(page.created).toEqual([first.id]);
    await ok(eve, 'Conversation/set', { update: { [first.id]: { title: 'First, renamed' } } });
    expect(await reportedAfter('Conversation', page.newState)).toContain(first.id);
  });

  it('for a participant', async () => {
    const start = await settledState(eve, 'Participant');
    const first = await createConversation(eve, { title: 'First' });
    await createConversation(eve, { title: 'Second' });
    const mine = (await participantOf(eve, first.id, eve.id)).id;
    const page = await firstPage('Participant', start);
    expect(page.created).toEqual([mine]);
    await ok(eve, 'Participant/set', { update: { [mine]: { displayName: 'Eve, renamed' } } });
    expect(await reportedAfter('Participant', page.newState)).toContain(mine);
  });

  it('for a role', async () => {
    const start = await settledState(eve, 'Role');
    const tag = Date.now().toString(36);
    const first = (await ok(eve, 'Role/set', { create: { r: { name: `first-${tag}` } } })).created.r
      .id as string;
    await ok(eve, 'Role/set', { create: { r: { name: `second-${tag}` } } });
    const page = await firstPage('Role', start);
    expect(page.created).toEqual([first]);
    await ok(eve, 'Role/set', { update: { [first]: { description: 'renamed' } } });
    expect(await reportedAfter('Role', page.newState)).toContain(first);
  });
});

describe('Conversation/queryChanges after each kind of change', () => {
  let ann: TestUser;
  let bob: TestUser;
  let tag: string;

  beforeAll(async () => {
    [ann, bob] = await Promise.all([newUser(), newUser()]);
    tag = `qc${Date.now().toString(36)}`;
  });

  async function queryState(
    user: TestUser,
    filter: Record<string, unknown>,
  ): Promise<{ ids: string[]; queryState: string }> {
    const first = await ok(user, 'Conversation/query', { filter, sort: [{ property: 'title' }] });
    // A query state is a horizon too: settle it like settledState does.
    let state = first.queryState as string;
    for (let attempt = 0; attempt < 50; attempt++) {
      const pending = await ok(user, 'Conversation/queryChanges', {
        filter,
        sort: [{ property: 'title' }],
        sinceQueryState: state,
      });
      const current = await ok(user, 'Conversation/query', {
        filter,
        sort: [{ property: 'title' }],
      });
      if (pending.added.length === 0 && pending.removed.length === 0)
        return { ids: current.ids, queryState: state };
      state = pending.newQueryState;
    }
    throw new Error('query state never settled');
  }

  async function queryChanges(
    user: TestUser,
    filter: Record<string, unknown>,
    sinceQueryState: string,
  ) {
    return ok(user, 'Conversation/queryChanges', {
      filter,
      sort: [{ property: 'title' }],
      sinceQueryState,
      calculateTotal: true,
    });
  }

  it('adds a created conversation at its index, and moves a renamed one', async () => {
    const mine = { text: tag };
    const a = await createConversation(ann, { title: `${tag} a`, participantIds: [bob.id] });
    const c = await createConversation(ann, { title: `${tag} c` });
    const before = await queryState(ann, mine);
    expect(before.ids).toEqual([a.id, c.id]);

    const b = await createConversation(ann, { title: `${tag} b` });
    const added = await queryChanges(ann, mine, before.queryState);
    expect(added).toMatchObject({
      oldQueryState: before.queryState,
      total: 3,
      added: [{ id: b.id, index: 1 }],
    });
    expect(added.removed).toContain(b.id);

    const renamed = await queryState(ann, mine);
    await ok(ann, 'Conversation/set', { update: { [a.id]: { title: `${tag} d` } } });
    const moved = await queryChanges(ann, mine, renamed.queryState);
    expect(moved.removed).toContain(a.id);
    expect(moved.added).toEqual([{ id: a.id, index: 2 }]);
    const current = await ok(ann, 'Conversation/query', {
      filter: mine,
      sort: [{ property: 'title' }],
    });
    expect(current.ids).toEqual([b.id, c.id, a.id]);
  });

  it('removes a conversation one was removed from, and adds one one was invited to', async () => {
    const mine = { text: tag };
    const shared = await createConversation(ann, {
      title: `${tag} shared`,
      participantIds: [bob.id],
    });
    const before = await queryState(bob, mine);
    expect(before.ids).toContain(shared.id);
    await ok(ann, 'Participant/set', {
      destroy: [(await participantOf(ann, shared.id, bob.id)).id],
    });
    const removed = await queryChanges(bob, mine, before.queryState);
    expect(removed.removed).toContain(shared.id);
    expect(removed.added.map((item: { id: string }) => item.id)).not.toContain(shared.id);

    const again = await queryState(bob, mine);
    await addParticipant(ann, shared.id, bob);
    const added = await queryChanges(bob, mine, again.queryState);
    expect(added.added.map((item: { id: string }) => item.id)).toContain(shared.id);
  });

  it('follows the directory: new public conversations appear, ones made private disappear', async () => {
    const directory = { isMember: false, text: tag };
    const before = await queryState(bob, directory);
    const open = await createConversation(ann, { title: `${tag} open`, privacyLevel: 'public' });
    const appeared = await queryChanges(bob, directory, before.queryState);
    expect(appeared.added).toEqual(
      expect.arrayContaining([{ id: open.id, index: expect.any(Number) }]),
    );

    const listed = await queryState(bob, directory);
    expect(listed.ids).toContain(open.id);
    await ok(ann, 'Conversation/set', { update: { [open.id]: { privacyLevel: 'private' } } });
    const gone = await queryChanges(bob, directory, listed.queryState);
    expect(gone.removed).toContain(open.id);
    expect(gone.added.map((item: { id: string }) => item.id)).not.toContain(open.id);
  });

  it('answers tooManyChanges past maxChanges and cannotCalculateChanges for a foreign state', async () => {
    const filter = { text: tag };
    const before = await queryState(ann, filter);
    await createConversation(ann, { title: `${tag} x` });
    await createConversation(ann, { title: `${tag} y` });
    const many = await one(ann, 'Conversation/queryChanges', {
      filter,
      sort: [{ property: 'title' }],
      sinceQueryState: before.queryState,
      maxChanges: 1,
    });
    expect(many.type).toBe('tooManyChanges');
    const foreign = await one(ann, 'Conversation/queryChanges', {
      filter,
      sinceQueryState: 'zzzzzzzzzzzz',
    });
    expect(foreign.type).toBe('cannotCalculateChanges');
  });
});

describe('ifInState compares by meaning', () => {
  it('accepts a state with no visible change since, and answers stateMismatch after one', async () => {
    const [ann, bob, stranger] = await Promise.all([newUser(), newUser(), newUser()]);
    const room = await createConversation(ann, { title: 'If', participantIds: [bob.id] });
    const state = await settledState(ann, 'Conversation');
    // A change Ann cannot see does not move her meaning of the state.
    await createConversation(stranger, { title: 'Elsewhere' });
    const accepted = await ok(ann, 'Conversation/set', {
      ifInState: state,
      update: { [room.id]: { title: 'If 2' } },
    });
    expect(accepted).toMatchObject({ oldState: state, updated: { [room.id]: null } });

    const stale = await one(ann, 'Conversation/set', {
      ifInState: state,
      update: { [room.id]: { title: 'If 3' } },
    });
    expect(stale.type).toBe('stateMismatch');
    const bogus = await one(ann, 'Conversation/set', {
      ifInState: 'nonsense!',
      update: { [room.id]: { title: 'If 3' } },
    });
    expect(bogus.type).toBe('stateMismatch');
    expect((await ok(ann, 'Conversation/get', { ids: [room.id] })).list[0].title).toBe('If 2');

    const participantState = await settledState(bob, 'Participant');
    await ok(ann, 'Participant/set', {
      update: { [(await participantOf(ann, room.id, bob.id)).id]: { role: 'moderator' } },
    });
    const staleParticipant = await one(bob, 'Participant/set', {
      ifInState: participantState,
      update: { [(await participantOf(bob, room.id, bob.id)).id]: { isMuted: true } },
    });
    expect(staleParticipant.type).toBe('stateMismatch');
  });
});

describe('push after membership changes', () => {
  it('pushes Conversation and Participant state to an invited member, and to a removed one', async () => {
    const [ann, bob] = await Promise.all([newUser(), newUser()]);
    const room = await createConversation(ann, { title: 'Pushed' });
    const socket = await JmapSocket.open(bob.accessToken);
    try {
      await socket.enablePush({ dataTypes: ['Conversation', 'Participant'] });
      const before = await settledState(bob, 'Conversation');
      const invited = await addParticipant(ann, room.id, bob);
      const added = await socket.stateChange(bob.id, ['Conversation', 'Participant']);
      const pushedState = added.changed[bob.id].Conversation as string;
      expect((await changes(bob, 'Conversation', before)).created).toEqual([room.id]);

      await ok(ann, 'Participant/set', { destroy: [invited.created.p.id] });
      await socket.next(
        (frame) =>
          frame['@type'] === 'StateChange' &&
          frame.changed?.[bob.id]?.Conversation !== undefined &&
          frame.changed[bob.id].Conversation !== pushedState,
        5000,
        'a second Conversation StateChange',
      );
      expect((await allChanges(bob, 'Conversation', pushedState)).destroyed).toContain(room.id);
    } finally {
      await socket.close();
    }
  });
});
