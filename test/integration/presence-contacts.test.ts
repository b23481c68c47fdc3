// Who is told of a user's presence change: PresenceRepository.contactsOfMany reads every user's
// contacts and conversations in one statement, leaving out channels bigger than the limit.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PrismaService } from '@jchat/db';
import { PresenceRepository } from '../../apps/presence/src/presence/presence.repository';
import { databaseUrl } from '../support/env';

describe('presence contacts of many users (real PostgreSQL)', () => {
  let db: Client;
  let prisma: PrismaService;
  let repository: PresenceRepository;

  beforeAll(async () => {
    db = new Client({ connectionString: databaseUrl() });
    await db.connect();
    prisma = new PrismaService({ url: databaseUrl(), poolSize: 2 });
    await prisma.onModuleInit();
    repository = new PresenceRepository(prisma);
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await db?.end();
  });

  async function user(): Promise<string> {
    const id = randomUUID();
    await db.query('INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)', [
      id,
      `${randomBytes(6).toString('hex')}@example.test`,
      'x',
    ]);
    return id;
  }

  async function conversation(members: string[], inactive: string[] = []): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO conversations (id, conversation_type, privacy_level, created_by)
       VALUES ($1, 'group', 'private', $2)`,
      [id, members[0]],
    );
    for (const member of [...members, ...inactive]) {
      await db.query(
        `INSERT INTO participants (conversation_id, user_id, display_name, role, is_active)
         VALUES ($1, $2, 'x', 'member', $3)`,
        [id, member, members.includes(member)],
      );
    }
    return id;
  }

  it("gives each user their small conversations' active members and all their conversations", async () => {
    const [ann, bob, cy, dee, eve, fay, gus] = await Promise.all(
      Array.from({ length: 7 }, () => user()),
    );
    const pair = await conversation([ann!, bob!], [gus!]);
    const trio = await conversation([ann!, cy!, dee!]);
    // Bigger than the limit of 3 below: nobody in it is a contact through it.
    const channel = await conversation([bob!, cy!, dee!, eve!]);
    const found = await repository.contactsOfMany([ann!, bob!, eve!, fay!, gus!], 3);

    expect(found.get(ann!)?.contacts.sort()).toEqual([bob!, cy!, dee!].sort());
    expect(found.get(ann!)?.conversationIds.sort()).toEqual([pair, trio].sort());
    expect(found.get(bob!)?.contacts).toEqual([ann!]);
    expect(found.get(bob!)?.conversationIds.sort()).toEqual([pair, channel].sort());
    expect(found.get(eve!)).toEqual({ contacts: [], conversationIds: [channel] });
    // In no conversation, or only in one they left.
    expect(found.has(fay!)).toBe(false);
    expect(found.has(gus!)).toBe(false);
  });

  it('reads nothing for no users', async () => {
    expect((await repository.contactsOfMany([], 50)).size).toBe(0);
  });
});
