// The messaging and rbac services (and, where asked, conversations) in-process against the
// run's PostgreSQL, NATS and Redis, and small data factories (writing rows as conversations would).
import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { Client } from 'pg';
import { type JmapInvocation, JmapCallSubjects } from '@jchat/contracts';
import { BusClient, RpcExceptionFilter } from '@jchat/bus';
import { loadMessagingConfig } from '../../apps/messaging/src/config';
import { loadRbacConfig } from '../../apps/rbac/src/config';
import { RbacModule } from '../../apps/rbac/src/rbac.module';
import { MessagingModule } from '../../apps/messaging/src/messaging.module';
import { loadConversationsConfig } from '../../apps/conversations/src/config';
import { ConversationsModule } from '../../apps/conversations/src/conversations.module';
import { deleteRedisKeys, deleteStreams } from '../support/isolation';

/** A service module listening on NATS in this process, as its main.ts would start it. */
async function startService(
  module: DynamicModule,
  natsUrl: string,
  queue: string,
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    transport: Transport.NATS,
    options: { servers: [natsUrl], queue },
    logger: ['error', 'warn'],
  });
  app.useGlobalFilters(new RpcExceptionFilter());
  await app.listen();
  return app;
}

export class Harness {
  private app!: INestMicroservice;
  private rbac!: INestMicroservice;
  private conversations: INestMicroservice | undefined;
  bus!: BusClient;
  db!: Client;

  /**
   * `settings` override messaging's environment (e.g. DELIVERED_FLUSH_MS: '0'). With
   * `withConversations`, the conversations service runs too and answers member lists.
   */
  constructor(
    private readonly settings: Record<string, string> = {},
    private readonly options: { withConversations?: boolean } = {},
  ) {}

  async start(): Promise<void> {
    this.db = new Client({ connectionString: process.env.DATABASE_URL });
    await this.db.connect();
    const config = loadMessagingConfig({ ...process.env, ...this.settings });

    this.app = await startService(MessagingModule.forRoot(config), config.NATS_URL, 'messaging');
    // The real rbac service answers messaging's access questions, with its real rules.
    this.rbac = await startService(RbacModule.forRoot(loadRbacConfig()), config.NATS_URL, 'rbac');
    if (this.options.withConversations) {
      this.conversations = await startService(
        ConversationsModule.forRoot(loadConversationsConfig()),
        config.NATS_URL,
        'conversations',
      );
    }
    this.bus = BusClient.connect(config.NATS_URL);
    await this.bus.ready();
  }

  /** A provider of the running service (e.g. to run the blob purge now). */
  get<T>(type: abstract new (...args: never[]) => T): T {
    return this.app.get(type);
  }

  async stop(): Promise<void> {
    await this.bus?.close();
    await this.app?.close();
    await this.rbac?.close();
    await this.conversations?.close();
    await this.db?.end();
    const prefix = process.env.JCHAT_PREFIX ?? '';
    await deleteStreams(prefix);
    await deleteRedisKeys(prefix);
  }

  async user(name = 'User'): Promise<string> {
    const id = randomUUID();
    await this.db.query(`INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)`, [
      id,
      `${randomBytes(6).toString('hex')}@example.test`,
      name,
    ]);
    return id;
  }

  async conversation(
    members: { userId: string; role?: string }[],
    options: { type?: string; privacy?: string } = {},
  ): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO conversations (id, conversation_type, privacy_level, created_by) VALUES ($1, $2, $3, $4)`,
      [id, options.type ?? 'group', options.privacy ?? 'private', members[0]!.userId],
    );
    for (const member of members) await this.join(id, member.userId, member.role ?? 'member');
    return id;
  }

  async join(conversationId: string, userId: string, role = 'member'): Promise<void> {
    await this.db.query(
      `INSERT INTO participants (conversation_id, user_id, display_name, role) VALUES ($1, $2, 'x', $3)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET is_active = true, left_at = NULL`,
      [conversationId, userId, role],
    );
  }

  async leave(conversationId: string, userId: string): Promise<void> {
    await this.db.query(
      `UPDATE participants SET is_active = false, left_at = now() WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
  }

  /** Calls JMAP methods as `userId` (of messaging unless told), returning the responses in order. */
  async jmap(
    userId: string,
    calls: [string, Record<string, unknown>][],
    service: 'messaging' | 'conversations' = 'messaging',
  ): Promise<[string, Record<string, any>, string][]> {
    const responses: JmapInvocation[] = [];
    let createdIds: Record<string, string> = {};
    for (const [index, [name, args]] of calls.entries()) {
      const reply = await this.bus.request(JmapCallSubjects[service], {
        userId,
        sessionId: 's',
        name,
        arguments: { accountId: userId, ...args },
        callId: `c${index}`,
        createdIds,
      });
      responses.push(...reply.methodResponses);
      createdIds = reply.createdIds;
    }
    return responses;
  }

  /** One call; fails unless the response is `name` (not an error). */
  async call(
    userId: string,
    name: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, any>> {
    const [response] = await this.jmap(userId, [[name, args]]);
    if (!response || response[0] !== name)
      throw new Error(`${name} failed: ${JSON.stringify(response)}`);
    return response[1];
  }

  async send(
    userId: string,
    conversationId: string,
    body: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const set = await this.call(userId, 'Message/set', {
      create: { m: { conversationId, body, ...extra } },
    });
    const id = set['created']?.['m']?.['id'];
    if (typeof id !== 'string') throw new Error(`send failed: ${JSON.stringify(set)}`);
    return id;
  }
}
