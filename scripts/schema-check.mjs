// npm run schema:check (part of npm run check): do prisma/schema.prisma and the database the SQL
// migrations build agree? Migrates a throwaway database on the local PostgreSQL (as the tests
// find it: JCHAT_TEST_PG_ADMIN_URL, the server on 5432, else a throwaway server), compares it with
// the schema (scripts/lib/schema-drift.cjs, as test/integration/schema-drift.test.ts does), drops
// it, and exits 1 with the differences when there are any.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresForTests, pgQuery, withDatabase } from './lib/infra/postgres.mjs';
import { serverGroup } from './lib/infra/server-process.mjs';
import { InfraError } from './lib/infra/errors.mjs';
import { applyMigrations } from './lib/migrate.mjs';
import drift from './lib/schema-drift.cjs';

const log = (line) => console.log(`[schema-check] ${line}`);
const quiet = () => {};

async function migratedDrift(adminUrl) {
  const database = `jchat_schema_${randomBytes(5).toString('hex')}`;
  await pgQuery(adminUrl, `CREATE DATABASE "${database}"`);
  try {
    const url = withDatabase(adminUrl, database);
    await applyMigrations(url, quiet);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await drift.findSchemaDrift(client);
    } finally {
      await client.end();
    }
  } finally {
    await pgQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

const servers = serverGroup(log);
let code = 0;
try {
  const adminUrl = await postgresForTests(servers, quiet);
  const problems = drift.describeDrift(await migratedDrift(adminUrl));
  if (problems.length === 0) {
    log('prisma/schema.prisma and the migrated database agree');
  } else {
    console.error('[schema-check] prisma/schema.prisma and the migrations disagree:');
    for (const line of problems) console.error(`  ${line}`);
    console.error('Change the schema or add a migration (prisma/migrations) so that both agree.');
    code = 1;
  }
} catch (error) {
  console.error(`[schema-check] ${error instanceof InfraError ? error.message : error?.stack}`);
  code = 1;
} finally {
  await servers.stop();
}
process.exit(code);
