// Issue 10 ("Hard to break"): `ifInState` is atomic with the write it guards. Several /set calls
// of one account sent at once with the same ifInState: exactly one writes, every other gets
// stateMismatch (none may pass its check before the winner's write and then write too).
import {
  createConversation,
  eventually,
  grantSystemAdmin,
  ok,
  participantOf,
} from './conversations.fixtures';
import { jmap, newUser, type TestUser } from './support/http';

/** Calls sent at once with the same ifInState, and how many times (each from a fresh state). */
const RACERS = 8;
const ROUNDS = 3;

interface Race {
  /** Method `method`, the state read before each round, the arguments of each call. */
  user: TestUser;
  method: string;
  state: () => Promise<string>;
  args: (round: number, index: number) => Record<string, unknown>;
  /** Whether a winning response did write. */
  wrote: (response: Record<string, any>) => boolean;
}

/** Runs ROUNDS races; in each, exactly one call writes and every other gets stateMismatch. */
async function expectOneWinnerPerRound(race: Race): Promise<void> {
  for (let round = 0; round < ROUNDS; round += 1) {
    const ifInState = await race.state();
    const answers = await Promise.all(
      Array.from({ length: RACERS }, (_, index) =>
        jmap(race.user.accessToken, [
          [race.method, { accountId: race.user.id, ifInState, ...race.args(round, index) }, 'r'],
        ]),
      ),
    );
    const won: Record<string, any>[] = [];
    const other: unknown[] = [];
    let mismatched = 0;
    for (const answer of answers) {
      const [name, args] = answer.body.methodResponses?.[0] ?? [];
      if (answer.status === 200 && name === race.method) won.push(args as Record<string, any>);
      else if (name === 'error' && args?.['type'] === 'stateMismatch') mismatched += 1;
      else other.push(answer.body);
    }
    expect(other).toEqual([]);
    expect(won).toHaveLength(1);
    expect(mismatched).toBe(RACERS - 1);
    expect(race.wrote(won[0]!)).toBe(true);
  }
}

describe('concurrent /set calls with the same ifInState', () => {
  let ann: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let room: string;
  const tag = Date.now().toString(36);

  beforeAll(async () => {
    [ann, bob, admin] = await Promise.all([newUser(), newUser(), newUser()]);
    await grantSystemAdmin(admin);
    room = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
  });

  const stateOf = (user: TestUser, method: string, args: Record<string, unknown>) => async () =>
    (await ok(user, method, args))['state'] as string;
  /**
   * A state with nothing changed since it, as Foo/changes says. States are sync horizons: one
   * read while a transaction that started earlier (any, on the server) is still open may lie
   * below the last write, which then still counts as a change since it.
   */
  const currentState = (user: TestUser, type: string, args: Record<string, unknown>) => () =>
    eventually(async () => {
      const state = await stateOf(user, `${type}/get`, args)();
      const changes = await ok(user, `${type}/changes`, { sinceState: state });
      const changed = ['created', 'updated', 'destroyed'].flatMap((kind) => changes[kind]);
      return changed.length === 0 ? state : undefined;
    });
  const updated = (id: string) => (won: Record<string, any>) => id in (won['updated'] ?? {});
  const created = (key: string) => (won: Record<string, any>) =>
    typeof won['created']?.[key]?.['id'] === 'string';

  it('Conversation/set: one update of the title wins', async () => {
    await expectOneWinnerPerRound({
      user: ann,
      method: 'Conversation/set',
      state: currentState(ann, 'Conversation', { ids: [room] }),
      args: (round, i) => ({ update: { [room]: { title: `Title ${round}.${i}` } } }),
      wrote: updated(room),
    });
  });

  it('Participant/set: one change of my own participant wins', async () => {
    const mine = (await participantOf(ann, room, ann.id))['id'] as string;
    await expectOneWinnerPerRound({
      user: ann,
      method: 'Participant/set',
      state: currentState(ann, 'Participant', { ids: [mine] }),
      args: (round, i) => ({ update: { [mine]: { metadata: { attempt: `${round}.${i}` } } } }),
      wrote: updated(mine),
    });
  });

  it('Message/set: one send wins, though sends are stored in shared batches', async () => {
    await expectOneWinnerPerRound({
      user: ann,
      method: 'Message/set',
      state: currentState(ann, 'Message', { ids: [] }),
      args: (round, i) => ({
        create: { m: { conversationId: room, body: `attempt ${round}.${i}` } },
      }),
      wrote: created('m'),
    });
    const stored = await ok(ann, 'Message/query', {
      filter: { conversationId: room, text: 'attempt' },
    });
    expect(stored['ids']).toHaveLength(ROUNDS);
  });

  describe('roles and grants', () => {
    /** A role for each call of each round. */
    let roleIds: string[][];

    beforeAll(async () => {
      const names = Array.from({ length: ROUNDS * RACERS }, (_, n) => `race-${tag}-${n}`);
      const roles = await ok(admin, 'Role/set', {
        create: Object.fromEntries(
          names.map((name, n) => [`r${n}`, { name, permissions: ['messages.send'] }]),
        ),
      });
      roleIds = Array.from({ length: ROUNDS }, (_, round) =>
        Array.from({ length: RACERS }, (_, i) => roles['created'][`r${round * RACERS + i}`]['id']),
      );
    });

    it('Role/set: one new role wins', async () => {
      await expectOneWinnerPerRound({
        user: admin,
        method: 'Role/set',
        state: currentState(admin, 'Role', { ids: [] }),
        args: (round, i) => ({ create: { n: { name: `race-${tag}-new-${round}.${i}` } } }),
        wrote: created('n'),
      });
    });

    it('UserRole/set: one system grant wins', async () => {
      await expectOneWinnerPerRound({
        user: admin,
        method: 'UserRole/set',
        state: currentState(admin, 'UserRole', { ids: [] }),
        args: (round, i) => ({ create: { g: { userId: bob.id, roleId: roleIds[round]![i] } } }),
        wrote: created('g'),
      });
    });

    it('ConversationRole/set: one conversation grant wins', async () => {
      await expectOneWinnerPerRound({
        user: ann,
        method: 'ConversationRole/set',
        state: currentState(ann, 'ConversationRole', { ids: [] }),
        args: (round, i) => ({
          create: { g: { conversationId: room, userId: bob.id, roleId: roleIds[round]![i] } },
        }),
        wrote: created('g'),
      });
    });
  });

  it('User/set: one change of my display name wins', async () => {
    await expectOneWinnerPerRound({
      user: ann,
      method: 'User/set',
      state: stateOf(ann, 'User/get', { ids: [ann.id] }),
      args: (round, i) => ({ update: { [ann.id]: { displayName: `Ann ${round}.${i}` } } }),
      wrote: updated(ann.id),
    });
  });

  it('Presence/set: one change of my status message wins', async () => {
    await expectOneWinnerPerRound({
      user: ann,
      method: 'Presence/set',
      state: currentState(ann, 'Presence', { ids: [ann.id] }),
      args: (round, i) => ({ update: { [ann.id]: { statusMessage: `busy ${round}.${i}` } } }),
      wrote: updated(ann.id),
    });
  });

  it('still lets a /set without ifInState, or with the current state, through', async () => {
    const state = await currentState(ann, 'Conversation', { ids: [room] })();
    const guarded = await ok(ann, 'Conversation/set', {
      ifInState: state,
      update: { [room]: { description: 'checked' } },
    });
    expect(guarded['updated']).toHaveProperty(room);
    const stale = await jmap(ann.accessToken, [
      [
        'Conversation/set',
        { accountId: ann.id, ifInState: state, update: { [room]: { description: 'stale' } } },
        's',
      ],
    ]);
    expect(stale.body.methodResponses[0]).toEqual([
      'error',
      expect.objectContaining({ type: 'stateMismatch' }),
      's',
    ]);
    const unguarded = await ok(ann, 'Conversation/set', {
      update: { [room]: { description: 'unguarded' } },
    });
    expect(unguarded['updated']).toHaveProperty(room);
  });
});
