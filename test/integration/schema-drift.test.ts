// prisma/schema.prisma and the database the SQL migrations build must describe the same tables
// (the comparison is scripts/lib/schema-drift.cjs, which `npm run check` runs too, through
// scripts/schema-check.mjs).
import { Client } from 'pg';
import {
  compareSchema,
  findSchemaDrift,
  parseSchema,
  readDatabaseColumns,
  type SchemaDrift,
} from '../../scripts/lib/schema-drift.cjs';

describe('schema.prisma and the migrated database', () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  let drift: SchemaDrift;

  beforeAll(async () => {
    await client.connect();
    drift = await findSchemaDrift(client);
  });

  afterAll(() => client.end());

  it('has a table for every model and a model for every table', () => {
    expect(drift.tablesMissing).toEqual([]);
    expect(drift.tablesNotInSchema).toEqual([]);
  });

  it('has a column of a compatible type and nullability for every scalar field', () => {
    expect(drift.fieldProblems).toEqual([]);
  });

  it('has a field for every column', () => {
    expect(drift.columnsNotInSchema).toEqual([]);
  });

  it('notices a schema that drifted from the database', async () => {
    const schema = parseSchema(`
model User {
  id          String  @id @db.Uuid
  email       String?
  nickname    String
  isActive    Int     @map("is_active")
  @@map("users")
}
model Ghost {
  id String @id
  @@map("ghosts")
}`);
    const found = compareSchema(schema, await readDatabaseColumns(client));
    expect(found.tablesMissing).toEqual(['ghosts']);
    expect(found.tablesNotInSchema).toContain('messages');
    expect(found.fieldProblems).toEqual(
      expect.arrayContaining([
        'users.email: optional in the schema only',
        'User.nickname: no column users.nickname',
        'users.is_active: Int in the schema, bool in the database',
      ]),
    );
    expect(found.columnsNotInSchema).toContain('users.password_hash');
  });
});
