import './messaging-prefix';
import type { Client } from 'pg';
import {
  DeliveredPositions,
  FLUSH_CHUNK_POSITIONS,
} from '../../apps/messaging/src/messages/delivered-positions';
import { READ_BY_CAP } from '../../apps/messaging/src/messages/receipts';
import { ReceiptsRepository } from '../../apps/messaging/src/messages/receipts.repository';
import { StateEvents } from '../../apps/messaging/src/events/state-events';
import { Harness } from './messaging-support';

interface ExplainedPlan {
  'Query Text': string;
  Plan: PlanNode;
}

interface PlanNode {
  'Actual Loops': number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows that the plan's joins compared and threw away, over all their loops. */
function rowsRemovedByJoinFilters(node: PlanNode): number {
  const own = (node['Rows Removed by Join Filter'] ?? 0) * node['Actual Loops'];
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRemovedByJoinFilters(child), 0);
}

/** The executed plans (auto_explain, sent to this client) of every statement `run` makes. */
async function nestedPlans(db: Client, run: () => Promise<unknown>): Promise<ExplainedPlan[]> {
  const plans: ExplainedPlan[] = [];
  const onNotice = (notice: { message?: string }): void => {
    const text = notice.message ?? '';
    const start = text.indexOf('{');
    if (text.includes('plan:') && start >= 0) plans.push(JSON.parse(text.slice(start)));
  };
  await db.query(`LOAD 'auto_explain'`);
  await db.query(`SET auto_explain.log_min_duration = 0`);
  await db.query(`SET auto_explain.log_analyze = on`);
  await db.query(`SET auto_explain.log_nested_statements = on`);
  await db.query(`SET auto_explain.log_format = 'json'`);
  await db.query(`SET client_min_messages = 'log'`);
  db.on('notice', onNotice);
  try {
    await run();
  } finally {
    db.off('notice', onNotice);
    await db.query(`RESET client_min_messages`);
    await db.query(`SET auto_explain.log_min_duration = -1`);
  }
  return plans;
}

describe('messaging at scale: delivery receipts, readBy, stale access, monotonic sends', () => {
  // Flushes happen when the test asks, never on a timer that load could delay or hurry.
  const h = new Harness({ DELIVERED_FLUSH_MS: '0' });
  let ann: string;
  let bob: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
  }, 30000);

  afterAll(() => h.stop());

  it('many deliveries cost one batched write, no participant modseq and one receipt row', async () => {
    const readers = await Promise.all(Array.from({ length: 30 }, (_, i) => h.user(`R${i}`)));
    const channel = await h.conversation([
      { userId: ann, role: 'owner' },
      ...readers.map((userId) => ({ userId })),
    ]);
    const id = await h.send(ann, channel, 'hello all');
    const state = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    const before = await h.db.query(
      `SELECT user_id, modseq FROM participants WHERE conversation_id = $1 ORDER BY user_id`,
      [channel],
    );
    for (const reader of readers) await h.call(reader, 'Message/get', { ids: [id] });
    // The sender asks: pending positions are flushed, in one batch.
    const got = await h.call(ann, 'Message/get', { ids: [id], properties: ['deliveryStatus'] });
    expect(got['list'][0]['deliveryStatus']).toBe('delivered');
    const after = await h.db.query(
      `SELECT user_id, modseq FROM participants WHERE conversation_id = $1 ORDER BY user_id`,
      [channel],
    );
    expect(after.rows).toEqual(before.rows);
    const logged = await h.db.query(
      `SELECT count(*) AS n FROM message_receipt_changes WHERE conversation_id = $1 AND kind = 'delivered'`,
      [channel],
    );
    // One batch for all 30 readers (the flush timer is off here: the sender's read flushed).
    const rows = Number(logged.rows[0].n);
    expect(rows).toBe(1);
    const changes = await h.call(ann, 'Message/changes', { sinceState: state });
    expect(changes['updated']).toContain(id);
    // The timer has nothing left to do.
    await h.get(DeliveredPositions).flushDirty();
    const again = await h.db.query(
      `SELECT count(*) AS n FROM message_receipt_changes WHERE conversation_id = $1 AND kind = 'delivered'`,
      [channel],
    );
    expect(Number(again.rows[0].n)).toBe(rows);
  });

  /** A channel of Ann's with `members` more members, and `messages` messages of hers in it. */
  async function largeChannel(members: number, messages: number) {
    const channel = await h.conversation([{ userId: ann, role: 'owner' }], { type: 'channel' });
    const { rows } = await h.db.query<{ user_id: string }>(
      `WITH added AS (
         INSERT INTO users (id, email, display_name)
         SELECT gen_random_uuid(), 'member-' || g || '-' || $2 || '@example.test', 'Member ' || g
           FROM generate_series(1, $3::int) g
         RETURNING id)
       INSERT INTO participants (conversation_id, user_id, display_name)
       SELECT $1, id, 'x' FROM added
       RETURNING user_id`,
      [channel, channel.slice(0, 8), members],
    );
    const sent: string[] = [];
    for (let n = 1; n <= messages; n += 1) sent.push(await h.send(ann, channel, `message ${n}`));
    return { channel, readers: rows.map((row) => row.user_id), sent };
  }

  const receiptChanges = async (conversationId: string) =>
    (
      await h.db.query(
        `SELECT kind, from_seq::int, to_seq::int FROM message_receipt_changes
          WHERE conversation_id = $1 ORDER BY id`,
        [conversationId],
      )
    ).rows;

  it('flushes the delivered positions of a large channel in work linear in its members', async () => {
    const members = 1500;
    // PL/pgSQL plans a statement for its arguments the first five times, and may keep a generic
    // plan after: seven flushes check both.
    const flushes = 7;
    const { channel, readers } = await largeChannel(members, flushes);
    const before = await h.db.query(
      `SELECT user_id, modseq, last_read_seq FROM participants WHERE conversation_id = $1 ORDER BY user_id`,
      [channel],
    );
    const loggedBefore = await receiptChanges(channel);

    const plans = await nestedPlans(h.db, async () => {
      for (let seq = 1; seq <= flushes; seq += 1) {
        await h.db.query(
          `SELECT sender::text FROM jchat_flush_delivered($1, $2::uuid[], $3::bigint[], 10)`,
          [channel, readers, readers.map(() => String(seq))],
        );
      }
    });

    // Each flush's statement moving the positions compares the rows it joins a bounded number of
    // times each, not every moved row with every other one (members squared: 2.25 million here).
    const moving = plans.filter((plan) =>
      plan['Query Text'].includes('last_delivered_seq = behind.seq'),
    );
    expect(moving).toHaveLength(flushes);
    for (const plan of moving) expect(rowsRemovedByJoinFilters(plan.Plan)).toBeLessThan(members);
    const moved = await h.db.query(
      `SELECT count(*)::int AS n FROM participants
        WHERE conversation_id = $1 AND user_id <> $2 AND last_delivered_seq = $3`,
      [channel, ann, flushes],
    );
    expect(moved.rows[0].n).toBe(members);
    // Only delivered positions moved: no modseq, no read position, one receipt change in all.
    const after = await h.db.query(
      `SELECT user_id, modseq, last_read_seq FROM participants WHERE conversation_id = $1 ORDER BY user_id`,
      [channel],
    );
    expect(after.rows).toEqual(before.rows);
    const logged = await receiptChanges(channel);
    expect(logged).toEqual([
      ...loggedBefore,
      ...Array.from({ length: flushes }, (_, n) => ({
        kind: 'delivered',
        from_seq: n,
        to_seq: n + 1,
      })),
    ]);
  });

  it("writes a large channel's delivered positions a part at a time, so its sends wait less", async () => {
    const members = FLUSH_CHUNK_POSITIONS + 500;
    const { channel, readers, sent } = await largeChannel(members, 1);
    const loggedBefore = await receiptChanges(channel);
    const positions = h.get(DeliveredPositions);
    await positions.recordMany(
      readers.map((userId) => ({ conversationId: channel, userId, seq: 1n })),
    );
    await positions.flush([channel]);

    const moved = await h.db.query(
      `SELECT count(*)::int AS n FROM participants
        WHERE conversation_id = $1 AND user_id <> $2 AND last_delivered_seq = 1`,
      [channel, ann],
    );
    expect(moved.rows[0].n).toBe(members);
    // A statement, and a receipt change, per part.
    expect(await receiptChanges(channel)).toEqual([
      ...loggedBefore,
      { kind: 'delivered', from_seq: 0, to_seq: 1 },
      { kind: 'delivered', from_seq: 0, to_seq: 1 },
    ]);
    const got = await h.call(ann, 'Message/get', { ids: sent, properties: ['deliveryStatus'] });
    expect(got['list'][0]['deliveryStatus']).toBe('delivered');
  });

  it('keeps the parts a failed flush wrote, puts the rest back and tells their senders', async () => {
    const members = FLUSH_CHUNK_POSITIONS + 500;
    const { channel, readers } = await largeChannel(members, 1);
    const receipts = h.get(ReceiptsRepository);
    const write = receipts.flushDelivered.bind(receipts);
    let statements = 0;
    const failing = jest.spyOn(receipts, 'flushDelivered').mockImplementation((id, part) => {
      statements += 1;
      return statements === 2 ? Promise.reject(new Error('connection lost')) : write(id, part);
    });
    const told = jest.spyOn(h.get(StateEvents), 'changedFor');
    const positions = h.get(DeliveredPositions);
    const movedCount = async () =>
      (
        await h.db.query(
          `SELECT count(*)::int AS n FROM participants
            WHERE conversation_id = $1 AND user_id <> $2 AND last_delivered_seq = 1`,
          [channel, ann],
        )
      ).rows[0].n;
    try {
      await positions.recordMany(
        readers.map((userId) => ({ conversationId: channel, userId, seq: 1n })),
      );
      await positions.flush([channel]); // logs the failure, does not throw
      expect(await movedCount()).toBe(FLUSH_CHUNK_POSITIONS);
      expect(told).toHaveBeenCalledWith([ann], ['Message']);
    } finally {
      failing.mockRestore();
      told.mockRestore();
    }
    await positions.flush([channel]);
    expect(await movedCount()).toBe(members);
  });

  it('caps readBy and computes it without loading every participant', async () => {
    const readers = await Promise.all(
      Array.from({ length: READ_BY_CAP + 5 }, (_, i) => h.user(`Q${i}`)),
    );
    const channel = await h.conversation([
      { userId: ann, role: 'owner' },
      ...readers.map((userId) => ({ userId })),
    ]);
    const id = await h.send(ann, channel, 'read me, everyone');
    await h.db.query(
      `UPDATE participants SET last_read_message_id = $2 WHERE conversation_id = $1`,
      [channel, id],
    );
    const got = await h.call(ann, 'Message/get', {
      ids: [id],
      properties: ['deliveryStatus', 'readBy'],
    });
    expect(got['list'][0]['deliveryStatus']).toBe('read');
    expect(got['list'][0]['readBy']).toHaveLength(READ_BY_CAP);
    expect(got['list'][0]['readBy']).toEqual([...readers].sort().slice(0, READ_BY_CAP));
  });

  it('refuses a send from a stale cached answer: archived, or the poster demoted', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    await h.send(bob, room, 'cached now');
    // Archived behind the cache's back (no accessChanged event).
    await h.db.query(`UPDATE conversations SET is_archived = true WHERE id = $1`, [room]);
    let set = await h.call(bob, 'Message/set', {
      create: { m: { conversationId: room, body: 'still?' } },
    });
    expect(set['notCreated']?.['m']?.['type']).toBe('forbidden');

    const announcements = await h.conversation(
      [
        { userId: ann, role: 'owner' },
        { userId: bob, role: 'admin' },
      ],
      { type: 'announcement' },
    );
    await h.send(bob, announcements, 'admin speaking');
    await h.db.query(
      `UPDATE participants SET role = 'member' WHERE conversation_id = $1 AND user_id = $2`,
      [announcements, bob],
    );
    set = await h.call(bob, 'Message/set', {
      create: { m: { conversationId: announcements, body: 'demoted' } },
    });
    expect(set['notCreated']?.['m']?.['type']).toBe('forbidden');
  });

  it('keeps sentAt monotonic after the latest message is deleted', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const future = new Date(Date.now() - 1000).toISOString();
    await h.send(ann, room, 'first', { sentAt: new Date(Date.now() - 60_000).toISOString() });
    const latest = await h.send(ann, room, 'latest', { sentAt: future });
    const latestAt = (await h.call(ann, 'Message/get', { ids: [latest], properties: ['sentAt'] }))[
      'list'
    ][0]['sentAt'];
    await h.call(ann, 'Message/set', { destroy: [latest] });
    const next = await h.send(bob, room, 'after', { sentAt: '2001-01-01T00:00:00Z' });
    const nextAt = (await h.call(bob, 'Message/get', { ids: [next], properties: ['sentAt'] }))[
      'list'
    ][0]['sentAt'];
    expect(Date.parse(nextAt)).toBeGreaterThanOrEqual(Date.parse(latestAt));
  });

  it('prunes old receipt changes, and a state from before them cannot be synced', async () => {
    const room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    const id = await h.send(ann, room, 'old news');
    const state = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    await h.call(bob, 'Message/set', { markRead: [id] });
    await h.db.query(`UPDATE message_receipt_changes SET created_at = now() - interval '400 days'`);
    expect(await h.get(DeliveredPositions).prune()).toBeGreaterThan(0);
    const [response] = await h.jmap(ann, [['Message/changes', { sinceState: state }]]);
    expect(response?.[0]).toBe('error');
    expect(response?.[1]['type']).toBe('cannotCalculateChanges');
    const fresh = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    expect((await h.call(ann, 'Message/changes', { sinceState: fresh }))['updated']).toEqual([]);
  });
});
