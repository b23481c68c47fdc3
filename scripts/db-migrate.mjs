// npm run db:migrate: applies pending migrations to $DATABASE_URL.
import { applyMigrations } from './lib/migrate.mjs';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/jchat)');
  process.exit(2);
}
try {
  const applied = await applyMigrations(url, (line) => console.log(line));
  console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
