import './messaging-prefix';
import { DeliveredPositions } from '../../apps/messaging/src/messages/delivered-positions';
import { READ_BY_CAP } from '../../apps/messaging/src/messages/receipts';
import { Harness } from './messaging-support';

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
