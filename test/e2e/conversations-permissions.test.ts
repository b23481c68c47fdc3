// The permission matrix: every method × participant role × privacy level, each answer asserted.
import { call, newUser, type TestUser } from './support/http';
import { grantSystemAdmin, ok, one } from './conversations.fixtures';

type Role = 'owner' | 'admin' | 'moderator' | 'member' | 'outsider';
type Privacy = 'private' | 'public' | 'restricted';
type Outcome = 'ok' | 'forbidden' | 'notFound' | 'alreadyExists';

const ROLES: readonly Role[] = ['owner', 'admin', 'moderator', 'member', 'outsider'];
const PRIVACY_LEVELS: readonly Privacy[] = ['private', 'public', 'restricted'];

const o = 'ok';
const F = 'forbidden';
const N = 'notFound';
const A = 'alreadyExists';

/**
 * Expected answers, per method and privacy level, for the actor's role in a group conversation:
 *                                owner admin moderator member outsider
 */
const MATRIX: Record<string, Record<Privacy, [Outcome, Outcome, Outcome, Outcome, Outcome]>> = {
  'Conversation/get': {
    private: [o, o, o, o, N],
    public: [o, o, o, o, o],
    restricted: [o, o, o, o, o],
  },
  'Conversation/set update title': {
    private: [o, o, F, F, N],
    public: [o, o, F, F, F],
    restricted: [o, o, F, F, F],
  },
  'Conversation/set archive': {
    private: [o, o, F, F, N],
    public: [o, o, F, F, F],
    restricted: [o, o, F, F, F],
  },
  'Conversation/set mute': {
    private: [o, o, o, o, N],
    public: [o, o, o, o, F],
    restricted: [o, o, o, o, F],
  },
  'Conversation/set destroy': {
    private: [o, F, F, F, N],
    public: [o, F, F, F, F],
    restricted: [o, F, F, F, F],
  },
  'Participant/get': {
    private: [o, o, o, o, N],
    public: [o, o, o, o, o],
    restricted: [o, o, o, o, o],
  },
  'Participant/set create (invite)': {
    private: [o, o, o, F, N],
    public: [o, o, o, F, F],
    restricted: [o, o, o, F, F],
  },
  'Participant/set create (join)': {
    private: [A, A, A, A, N],
    public: [A, A, A, A, o],
    restricted: [A, A, A, A, F],
  },
  'Participant/set update role': {
    private: [o, o, F, F, N],
    public: [o, o, F, F, F],
    restricted: [o, o, F, F, F],
  },
  'Participant/set update permissions': {
    private: [o, o, F, F, N],
    public: [o, o, F, F, F],
    restricted: [o, o, F, F, F],
  },
  'Participant/set destroy (remove a member)': {
    private: [o, o, o, F, N],
    public: [o, o, o, F, F],
    restricted: [o, o, o, F, F],
  },
  'ConversationRole/set create': {
    private: [o, o, F, F, N],
    public: [o, o, F, F, F],
    restricted: [o, o, F, F, F],
  },
};

interface Cell {
  conversationId: string;
  /** A plain member the action is applied to (made moderator, removed, granted a role). */
  targetParticipantId: string;
}

describe('permission matrix: method × role × privacy level', () => {
  const users = {} as Record<Role | 'target' | 'invitee' | 'sysadmin', TestUser>;
  let posterRoleId: string;

  beforeAll(async () => {
    const names = [
      'owner',
      'admin',
      'moderator',
      'member',
      'outsider',
      'target',
      'invitee',
      'sysadmin',
    ] as const;
    const made = await Promise.all(names.map((name) => newUser({ displayName: `Matrix ${name}` })));
    names.forEach((name, index) => (users[name] = made[index]!));
    await grantSystemAdmin(users.sysadmin);
    const role = await ok(users.sysadmin, 'Role/set', {
      create: { r: { name: `matrix-poster-${Date.now()}`, permissions: ['messages.send'] } },
    });
    posterRoleId = role.created.r.id;
  });

  /** A fresh conversation: owner, admin, moderator, member and a target member; outsider not in it. */
  async function freshCell(privacyLevel: Privacy): Promise<Cell> {
    const created = await ok(users.owner, 'Conversation/set', {
      create: {
        c: {
          conversationType: 'group',
          privacyLevel,
          title: `matrix ${privacyLevel}`,
          participantIds: [users.admin.id, users.moderator.id, users.member.id, users.target.id],
        },
      },
    });
    const conversationId = created.created.c.id as string;
    const byUser = await participantIdsByUser(users.owner, conversationId);
    await ok(users.owner, 'Participant/set', {
      update: {
        [byUser.get(users.admin.id)!]: { role: 'admin' },
        [byUser.get(users.moderator.id)!]: { role: 'moderator' },
      },
    });
    return { conversationId, targetParticipantId: byUser.get(users.target.id)! };
  }

  /** Runs one method as `actor` and reduces the answer to an Outcome. */
  const ACTIONS: Record<string, (actor: TestUser, cell: Cell) => Promise<Outcome | string>> = {
    'Conversation/get': async (actor, { conversationId }) => {
      const got = await ok(actor, 'Conversation/get', { ids: [conversationId] });
      return got.list.length === 1 ? o : got.notFound.includes(conversationId) ? N : 'neither';
    },
    'Conversation/set update title': (actor, { conversationId }) =>
      updateOutcome(actor, 'Conversation/set', conversationId, { title: 'Renamed' }),
    'Conversation/set archive': (actor, { conversationId }) =>
      updateOutcome(actor, 'Conversation/set', conversationId, { isArchived: true }),
    'Conversation/set mute': (actor, { conversationId }) =>
      updateOutcome(actor, 'Conversation/set', conversationId, { isMuted: true }),
    'Conversation/set destroy': async (actor, { conversationId }) => {
      const result = await ok(actor, 'Conversation/set', { destroy: [conversationId] });
      return result.destroyed?.includes(conversationId)
        ? o
        : result.notDestroyed[conversationId].type;
    },
    'Participant/get': async (actor, { targetParticipantId }) => {
      const got = await ok(actor, 'Participant/get', { ids: [targetParticipantId] });
      return got.list.length === 1 ? o : got.notFound.includes(targetParticipantId) ? N : 'neither';
    },
    'Participant/set create (invite)': (actor, { conversationId }) =>
      createOutcome(actor, 'Participant/set', { conversationId, userId: users.invitee.id }),
    'Participant/set create (join)': (actor, { conversationId }) =>
      createOutcome(actor, 'Participant/set', { conversationId }),
    'Participant/set update role': (actor, { targetParticipantId }) =>
      updateOutcome(actor, 'Participant/set', targetParticipantId, { role: 'moderator' }),
    'Participant/set update permissions': (actor, { targetParticipantId }) =>
      updateOutcome(actor, 'Participant/set', targetParticipantId, {
        permissions: ['participants.invite'],
      }),
    'Participant/set destroy (remove a member)': async (actor, { targetParticipantId }) => {
      const result = await ok(actor, 'Participant/set', { destroy: [targetParticipantId] });
      return result.destroyed?.includes(targetParticipantId)
        ? o
        : result.notDestroyed[targetParticipantId].type;
    },
    'ConversationRole/set create': (actor, { conversationId }) =>
      createOutcome(actor, 'ConversationRole/set', {
        conversationId,
        userId: users.target.id,
        roleId: posterRoleId,
      }),
  };

  const cases = Object.entries(MATRIX).flatMap(([method, byPrivacy]) =>
    PRIVACY_LEVELS.flatMap((privacy) =>
      ROLES.map((role, index) => [method, privacy, role, byPrivacy[privacy][index]!] as const),
    ),
  );

  it.each(cases)('%s in a %s conversation as %s: %s', async (method, privacy, role, expected) => {
    const cell = await freshCell(privacy);
    expect(await ACTIONS[method]!(users[role], cell)).toBe(expected);
  });
});

async function createOutcome(
  actor: TestUser,
  method: string,
  object: Record<string, unknown>,
): Promise<string> {
  const result = await one(actor, method, { create: { x: object } });
  if (result.type) return `method error ${result.type}`;
  return result.created?.x ? o : result.notCreated.x.type;
}

async function updateOutcome(
  actor: TestUser,
  method: string,
  id: string,
  patch: Record<string, unknown>,
): Promise<string> {
  const result = await one(actor, method, { update: { [id]: patch } });
  if (result.type) return `method error ${result.type}`;
  return result.updated && id in result.updated ? o : result.notUpdated[id].type;
}

/** Participant ids of a conversation by user id, in one request. */
async function participantIdsByUser(
  viewer: TestUser,
  conversationId: string,
): Promise<Map<string, string>> {
  const [, get] = await call(viewer.accessToken, [
    ['Participant/query', { accountId: viewer.id, filter: { conversationId } }, 'q'],
    [
      'Participant/get',
      {
        accountId: viewer.id,
        '#ids': { resultOf: 'q', name: 'Participant/query', path: '/ids' },
        properties: ['userId'],
      },
      'g',
    ],
  ]);
  return new Map((get![1].list as { id: string; userId: string }[]).map((p) => [p.userId, p.id]));
}
