import { eventually } from '../support/eventually';
import './rbac-prefix';
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  type ConversationAccess,
  ConversationsSubjects,
  Events,
  RbacSubjects,
} from '@jchat/contracts';
import { BusClient, EventBus, loadServiceConfig, RpcExceptionFilter } from '@jchat/bus';
import { ConversationsModule } from '../../apps/conversations/src/conversations.module';
import { AccessCache } from '../../apps/rbac/src/permissions/access-cache';
import { RbacModule } from '../../apps/rbac/src/rbac.module';
import { deleteRedisKeys, deleteStreams } from '../support/isolation';

/** The rbac and conversations services in-process, against the run's PostgreSQL, NATS and Redis. */
describe('rbac access answers and conversations membership (in-process)', () => {
  const config = loadServiceConfig();
  const apps: INestMicroservice[] = [];
  let bus: BusClient;
  let events: EventBus;
  let db: Client;
  let redis: Redis;

  async function start(
    module: Parameters<typeof NestFactory.createMicroservice>[0],
    queue: string,
  ) {
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
      transport: Transport.NATS,
      options: { servers: [config.NATS_URL], queue },
      logger: ['error', 'warn'],
    });
    app.useGlobalFilters(new RpcExceptionFilter());
    await app.listen();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    db = new Client({ connectionString: config.DATABASE_URL });
    await db.connect();
    redis = new Redis(config.REDIS_URL, { keyPrefix: `${config.JCHAT_PREFIX}:` });
    await start(RbacModule.forRoot(config), 'rbac');
    await start(ConversationsModule.forRoot(config), 'conversations');
    bus = BusClient.connect(config.NATS_URL);
    await bus.ready();
    events = await EventBus.connect(config.NATS_URL, 'rbac-access-test');
  }, 30000);

  afterAll(async () => {
    await bus?.close();
    await events?.close();
    for (const app of apps) await app.close();
    await db?.end();
    redis?.disconnect();
    await deleteStreams(config.JCHAT_PREFIX);
    await deleteRedisKeys(config.JCHAT_PREFIX);
  });

  async function user(): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'U')`, [
      id,
      `${randomBytes(6).toString('hex')}@example.test`,
    ]);
    return id;
  }

  async function conversation(
    members: { userId: string; role?: string; isActive?: boolean }[],
    options: { type?: string; privacy?: string } = {},
  ): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO conversations (id, conversation_type, privacy_level, created_by) VALUES ($1, $2, $3, $4)`,
      [id, options.type ?? 'group', options.privacy ?? 'private', members[0]!.userId],
    );
    for (const member of members) {
      await db.query(
        `INSERT INTO participants (conversation_id, user_id, display_name, role, is_active) VALUES ($1, $2, 'U', $3, $4)`,
        [id, member.userId, member.role ?? 'member', member.isActive ?? true],
      );
    }
    return id;
  }

  const access = (userId: string, conversationId: string): Promise<ConversationAccess> =>
    bus.request(RbacSubjects.conversationAccess, { userId, conversationId });

  /** `probe`'s value once `done` holds (rbac's cache is dropped by an event: no fixed sleep). */
  const until = <T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> =>
    eventually(async () => {
      const value = await probe();
      return done(value) ? value : undefined;
    });

  it('answers who the members of a conversation are, and which conversations a user is in', async () => {
    const [ann, bob, eve] = [await user(), await user(), await user()];
    const room = await conversation([
      { userId: ann, role: 'owner' },
      { userId: bob },
      { userId: eve, isActive: false },
    ]);
    const members = await bus.request(ConversationsSubjects.members, { conversationId: room });
    expect(members.userIds.sort()).toEqual([ann, bob].sort());
    expect(
      (await bus.request(ConversationsSubjects.ofUser, { userId: bob })).conversationIds,
    ).toEqual([room]);
    expect(
      (await bus.request(ConversationsSubjects.ofUser, { userId: eve })).conversationIds,
    ).toEqual([]);
    expect(
      (await bus.request(ConversationsSubjects.members, { conversationId: 'nope' })).userIds,
    ).toEqual([]);
  });

  it('computes access from system roles, role defaults, grants and own permissions', async () => {
    const [ann, bob, stranger] = [await user(), await user(), await user()];
    const room = await conversation(
      [
        { userId: ann, role: 'owner' },
        { userId: bob, role: 'moderator' },
      ],
      { type: 'announcement' },
    );
    await db.query(
      `UPDATE participants SET permissions = ARRAY['conversation.update'] WHERE conversation_id = $1 AND user_id = $2`,
      [room, bob],
    );
    const owner = await access(ann, room);
    expect(owner).toMatchObject({
      exists: true,
      visible: true,
      isMember: true,
      role: 'owner',
      conversationType: 'announcement',
    });
    expect(owner.permissions).toContain('conversation.delete');
    expect(owner.assignableRoles).toEqual(['owner', 'admin', 'moderator', 'member']);
    const moderator = await access(bob, room);
    expect(moderator.permissions).toEqual([
      'conversation.update',
      'messages.deleteAny',
      'participants.invite',
      'participants.remove',
    ]);
    expect(await access(stranger, room)).toMatchObject({
      exists: true,
      visible: false,
      permissions: [],
    });
    expect(await access(ann, randomUUID())).toMatchObject({ exists: false, visible: false });
  });

  it('serves cached answers until an invalidation, at once (request) or through the durable event', async () => {
    const [ann, bob] = [await user(), await user()];
    const room = await conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    expect((await access(bob, room)).role).toBe('member');
    expect(await redis.hexists(`rbac:access:${room}`, bob)).toBe(1);

    // A write that tells nobody is not seen: the answer comes from the cache.
    await db.query(
      `UPDATE participants SET role = 'admin' WHERE conversation_id = $1 AND user_id = $2`,
      [room, bob],
    );
    expect((await access(bob, room)).role).toBe('member');

    await bus.request(RbacSubjects.invalidateAccess, { conversationId: room, userIds: [bob] });
    expect((await access(bob, room)).role).toBe('admin');

    await db.query(
      `UPDATE participants SET role = 'moderator' WHERE conversation_id = $1 AND user_id = $2`,
      [room, bob],
    );
    expect((await access(bob, room)).role).toBe('admin');
    await events.publish(Events.accessChanged, { conversationId: room, userIds: [bob] });
    const after = await until(
      () => access(bob, room),
      (answer) => answer.role === 'moderator',
    );
    expect(after.role).toBe('moderator');
  });

  it("drops a user's answers in every conversation when their system roles change", async () => {
    const ann = await user();
    const rooms = [
      await conversation([{ userId: ann, role: 'owner' }]),
      await conversation([{ userId: ann }]),
    ];
    for (const room of rooms)
      expect((await access(ann, room)).permissions).not.toContain('users.manage');
    await db.query(
      `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'system-admin'`,
      [ann],
    );
    await bus.request(RbacSubjects.invalidateAccess, { conversationId: null, userIds: [ann] });
    for (const room of rooms)
      expect((await access(ann, room)).permissions).toContain('users.manage');
  });

  it('never stores an answer computed before an invalidation that raced with it', async () => {
    const cache = apps[0]!.get(AccessCache);
    const [conversationId, userId] = [randomUUID(), randomUUID()];
    const epochs = await cache.epochs(conversationId, userId);
    await cache.invalidate({ conversationId, userIds: [userId] });
    const stale: ConversationAccess = {
      exists: true,
      visible: true,
      isMember: true,
      role: 'owner',
      conversationType: 'group',
      privacyLevel: 'private',
      isArchived: false,
      permissions: [],
      assignableRoles: [],
    };
    await cache.store(conversationId, userId, epochs, stale);
    expect(await cache.get(conversationId, userId)).toBeNull();
    await cache.store(conversationId, userId, await cache.epochs(conversationId, userId), stale);
    expect(await cache.get(conversationId, userId)).toEqual(stale);
  });

  it('removes the conversation grants of someone who is no longer a member', async () => {
    const [ann, bob] = [await user(), await user()];
    const room = await conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO roles (name, permissions) VALUES ($1, ARRAY['messages.send']) RETURNING id`,
      [`it-${randomUUID()}`],
    );
    await db.query(
      `INSERT INTO conversation_roles (user_id, conversation_id, role_id) VALUES ($1, $2, $3)`,
      [bob, room, rows[0]!.id],
    );
    await db.query(
      `UPDATE participants SET is_active = false WHERE conversation_id = $1 AND user_id = $2`,
      [room, bob],
    );
    await events.publish(Events.accessChanged, { conversationId: room, userIds: [bob] });
    const left = await until(
      async () =>
        (await db.query(`SELECT 1 FROM conversation_roles WHERE conversation_id = $1`, [room]))
          .rowCount,
      (count) => count === 0,
    );
    expect(left).toBe(0);
    const tombstones = await db.query(
      `SELECT object_type FROM rbac_tombstones WHERE conversation_id = $1`,
      [room],
    );
    expect(tombstones.rows).toEqual([{ object_type: 'ConversationRole' }]);
  });
});
