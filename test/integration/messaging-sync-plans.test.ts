import './messaging-prefix';
import { type Prisma, PrismaService } from '@jchat/db';
import { Harness } from './messaging-support';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows a plan read from `relation`: those its scans passed on and those they filtered out. */
function rowsReadFrom(relation: string, node: PlanNode): number {
  const own =
    node['Relation Name'] === relation
      ? (node['Actual Rows'] +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
        node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsReadFrom(relation, child), 0);
}

const HISTORY = 3000;

/**
 * The sync reads (Message/changes, and the Message/get that follows) cost what changed, not the
 * history, also while PostgreSQL's statistics still describe the tables as they were when small
 * (a new deployment, or a conversation that grew between two analyzes): a plan made from them
 * must not scan a conversation's history to find a few messages.
 */
describe('messaging: sync reads with statistics from when the tables were small', () => {
  const h = new Harness({ DELIVERED_FLUSH_MS: '0' });
  const captured: Prisma.Sql[] = [];
  let ann: string;
  let bob: string;
  let room: string;

  beforeAll(async () => {
    await h.start();
    const prisma = h.get(PrismaService);
    const hotQuery = prisma.hotQuery.bind(prisma);
    jest.spyOn(prisma, 'hotQuery').mockImplementation((query: Prisma.Sql) => {
      captured.push(query);
      return hotQuery(query);
    });
    ann = await h.user('Ann');
    bob = await h.user('Bob');
    room = await h.conversation([{ userId: ann, role: 'owner' }, { userId: bob }]);
    await h.send(bob, room, 'first');
    for (const table of ['messages', 'message_receipt_changes', 'participants', 'conversations']) {
      await h.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
      await h.db.query(`ANALYZE ${table}`);
    }
    // A long history, written behind the statistics' back.
    await h.db.query(
      `INSERT INTO messages (conversation_id, sender_id, body, sent_at, seq)
       SELECT $1, $2, 'old ' || g, now() - interval '1 day' + g * interval '1 second', 1 + g
         FROM generate_series(1, $3::int) AS g`,
      [room, bob, HISTORY],
    );
    await h.db.query(
      `UPDATE conversations SET last_message_seq = 1 + $2::int, message_count = message_count + $2::int
        WHERE id = $1`,
      [room, HISTORY],
    );
    // Both have read it all.
    await h.db.query(
      `UPDATE participants SET last_read_message_id =
              (SELECT id FROM messages WHERE conversation_id = $1 AND seq = 1 + $2::int)
        WHERE conversation_id = $1`,
      [room, HISTORY],
    );
  }, 30000);

  afterAll(async () => {
    for (const table of ['messages', 'message_receipt_changes', 'participants', 'conversations']) {
      await h.db.query(`ALTER TABLE ${table} RESET (autovacuum_enabled)`);
    }
    await h.stop();
  });

  /** A value as a quoted literal, of whatever type the statement gives its parameter. */
  function literal(value: unknown): string {
    const text = Array.isArray(value)
      ? `{${value.map((item) => `"${String(item)}"`).join(',')}}`
      : String(value);
    return h.db.escapeLiteral(text);
  }

  /**
   * Rows of `messages` each hot statement run since `from` read, by EXPLAIN ANALYZE: as planned
   * for its values (custom), and as the plan PostgreSQL may keep for a prepared statement after a
   * few runs (generic, made without the values).
   */
  async function messageRowsRead(from: number): Promise<{ custom: number; generic: number }[]> {
    const reads: { custom: number; generic: number }[] = [];
    for (const query of captured.slice(from)) {
      if (!/\bmessages\b/.test(query.text)) continue;
      const values = query.values as unknown[];
      const custom = await h.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`, values);
      await h.db.query(`SET plan_cache_mode = force_generic_plan`);
      await h.db.query(`PREPARE sync_read AS ${query.text}`);
      const generic = await h.db.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE sync_read(${values.map(literal).join(', ')})`,
      );
      await h.db.query(`DEALLOCATE sync_read`);
      await h.db.query(`RESET plan_cache_mode`);
      const rowsRead = (result: { rows: Record<string, unknown>[] }) => {
        const [plan] = result.rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[];
        return rowsReadFrom('messages', plan!.Plan);
      };
      reads.push({ custom: rowsRead(custom), generic: rowsRead(generic) });
    }
    return reads;
  }

  it('finds the changes and fetches the new messages without reading the history', async () => {
    const state = (await h.call(ann, 'Message/get', { ids: [] }))['state'];
    const sent: string[] = [];
    for (let i = 0; i < 5; i += 1) sent.push(await h.send(bob, room, `new ${i}`));
    await h.call(ann, 'Message/set', { markRead: [sent[2]] });
    // Bob's next send moves his read position too: receipt changes on both sides.
    sent.push(await h.send(bob, room, 'and one more'));

    const from = captured.length;
    const changes = await h.call(ann, 'Message/changes', { sinceState: state });
    expect([...changes['created']].sort()).toEqual([...sent].sort());
    const got = await h.call(ann, 'Message/get', { ids: changes['created'], properties: ['body'] });
    expect(got['list']).toHaveLength(sent.length);

    const reads = await messageRowsRead(from);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    // A few rows per message that changed, not the HISTORY rows behind them.
    for (const read of reads) {
      expect(read.custom).toBeLessThan(200);
      expect(read.generic).toBeLessThan(200);
    }
  });
});
