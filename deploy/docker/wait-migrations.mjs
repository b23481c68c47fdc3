// `jchat wait-migrations`: waits until the database at DATABASE_URL has every migration of this
// image applied (by `jchat migrate`, e.g. the Kubernetes Job), then exits 0; exits 1 after
// WAIT_MIGRATIONS_TIMEOUT_S (default 600). The init container of the services on Kubernetes.
import pg from 'pg';
// Paths as laid out in the image: /app/deploy/wait-migrations.mjs, /app/scripts/lib/migrate.mjs.
import { listMigrations } from '../scripts/lib/migrate.mjs';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set');
  process.exit(2);
}
const timeoutMs = Number(process.env.WAIT_MIGRATIONS_TIMEOUT_S ?? 600) * 1000;
const wanted = (await listMigrations()).map((migration) => migration.name);
const deadline = Date.now() + timeoutMs;

async function missing() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT migration_name FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    return wanted.filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}

let last = '';
for (;;) {
  let state;
  try {
    const left = await missing();
    if (left.length === 0) {
      console.log(`all ${wanted.length} migrations applied`);
      process.exit(0);
    }
    state = `waiting for ${left.length} migration(s): ${left.join(', ')}`;
  } catch (error) {
    // No ledger yet (42P01) or no database yet: the migration job has not run.
    state = `waiting for the database: ${error.message}`;
  }
  if (state !== last) console.log(state);
  last = state;
  if (Date.now() > deadline) {
    console.error(`gave up after ${timeoutMs / 1000} s`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
