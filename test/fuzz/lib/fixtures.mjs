// The data the fuzzer attacks, made through the public API before the run:
// - a victim with a private conversation (a friend in it, messages, an attachment, a conversation
//   role grant), a public channel and a restricted one; every private piece carries a canary
//   string, so any answer to an attacker that contains one is a leak;
// - attackers, each with a conversation shared with the next, messages, a blob, membership of the
//   victim's public channel, and the real states of every type (for /changes, ifInState);
// - spare sessions of one attacker for the logout and refresh routes, and a revoked session.
// snapshot() reads the victim's private data as the victim; the run compares it before and after.
import { randomBytes } from 'node:crypto';
import { CHAT, CORE } from './jmap-catalog.mjs';

const PASSWORD = 'violet-harbour-17-fuzz';
const ATTACKERS = 4;
const SPARE_SESSIONS = 6;
const TYPES = [
  'Conversation',
  'Message',
  'Participant',
  'Role',
  'UserRole',
  'ConversationRole',
  'Presence',
];

let ipCounter = 0;
const setupIp = () => {
  ipCounter += 1;
  return `10.77.${ipCounter >> 8}.${ipCounter & 0xff}`;
};

async function post(base, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': setupIp(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function login(base, email) {
  const res = await post(base, '/auth/login', { email, password: PASSWORD });
  if (res.status !== 200)
    throw new Error(`setup login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function newUser(base, name, tag) {
  const email = `${name}-${tag}@example.com`;
  const res = await post(base, '/auth/register', {
    email,
    password: PASSWORD,
    displayName: `Fuzz ${name}`,
  });
  if (res.status !== 201)
    throw new Error(`setup register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const tokens = await login(base, email);
  return {
    id: res.body.id,
    email,
    token: tokens.accessToken,
    sessionId: tokens.sessionId,
    refreshToken: tokens.refreshToken,
  };
}

/** Runs method calls as `user`; throws unless every response is the method's own. */
export async function api(base, user, calls) {
  const res = await post(
    base,
    '/jmap/api',
    { using: [CORE, CHAT], methodCalls: calls },
    { authorization: `Bearer ${user.token}` },
  );
  if (res.status !== 200)
    throw new Error(`setup ${calls[0][0]}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.methodResponses;
}

async function set(base, user, type, args) {
  const [[name, result]] = await api(base, user, [
    [`${type}/set`, { accountId: user.id, ...args }, 's'],
  ]);
  const failed = result.notCreated ?? result.notUpdated ?? result.notDestroyed;
  if (name !== `${type}/set` || failed)
    throw new Error(`setup ${type}/set: ${JSON.stringify(result).slice(0, 400)}`);
  return result;
}

async function createConversation(base, user, object) {
  return (await set(base, user, 'Conversation', { create: { c: object } })).created.c.id;
}

async function sendMessages(base, user, conversationId, bodies, extra = {}) {
  const create = Object.fromEntries(
    bodies.map((body, i) => [`m${i}`, { conversationId, body, ...extra }]),
  );
  const result = await set(base, user, 'Message', { create });
  return bodies.map((_, i) => result.created[`m${i}`].id);
}

async function upload(base, user, content) {
  const response = await fetch(`${base}/jmap/upload/${user.id}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'text/plain' },
    body: content,
    signal: AbortSignal.timeout(60_000),
  });
  if (response.status !== 201) throw new Error(`setup upload: ${response.status}`);
  return (await response.json()).blobId;
}

async function idsOf(base, user, type, filter) {
  const [[, result]] = await api(base, user, [
    [`${type}/query`, { accountId: user.id, filter }, 'q'],
  ]);
  return result.ids ?? [];
}

/** The state of every type as `user` sees it (for /changes and ifInState). */
async function statesOf(base, user) {
  const calls = TYPES.map((type) => [`${type}/get`, { accountId: user.id, ids: [] }, type]);
  const responses = await api(base, user, calls);
  return Object.fromEntries(responses.map(([, result], i) => [TYPES[i], result.state ?? '0']));
}

export async function makeFixtures(base, secret) {
  const tag = randomBytes(4).toString('hex');
  const canary = `cnry${randomBytes(8).toString('hex')}`;
  const victim = await newUser(base, 'victim', tag);
  const friend = await newUser(base, 'friend', tag);
  const attackers = [];
  for (let i = 0; i < ATTACKERS; i++)
    attackers.push({ ...(await newUser(base, `attacker${i}`, tag)), index: i });

  // The victim's private world.
  const privateId = await createConversation(base, victim, {
    conversationType: 'group',
    privacyLevel: 'private',
    title: `Secret ${canary}`,
    description: `private ${canary}`,
    metadata: { secret: canary },
    participantIds: [friend.id],
  });
  victim.blobId = await upload(base, victim, `blob ${canary}`);
  const privateMessages = [
    ...(await sendMessages(base, victim, privateId, [`hello ${canary}`, `second ${canary}`])),
    ...(await sendMessages(base, victim, privateId, [`file ${canary}`], {
      attachments: [{ blobId: victim.blobId, type: 'text/plain', name: `${canary}.txt` }],
    })),
    ...(await sendMessages(base, friend, privateId, [`reply ${canary}`])),
  ];
  const roleIds = await idsOf(base, victim, 'Role', null);
  const [[, roles]] = await api(base, victim, [
    ['Role/get', { accountId: victim.id, ids: roleIds }, 'r'],
  ]);
  const userRole = roles.list.find((role) => role.name === 'user')?.id;
  const grant = await set(base, victim, 'ConversationRole', {
    create: { g: { conversationId: privateId, userId: friend.id, roleId: userRole } },
  });
  const privateGrants = [grant.created.g.id];
  const privateParticipants = await idsOf(base, victim, 'Participant', {
    conversationId: privateId,
  });
  // A second private conversation whose ids no fuzz case is given: any answer naming one leaks.
  const hiddenId = await createConversation(base, victim, {
    conversationType: 'group',
    privacyLevel: 'private',
    title: `Hidden ${canary}`,
    participantIds: [friend.id],
  });
  const hiddenMessages = await sendMessages(base, victim, hiddenId, [`hidden ${canary}`]);
  const hiddenParticipants = await idsOf(base, victim, 'Participant', { conversationId: hiddenId });

  // The victim's listed conversations.
  const publicId = await createConversation(base, victim, {
    conversationType: 'channel',
    privacyLevel: 'public',
    title: `Victim public ${tag}`,
  });
  const restrictedId = await createConversation(base, victim, {
    conversationType: 'group',
    privacyLevel: 'restricted',
    title: `Victim restricted ${tag}`,
  });
  const publicMessages = await sendMessages(base, victim, publicId, [
    'public hello',
    'public second',
  ]);

  // The attackers' own world.
  const conversations = [];
  const messages = [];
  for (const attacker of attackers) {
    const next = attackers[(attacker.index + 1) % ATTACKERS];
    attacker.conversationId = await createConversation(base, attacker, {
      conversationType: 'group',
      privacyLevel: 'private',
      title: `Attacker ${attacker.index}`,
      participantIds: [next.id],
    });
    conversations.push(attacker.conversationId);
    await set(base, attacker, 'Participant', { create: { j: { conversationId: publicId } } });
    attacker.partnerId = next.id;
    attacker.ownMessages = await sendMessages(base, attacker, attacker.conversationId, [
      'mine',
      'mine too',
    ]);
    messages.push(...attacker.ownMessages);
    messages.push(...(await sendMessages(base, attacker, publicId, ['hi all'])));
    attacker.blobId = await upload(base, attacker, `attacker ${attacker.index} blob`);
    [attacker.publicParticipantId] = await idsOf(base, attacker, 'Participant', {
      conversationId: publicId,
      userId: attacker.id,
    });
  }

  // Spare sessions (logout, refresh) and a revoked one.
  const throwaway = [];
  for (let i = 0; i < SPARE_SESSIONS; i++) {
    const tokens = await login(base, attackers[0].email);
    throwaway.push({
      token: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      sessionId: tokens.sessionId,
    });
  }
  const revokedTokens = await login(base, attackers[0].email);
  await post(base, '/auth/logout', '', { authorization: `Bearer ${revokedTokens.accessToken}` });

  const userIds = [victim.id, friend.id, ...attackers.map((a) => a.id)];
  const privateIds = {
    conversation: [privateId],
    message: privateMessages,
    participant: privateParticipants,
    conversationRole: privateGrants,
    blob: [victim.blobId],
    session: [victim.sessionId, friend.sessionId],
  };
  for (const attacker of attackers) {
    const participants = await idsOf(base, attacker, 'Participant', {
      conversationId: attacker.conversationId,
    });
    const pools = {
      user: userIds,
      conversation: [...conversations, publicId, restrictedId, privateId],
      message: [...messages, ...publicMessages, ...privateMessages],
      participant: [...participants, ...privateParticipants],
      role: roleIds,
      userRole: userIds.flatMap((user) => roleIds.map((role) => `${user}_${role}`)),
      conversationRole: [...privateGrants, `${attacker.conversationId}_${attacker.id}_${userRole}`],
      blob: [attacker.blobId, victim.blobId, ...attackers.map((a) => a.blobId)],
    };
    attacker.ctx = {
      me: { id: attacker.id, token: attacker.token },
      otherUserId: victim.id,
      pools,
      foreignPools: { ...privateIds, conversation: [privateId, restrictedId, publicId] },
      idPools: Object.values(pools),
      states: await statesOf(base, attacker),
    };
  }
  return {
    secret,
    canary,
    victim: {
      ...victim,
      privateId,
      hiddenId,
      publicId,
      restrictedId,
      privateMessages: [...privateMessages, ...hiddenMessages],
      publicMessages,
      privateGrants,
      privateParticipants: [...privateParticipants, ...hiddenParticipants],
      friendId: friend.id,
    },
    attackers,
    throwaway,
    revoked: { token: revokedTokens.accessToken },
    privateIds,
    secretIds: [hiddenId, ...hiddenMessages, ...hiddenParticipants],
    fuzzIps: ['10.66.0.1', '10.66.0.2', '10.66.0.3'],
    userRoleId: userRole,
  };
}

/** What the victim's private data looks like to the victim, in the fields no attacker may change. */
export async function snapshot(base, fixtures) {
  const v = fixtures.victim;
  const responses = await api(base, v, [
    [
      'Conversation/get',
      {
        accountId: v.id,
        ids: [v.privateId, v.hiddenId, v.publicId, v.restrictedId],
        properties: [
          'title',
          'description',
          'privacyLevel',
          'isArchived',
          'metadata',
          'settings',
          'conversationType',
        ],
      },
      'c',
    ],
    [
      'Message/get',
      {
        accountId: v.id,
        ids: [...v.privateMessages, ...v.publicMessages],
        properties: ['body', 'isDeleted', 'editedAt', 'attachments', 'conversationId', 'senderId'],
      },
      'm',
    ],
    [
      'Participant/get',
      {
        accountId: v.id,
        ids: v.privateParticipants,
        properties: ['userId', 'role', 'permissions', 'isActive'],
      },
      'p',
    ],
    ['Participant/query', { accountId: v.id, filter: { conversationId: v.privateId } }, 'pq'],
    ['ConversationRole/get', { accountId: v.id, ids: v.privateGrants }, 'g'],
    [
      'User/get',
      { accountId: v.id, ids: [v.id], properties: ['displayName', 'isActive', 'email'] },
      'u',
    ],
  ]);
  const out = {};
  for (const [name, result, callId] of responses) {
    out[callId] =
      name === 'error'
        ? { error: result.type }
        : { list: result.list ?? result.ids, notFound: result.notFound ?? [] };
  }
  return out;
}
