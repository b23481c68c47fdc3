// Message/changes and Message/queryChanges through the gateway after each kind of change.
import { Client } from 'pg';
import { createConversation, ok } from './conversations.fixtures';
import { newUser, type TestUser } from './support/http';

async function send(user: TestUser, conversationId: string, body: string): Promise<string> {
  const result = await ok(user, 'Message/set', { create: { m: { conversationId, body } } });
  const id = result['created']?.m?.id;
  if (typeof id !== 'string') throw new Error(`send failed: ${JSON.stringify(result)}`);
  return id;
}

describe('Message sync through the gateway', () => {
  let ann: TestUser;
  let bob: TestUser;
  let room: string;
  /** Bob's view: the query he keeps in sync and its states. */
  const filter = () => ({ conversationId: room, isSystemMessage: false });
  const sort = [{ property: 'sentAt', isAscending: true }];
  let state: string;
  let queryState: string;
  let ids: string[];

  /** Bob's changes since his last state; advances it. */
  async function bobChanges() {
    const changes = await ok(bob, 'Message/changes', { sinceState: state });
    expect(changes['hasMoreChanges']).toBe(false);
    state = changes['newState'];
    return changes;
  }

  async function bobQueryChanges() {
    const changes = await ok(bob, 'Message/queryChanges', {
      filter: filter(),
      sort,
      sinceQueryState: queryState,
      calculateTotal: true,
    });
    queryState = changes['newQueryState'];
    return changes;
  }

  beforeAll(async () => {
    [ann, bob] = await Promise.all([newUser(), newUser()]);
    room = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
    ids = [await send(ann, room, 'one'), await send(ann, room, 'two')];
    state = (await ok(bob, 'Message/get', { ids }))['state'];
    const query = await ok(bob, 'Message/query', { filter: filter(), sort });
    expect(query['ids']).toEqual(ids);
    expect(query['canCalculateChanges']).toBe(true);
    queryState = query['queryState'];
  });

  it('send: created in /changes, added at its index in /queryChanges', async () => {
    const id = await send(ann, room, 'three');
    const changes = await bobChanges();
    expect(changes['created']).toContain(id);
    expect(changes['updated']).not.toContain(id);
    const qc = await bobQueryChanges();
    expect(qc['added']).toEqual([{ id, index: 2 }]);
    expect(qc['total']).toBe(3);
    ids.push(id);
  });

  it('edit: updated in /changes; the results keep their order', async () => {
    await ok(ann, 'Message/set', { update: { [ids[0]!]: { body: 'one (edited)' } } });
    expect((await bobChanges())['updated']).toEqual([ids[0]]);
    const qc = await bobQueryChanges();
    expect(qc['added']).toEqual([]);
    expect(qc['removed']).toEqual([]);
  });

  it('reaction: updated in /changes', async () => {
    await ok(bob, 'Message/set', { update: { [ids[1]!]: { [`reactions/❤️/${bob.id}`]: true } } });
    expect((await bobChanges())['updated']).toEqual([ids[1]]);
    expect((await bobQueryChanges())['added']).toEqual([]);
  });

  it('read receipt: the sender sees updated in /changes', async () => {
    const annState = (await ok(ann, 'Message/get', { ids: [] }))['state'];
    await ok(bob, 'Message/set', { markRead: [ids[2]!] });
    const changes = await ok(ann, 'Message/changes', { sinceState: annState });
    expect(changes['updated']).toEqual(expect.arrayContaining(ids));
  });

  it('delete: updated in /changes, still in the results (it keeps its place)', async () => {
    await ok(ann, 'Message/set', { destroy: [ids[1]!] });
    const changes = await bobChanges();
    expect(changes['updated']).toContain(ids[1]);
    const qc = await bobQueryChanges();
    expect(qc['added']).toEqual([]);
    expect(qc['total']).toBe(3);
  });

  it('follows a text search: edits and deletes move messages in and out', async () => {
    const word = `wombat${Date.now().toString(36)}`;
    const textFilter = { conversationId: room, text: word };
    const a = await send(ann, room, `${word} a`);
    const start = await ok(bob, 'Message/query', { filter: textFilter, sort });
    expect(start['ids']).toEqual([a]);
    const b = await send(ann, room, `${word} b`);
    await ok(ann, 'Message/set', { update: { [a]: { body: 'no longer matching' } } });
    const qc = await ok(bob, 'Message/queryChanges', {
      filter: textFilter,
      sort,
      sinceQueryState: start['queryState'],
    });
    expect(qc['removed']).toEqual(expect.arrayContaining([a]));
    expect(qc['added']).toEqual([{ id: b, index: 0 }]);
  });

  it('pages /changes with maxChanges and hasMoreChanges', async () => {
    const since = (await ok(bob, 'Message/get', { ids: [] }))['state'];
    const sent = [
      await send(ann, room, 'p1'),
      await send(ann, room, 'p2'),
      await send(ann, room, 'p3'),
    ];
    const first = await ok(bob, 'Message/changes', { sinceState: since, maxChanges: 2 });
    expect(first['hasMoreChanges']).toBe(true);
    expect(first['created']).toHaveLength(2);
    const rest = await ok(bob, 'Message/changes', { sinceState: first['newState'], maxChanges: 2 });
    expect(new Set([...first['created'], ...rest['created']])).toEqual(new Set(sent));
  });

  it('reports a message once though a transaction below it still runs, and that one once it commits', async () => {
    // A transaction that took its id first and commits last, as a slow send or edit would.
    const slow = new Client({ connectionString: process.env.DATABASE_URL });
    await slow.connect();
    try {
      for (let calls = 0; calls < 20; calls++) {
        const pending = await bobChanges();
        if (pending['created'].length + pending['updated'].length === 0) break;
      }
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      const id = await send(ann, room, 'sent while an older transaction runs');
      expect((await bobChanges())['created']).toEqual([id]);
      // The horizon is still below the slow transaction: the state must remember `id` was seen.
      const again = await bobChanges();
      expect([...again['created'], ...again['updated']]).toEqual([]);
      expect(await ok(bob, 'Message/changes', { sinceState: state })).toMatchObject({
        created: [],
        updated: [],
      });
      await slow.query(
        `UPDATE messages SET body = 'edited by the slow transaction' WHERE id = $1`,
        [ids[0]],
      );
      await slow.query('COMMIT');
      const after = await bobChanges();
      expect(after['created']).toEqual([]);
      expect(after['updated']).toEqual([ids[0]]);
    } finally {
      await slow.end();
    }
  });

  it('pages on past a receipts read cut short, reporting every message whose readBy moved', async () => {
    // Receipt moves are read per conversation up to 8 × (maxChanges + 1) (move, message) pairs.
    const readers = [bob, ...(await Promise.all(Array.from({ length: 11 }, () => newUser())))];
    const group = (
      await createConversation(ann, { participantIds: readers.map((reader) => reader.id) })
    )['id'];
    const [first, second] = [await send(ann, group, 'r1'), await send(ann, group, 'r2')];
    let since = (await ok(ann, 'Message/get', { ids: [] }))['state'];
    for (let calls = 0; calls < 20; calls++) {
      const pending = await ok(ann, 'Message/changes', { sinceState: since });
      if (pending['created'].length + pending['updated'].length === 0) break;
      since = pending['newState'];
    }
    // Each reader's move crosses the conversation's system message and `first`: twelve moves
    // fill the read for maxChanges 2 (24 pairs) with those two messages alone. Bob's next move,
    // crossing `second` only, lies past it.
    for (const reader of readers) await ok(reader, 'Message/set', { markRead: [first] });
    await ok(bob, 'Message/set', { markRead: [second] });
    const reported = new Set<string>();
    for (let calls = 0; calls < 20; calls++) {
      const changes = await ok(ann, 'Message/changes', { sinceState: since, maxChanges: 2 });
      for (const id of [...changes['created'], ...changes['updated']]) reported.add(id);
      since = changes['newState'];
      if (!changes['hasMoreChanges']) break;
    }
    expect([...reported]).toEqual(expect.arrayContaining([first, second]));
  });

  it('refuses a state it never issued, and ifInState that no longer holds', async () => {
    const bad = await ok(bob, 'Message/changes', { sinceState: 'not-a-state!' }).catch(
      (e: Error) => e.message,
    );
    expect(String(bad)).toContain('cannotCalculateChanges');
    const old = (await ok(ann, 'Message/get', { ids: [] }))['state'];
    await send(bob, room, 'moves the state');
    const conflict = await ok(ann, 'Message/set', {
      ifInState: old,
      create: { x: { conversationId: room, body: 'x' } },
    }).catch((e: Error) => e.message);
    expect(String(conflict)).toContain('stateMismatch');
  });
});
