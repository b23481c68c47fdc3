// Issue 10 ("Hard to break"): writers of one conversation take their locks in one order (the
// conversation's row, then its messages, then participants, then the receipt and change logs;
// docs/ENGINEERING.md "Locks"), so they never deadlock. Each case below forces the interleaving
// that deadlocked before: a third connection holds a table lock that stops the first writer
// between two of its statements, the second writer is started and left waiting, then the table
// lock goes. The repositories run with a single attempt per transaction, so only the lock order
// (not the retry) can get both writers through.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PrismaService } from '@jchat/db';
import { ParticipantsRepository } from '../../apps/conversations/src/participants/participants.repository';
import { MessageSendRepository } from '../../apps/messaging/src/messages/message-send.repository';
import {
  MessageEditsRepository,
  NothingToWrite,
} from '../../apps/messaging/src/messages/message-edits.repository';
import { ReceiptsRepository } from '../../apps/messaging/src/messages/receipts.repository';

const url = () => {
  const value = process.env.DATABASE_URL;
  if (!value) throw new Error('DATABASE_URL is not set: run through scripts/test.mjs');
  return value;
};

describe('lock order of the writers of a conversation (real PostgreSQL)', () => {
  let db: Client;
  let blocker: Client;
  let once: PrismaService;
  let participants: ParticipantsRepository;
  let edits: MessageEditsRepository;
  let receipts: ReceiptsRepository;
  let sends: MessageSendRepository;

  beforeAll(async () => {
    db = new Client({ connectionString: url() });
    blocker = new Client({ connectionString: url() });
    await Promise.all([db.connect(), blocker.connect()]);
    once = new PrismaService({ url: url(), poolSize: 4, transactionAttempts: 1 });
    await once.onModuleInit();
    participants = new ParticipantsRepository(once);
    edits = new MessageEditsRepository(once);
    receipts = new ReceiptsRepository(once);
    sends = new MessageSendRepository(once);
  });

  afterAll(async () => {
    await once?.onModuleDestroy();
    await Promise.all([db?.end(), blocker?.end()]);
  });

  async function user(): Promise<string> {
    const id = randomUUID();
    await db.query(`INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'U')`, [
      id,
      `${randomBytes(6).toString('hex')}@example.test`,
    ]);
    return id;
  }

  /** A group with an owner, a member and one message by the owner (seq 1). */
  async function room() {
    const [owner, member] = [await user(), await user()];
    const conversationId = randomUUID();
    await db.query(
      `INSERT INTO conversations (id, conversation_type, privacy_level, created_by, last_message_seq)
       VALUES ($1, 'group', 'private', $2, 1)`,
      [conversationId, owner],
    );
    await db.query(
      `INSERT INTO participants (conversation_id, user_id, display_name, role)
       VALUES ($1, $2, 'Owner', 'owner'), ($1, $3, 'Member', 'member')`,
      [conversationId, owner, member],
    );
    const messageId = randomUUID();
    await db.query(
      `INSERT INTO messages (id, conversation_id, sender_id, body, sent_at, seq)
       VALUES ($1, $2, $3, 'first', now(), 1)`,
      [messageId, conversationId, owner],
    );
    const row = await participants.find(conversationId, member);
    if (!row) throw new Error('no participant');
    return { conversationId, owner, member, messageId, participant: row };
  }

  /** Waits until `count` sessions of this database wait for a lock. */
  async function waitingSessions(count: number): Promise<void> {
    const deadline = Date.now() + 5000;
    for (let delay = 5; ; delay = Math.min(delay * 2, 50)) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l
           JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database()`,
      );
      if ((rows[0]?.n ?? 0) >= count) return;
      if (Date.now() > deadline) throw new Error(`${count} sessions never waited for a lock`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Runs `first` until it waits for `table` (held by the blocker), then `second` until it waits
   * too, then lets `first` go; both must succeed.
   */
  async function interleave(
    table: string,
    first: () => Promise<unknown>,
    second: () => Promise<unknown>,
  ): Promise<[unknown, unknown]> {
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${table} IN SHARE MODE`);
    let running: [Promise<unknown>, Promise<unknown>] | null = null;
    try {
      const one = first();
      one.catch(() => undefined);
      await waitingSessions(1);
      const two = second();
      two.catch(() => undefined);
      running = [one, two];
      await waitingSessions(2);
    } finally {
      await blocker.query('COMMIT');
    }
    const [a, b] = await Promise.allSettled(running);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    return [a.value, b.value];
  }

  it('flushes delivered positions while a removal of the same member waits, and both succeed', async () => {
    const r = await room();
    const [senders] = await interleave(
      'message_receipt_changes',
      () => receipts.flushDelivered(r.conversationId, [{ userId: r.member, seq: 1n }]),
      () => participants.leave(r.participant, () => undefined),
    );
    expect(senders).toEqual([r.owner]);
    const { rows } = await db.query(
      `SELECT is_active, last_delivered_seq::int AS delivered FROM participants WHERE id = $1`,
      [r.participant.id],
    );
    expect(rows[0]).toEqual({ is_active: false, delivered: 1 });
  });

  it('moves a read position (Message/set markRead) while a removal of the same member waits', async () => {
    const r = await room();
    const [moved] = await interleave(
      'message_receipt_changes',
      () => receipts.setReadPosition(r.conversationId, r.member, r.messageId),
      () => participants.leave(r.participant, () => undefined),
    );
    expect(moved).toBe(true);
  });

  it('moves a read position (Participant/set lastReadMessageId) while a removal waits', async () => {
    const r = await room();
    await interleave(
      'message_receipt_changes',
      () => participants.update(r.participant, { lastRead: { messageId: r.messageId, seq: 1n } }),
      () => participants.leave(r.participant, () => undefined),
    );
    const { rows } = await db.query(
      `SELECT is_active, last_read_seq::int AS read FROM participants WHERE id = $1`,
      [r.participant.id],
    );
    expect(rows[0]).toEqual({ is_active: false, read: 1 });
  });

  it('deletes a message while a send replying to it waits, and both succeed', async () => {
    const r = await room();
    const reply = {
      conversationId: r.conversationId,
      assumed: null,
      row: {
        id: randomUUID(),
        senderId: r.member,
        body: 'a reply',
        bodyType: 'text/plain',
        proposedSentAt: null,
        replyToMessageId: r.messageId,
        attachments: [],
        metadata: {},
        clientKey: null,
        isSystemMessage: false,
      },
    };
    const [deleted, sent] = await interleave(
      'message_versions',
      () =>
        edits.update(
          r.conversationId,
          r.messageId,
          async (current, tx) => {
            if (current.isDeleted) throw new NothingToWrite();
            await edits.forgetForDelete(tx, current);
            return { isDeleted: true, body: '' };
          },
          { touchConversation: false },
        ),
      () => sends.insertBatch([reply]).then((outcome) => outcome.results),
    );
    expect(deleted).toMatchObject({ id: r.messageId, isDeleted: true });
    expect(sent).toEqual([{ kind: 'stored', message: expect.objectContaining({ seq: 2n }) }]);
  });
});

describe('PrismaService.transaction (real PostgreSQL)', () => {
  let db: Client;
  let prisma: PrismaService;

  beforeAll(async () => {
    db = new Client({ connectionString: url() });
    await db.connect();
    prisma = new PrismaService({ url: url(), poolSize: 4 });
    await prisma.onModuleInit();
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await db?.end();
  });

  it('runs a transaction PostgreSQL aborted as a deadlock again, from the start', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      await db.query(`INSERT INTO users (id, email, display_name) VALUES ($1, $2, 'D')`, [
        id,
        `${randomBytes(6).toString('hex')}@example.test`,
      ]);
    }
    const [a, b] = ids as [string, string];
    // Two transactions lock the same two rows in opposite orders, each pausing in between until
    // the other holds its first row: PostgreSQL must abort one, which runs again and succeeds.
    const runs = { forward: 0, backward: 0 };
    let held = 0;
    const bothHold = async () => {
      held += 1;
      const deadline = Date.now() + 5000;
      while (held < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    const lockInOrder = (first: string, second: string, key: keyof typeof runs) =>
      prisma.transaction(async (tx) => {
        runs[key] += 1;
        await tx.$executeRaw`UPDATE users SET display_name = 'D1' WHERE id = ${first}::uuid`;
        if (runs[key] === 1) await bothHold();
        await tx.$executeRaw`UPDATE users SET display_name = 'D2' WHERE id = ${second}::uuid`;
        return key;
      });
    const results = await Promise.all([
      lockInOrder(a, b, 'forward'),
      lockInOrder(b, a, 'backward'),
    ]);
    expect(results).toEqual(['forward', 'backward']);
    expect(runs.forward + runs.backward).toBe(3);
  });
});
