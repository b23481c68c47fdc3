import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** Seed fields served from other tables rather than stored in their own column. */
const DERIVED: Record<string, string> = {
  'conversation.participant_ids': 'participants.user_id of the active participants',
};

const TABLES: Record<string, string> = {
  user: 'users',
  session: 'sessions',
  conversation: 'conversations',
  message: 'messages',
  participant: 'participants',
  presence: 'presence',
  state_counter: 'state_counters',
  role: 'roles',
  user_role: 'user_roles',
  conversation_role: 'conversation_roles',
};

function seedRecords(): Map<string, string[]> {
  const text = readFileSync(path.join(__dirname, '..', '..', 'docs', 'jchat.hrl'), 'utf8');
  const records = new Map<string, string[]>();
  for (const match of text.matchAll(/-record\((\w+),\s*\{([\s\S]*?)\}\)\./g)) {
    const fields = [...match[2]!.matchAll(/^\s*(\w+)\s*,?\s*%/gm)].map((m) => m[1]!);
    records.set(match[1]!, fields);
  }
  return records;
}

describe('migrations', () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  it('the seed file has the ten records', () => {
    expect([...seedRecords().keys()].sort()).toEqual(Object.keys(TABLES).sort());
  });

  it.each(Object.entries(TABLES))(
    'creates a table for %s with a column per seed field',
    async (record, table) => {
      const { rows } = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      const columns = new Set(rows.map((r) => r.column_name));
      expect(columns.size).toBeGreaterThan(0);
      const fields = seedRecords().get(record)!;
      expect(fields.length).toBeGreaterThan(3);
      const missing = fields.filter((f) => !columns.has(f) && !DERIVED[`${record}.${f}`]);
      expect(missing).toEqual([]);
    },
  );

  it('records every applied migration the way prisma migrate does', async () => {
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('gives every write of a shared row a fresh modseq', async () => {
    const user = await client.query<{ id: string; modseq: string }>(
      `INSERT INTO users (email, display_name) VALUES ('modseq-${Date.now()}@example.test', 'M') RETURNING id, modseq`,
    );
    const updated = await client.query<{ modseq: string }>(
      `UPDATE users SET display_name = 'N' WHERE id = $1 RETURNING modseq`,
      [user.rows[0]!.id],
    );
    expect(BigInt(updated.rows[0]!.modseq)).toBeGreaterThan(BigInt(user.rows[0]!.modseq));
  });

  it('seeds the system roles', async () => {
    const { rows } = await client.query(`SELECT name FROM roles WHERE is_system ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(['system-admin', 'user']);
  });
});
