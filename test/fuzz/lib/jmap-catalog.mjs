// What the fuzzer knows of JCHAT's JMAP API: every type with its methods, properties, the
// properties /set create and update take, filter conditions and sorts (from the README and the
// apps' *.jmap.ts). Each property comes with a hint of its kind and a plausible value, so that a
// call can be built valid first and then broken one argument at a time.
import { anyId } from './values.mjs';

export const CORE = 'urn:ietf:params:jmap:core';
export const CHAT = 'urn:ietf:params:jmap:chat';

/** A plausible id from one of the context's pools (own, foreign, public ...). */
const idFrom = (pool) => (rng, ctx) => {
  const ids = ctx.pools[pool] ?? [];
  return ids.length > 0 && rng.chance(0.9) ? rng.pick(ids) : anyId(rng, ctx);
};
const oneOf = (values) => (rng) => rng.pick(values);
const text = (words) => (rng) => `${rng.pick(words)} ${rng.hex(4)}`;
const bool = (rng) => rng.chance(0.5);
const date = (rng) => new Date(Date.UTC(2026, 0, 1) + rng.int(-1e10, 1e10)).toISOString();
const permissions = (rng) =>
  Array.from({ length: rng.int(0, 3) }, () =>
    rng.pick([
      'messages.send',
      'participants.invite',
      'participants.remove',
      'participants.setRole',
      'conversation.update',
      'conversation.archive',
      'conversation.delete',
      'roles.manage',
      'users.manage',
      'messages.deleteAny',
    ]),
  );
const smallObject = (rng) => (rng.chance(0.5) ? {} : { note: `n${rng.hex(4)}`, n: rng.int(0, 9) });
const ROLES = ['owner', 'admin', 'moderator', 'member'];

/** [hint, plausible value] per property. */
const P = (hint, plausible) => ({ hint, plausible });

export const TYPES = {
  User: {
    pool: 'user',
    methods: ['get', 'query', 'set'],
    properties: [
      'id',
      'email',
      'displayName',
      'createdAt',
      'lastLoginAt',
      'isActive',
      'authProvider',
      'authProviderId',
    ],
    create: { displayName: P('string', text(['Mallory'])), email: P('string', text(['x@y.z'])) },
    update: { displayName: P('string', text(['Fuzzy', 'Eve'])), isActive: P('bool', bool) },
    filter: { text: P('string', oneOf(['Fuzz', 'Vic', 'a', 'fuzz-victim@example.com'])) },
    sorts: ['displayName'],
  },
  Conversation: {
    pool: 'conversation',
    methods: ['get', 'set', 'changes', 'query', 'queryChanges'],
    properties: [
      'id',
      'title',
      'description',
      'conversationType',
      'privacyLevel',
      'createdAt',
      'updatedAt',
      'createdBy',
      'isArchived',
      'participantIds',
      'lastMessageId',
      'lastMessageAt',
      'messageCount',
      'settings',
      'metadata',
      'isMuted',
      'unreadCount',
      'myRole',
    ],
    create: {
      conversationType: P('string', oneOf(['group', 'channel', 'announcement', 'direct'])),
      privacyLevel: P('string', oneOf(['private', 'public', 'restricted'])),
      title: P('string', text(['Fuzz room', 'Room'])),
      description: P('string', text(['about'])),
      settings: P('object', smallObject),
      metadata: P('object', smallObject),
      isMuted: P('bool', bool),
      participantIds: P('ids', (rng, ctx) => [idFrom('user')(rng, ctx)]),
    },
    required: ['conversationType'],
    update: {
      title: P('string', text(['Renamed'])),
      description: P('string', text(['desc'])),
      settings: P('object', smallObject),
      metadata: P('object', smallObject),
      privacyLevel: P('string', oneOf(['private', 'public', 'restricted'])),
      isArchived: P('bool', bool),
      isMuted: P('bool', bool),
      'settings/theme': P('string', oneOf(['dark'])),
      'metadata/a/b': P('string', oneOf(['c'])),
    },
    filter: {
      conversationType: P('string', oneOf(['group', 'channel', 'direct', 'announcement'])),
      privacyLevel: P('string', oneOf(['private', 'public', 'restricted'])),
      isArchived: P('bool', bool),
      hasUnread: P('bool', bool),
      text: P('string', oneOf(['Fuzz', 'room', 'canary'])),
      isMember: P('bool', bool),
    },
    sorts: ['lastMessageAt', 'createdAt', 'title'],
  },
  Participant: {
    pool: 'participant',
    methods: ['get', 'set', 'changes', 'query'],
    properties: [
      'id',
      'conversationId',
      'userId',
      'displayName',
      'avatarBlobId',
      'role',
      'joinedAt',
      'leftAt',
      'lastActiveAt',
      'isActive',
      'permissions',
      'lastReadMessageId',
      'lastReadAt',
      'metadata',
      'isMuted',
    ],
    create: {
      conversationId: P('id', idFrom('conversation')),
      userId: P('id', idFrom('user')),
      role: P('string', oneOf(ROLES)),
      permissions: P('ids', permissions),
    },
    required: ['conversationId'],
    update: {
      role: P('string', oneOf(ROLES)),
      permissions: P('ids', permissions),
      lastReadMessageId: P('id', idFrom('message')),
      isMuted: P('bool', bool),
      displayName: P('string', text(['Nick'])),
      avatarBlobId: P('id', idFrom('blob')),
      metadata: P('object', smallObject),
    },
    filter: {
      conversationId: P('id', idFrom('conversation')),
      userId: P('id', idFrom('user')),
      role: P('string', oneOf(ROLES)),
    },
    sorts: ['joinedAt'],
  },
  Message: {
    pool: 'message',
    methods: ['get', 'set', 'changes', 'query', 'queryChanges'],
    properties: [
      'id',
      'conversationId',
      'senderId',
      'body',
      'bodyType',
      'sentAt',
      'receivedAt',
      'editedAt',
      'isDeleted',
      'isSystemMessage',
      'replyToMessageId',
      'attachments',
      'reactions',
      'deliveryStatus',
      'readBy',
      'metadata',
      'history',
    ],
    create: {
      conversationId: P('id', idFrom('conversation')),
      body: P('string', text(['hello', 'fuzz'])),
      bodyType: P('string', oneOf(['text/plain', 'text/markdown', 'text/html'])),
      replyToMessageId: P('id', idFrom('message')),
      attachments: P('ids', (rng, ctx) => [
        { blobId: idFrom('blob')(rng, ctx), type: 'text/plain', name: 'a.txt' },
      ]),
      metadata: P('object', (rng) => ({ clientMessageId: `fz-${rng.hex(10)}` })),
      sentAt: P('date', date),
    },
    required: ['conversationId', 'body'],
    update: {
      body: P('string', text(['edited'])),
      bodyType: P('string', oneOf(['text/plain', 'text/html'])),
      metadata: P('object', smallObject),
      conversationId: P('id', idFrom('conversation')),
      isDeleted: P('bool', bool),
      'reactions/👍/SELF': P('bool', () => true),
      'reactions/👍/OTHER': P('bool', () => true),
      reactions: P('object', smallObject),
    },
    setExtra: { markRead: P('ids', (rng, ctx) => [idFrom('message')(rng, ctx)]) },
    filter: {
      conversationId: P('id', idFrom('conversation')),
      senderId: P('id', idFrom('user')),
      before: P('date', date),
      after: P('date', date),
      hasAttachment: P('bool', bool),
      isSystemMessage: P('bool', bool),
      replyToMessageId: P('id', idFrom('message')),
      text: P('string', oneOf(['hello', 'fuzz', '"quoted phrase"', 'a OR b', '-not', 'canary'])),
    },
    sorts: ['sentAt', 'relevance'],
  },
  SearchSnippet: {
    pool: 'message',
    methods: ['get'],
  },
  Presence: {
    pool: 'user',
    methods: ['get', 'set', 'changes'],
    properties: ['id', 'status', 'statusMessage', 'lastSeenAt', 'isTypingIn', 'updatedAt'],
    create: { status: P('string', oneOf(['online'])) },
    update: {
      status: P('string', oneOf(['online', 'away', 'busy', 'offline'])),
      statusMessage: P('string', text(['brb'])),
      isTypingIn: P('id', idFrom('conversation')),
    },
    updateSelf: true,
  },
  Role: {
    pool: 'role',
    methods: ['get', 'set', 'changes', 'query'],
    properties: ['id', 'name', 'description', 'permissions', 'isSystem', 'createdAt'],
    create: {
      name: P('string', text(['fuzz-role'])),
      description: P('string', text(['d'])),
      permissions: P('ids', permissions),
    },
    required: ['name'],
    update: {
      name: P('string', text(['renamed-role'])),
      description: P('string', text(['d2'])),
      permissions: P('ids', permissions),
    },
    filter: {
      isSystem: P('bool', bool),
      text: P('string', oneOf(['admin', 'user'])),
      permission: P('string', oneOf(['roles.manage', 'messages.send'])),
    },
    sorts: ['name', 'createdAt'],
  },
  UserRole: {
    pool: 'userRole',
    methods: ['get', 'set', 'changes', 'query'],
    properties: ['id', 'userId', 'roleId', 'grantedBy', 'grantedAt'],
    create: { userId: P('id', idFrom('user')), roleId: P('id', idFrom('role')) },
    required: ['userId', 'roleId'],
    update: { roleId: P('id', idFrom('role')) },
    filter: { userId: P('id', idFrom('user')), roleId: P('id', idFrom('role')) },
    sorts: ['grantedAt'],
  },
  ConversationRole: {
    pool: 'conversationRole',
    methods: ['get', 'set', 'changes', 'query'],
    properties: ['id', 'conversationId', 'userId', 'roleId', 'grantedBy', 'grantedAt'],
    create: {
      conversationId: P('id', idFrom('conversation')),
      userId: P('id', idFrom('user')),
      roleId: P('id', idFrom('role')),
    },
    required: ['conversationId', 'userId', 'roleId'],
    update: { roleId: P('id', idFrom('role')) },
    filter: {
      conversationId: P('id', idFrom('conversation')),
      userId: P('id', idFrom('user')),
      roleId: P('id', idFrom('role')),
    },
    sorts: ['grantedAt'],
  },
};

// Every type has every field (empty when it does not apply), so builders need no guards.
for (const spec of Object.values(TYPES)) {
  spec.properties ??= [];
  spec.sorts ??= ['id'];
  spec.filter ??= {};
  spec.create ??= {};
  spec.update ??= {};
  spec.required ??= [];
}

/** Every registered method name, plus Core/echo. */
export const METHODS = [
  'Core/echo',
  ...Object.entries(TYPES).flatMap(([type, spec]) => spec.methods.map((m) => `${type}/${m}`)),
];

/** Names that are no method of this server, or nearly one. */
export const UNKNOWN_METHODS = [
  'Core/foo',
  'Core/echo/x',
  'Message/import',
  'Message/copy',
  'Participant/queryChanges',
  'User/changes',
  'SearchSnippet/query',
  'Blob/get',
  'Mailbox/get',
  'Foo/get',
  'message/get',
  'Message/Get',
  '/get',
  'Message/',
  '/',
  '',
  '__proto__/get',
  'constructor/get',
  'toString/get',
  'hasOwnProperty/set',
  'Message/get\u0000',
  'Message/get\ud800',
  `${'A'.repeat(300)}/get`,
  'Message//get',
];

export const idFromPool = idFrom;
