// prisma/schema.prisma and the database the SQL migrations build must describe the same tables:
// `prisma migrate diff` needs an engine this project cannot download, so this compares them
// itself: every model is a table, every scalar field a column of a compatible type and
// nullability, and every table and column of the migrated database is in the schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

interface SchemaColumn {
  model: string;
  field: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
}

/** Prisma scalar types and the PostgreSQL types (information_schema `udt_name`) they map to. */
const COMPATIBLE: Record<string, string[]> = {
  String: ['text', 'varchar', 'uuid', 'bpchar'],
  Int: ['int4', 'int2'],
  BigInt: ['int8'],
  Boolean: ['bool'],
  DateTime: ['timestamptz', 'timestamp', 'date'],
  Json: ['jsonb', 'json'],
  Bytes: ['bytea'],
  Float: ['float8', 'float4'],
  Decimal: ['numeric'],
};

function parseSchema(text: string): { tables: Map<string, string>; columns: SchemaColumn[] } {
  const models = new Set([...text.matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1]!));
  const tables = new Map<string, string>(); // table -> model
  const columns: SchemaColumn[] = [];
  for (const match of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, model, body] = match as unknown as [string, string, string];
    tables.set(/@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model, model);
    for (const line of body.split('\n')) {
      const field = /^\s*(\w+)\s+(\w+)(\(\s*"[^"]*"\s*\))?(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.trim().startsWith('@@') || line.trim().startsWith('//')) continue;
      const [, name, type, , list, optional, rest] = field as unknown as string[];
      if (models.has(type!) || rest!.includes('@relation(')) continue; // a relation, no column
      columns.push({
        model,
        field: name!,
        column: /@map\("([^"]+)"\)/.exec(rest!)?.[1] ?? name!,
        type: type!,
        optional: optional === '?',
        list: list === '[]',
      });
    }
  }
  return { tables, columns };
}

describe('schema.prisma and the migrated database', () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  const schema = parseSchema(
    readFileSync(path.join(__dirname, '..', '..', 'prisma', 'schema.prisma'), 'utf8'),
  );
  let database: Map<string, { udt: string; nullable: boolean; array: boolean }>;

  beforeAll(async () => {
    await client.connect();
    const { rows } = await client.query<{
      table_name: string;
      column_name: string;
      udt_name: string;
      is_nullable: string;
      data_type: string;
    }>(
      `SELECT table_name, column_name, udt_name, is_nullable, data_type
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    database = new Map(
      rows.map((row) => [
        `${row.table_name}.${row.column_name}`,
        {
          udt: row.udt_name.replace(/^_/, ''),
          nullable: row.is_nullable === 'YES',
          array: row.data_type === 'ARRAY',
        },
      ]),
    );
  });

  afterAll(() => client.end());

  it('has a table for every model and a model for every table', () => {
    const tablesInDb = new Set([...database.keys()].map((key) => key.split('.')[0]!));
    expect([...schema.tables.keys()].filter((table) => !tablesInDb.has(table))).toEqual([]);
    expect([...tablesInDb].filter((table) => !schema.tables.has(table)).sort()).toEqual([]);
  });

  it('has a column of a compatible type and nullability for every scalar field', () => {
    const problems: string[] = [];
    const tableOf = new Map([...schema.tables].map(([table, model]) => [model, table]));
    for (const field of schema.columns) {
      const key = `${tableOf.get(field.model)}.${field.column}`;
      const column = database.get(key);
      if (!column) {
        problems.push(`${field.model}.${field.field}: no column ${key}`);
        continue;
      }
      if (field.type !== 'Unsupported' && !COMPATIBLE[field.type]?.includes(column.udt))
        problems.push(`${key}: ${field.type} in the schema, ${column.udt} in the database`);
      if (field.optional !== column.nullable)
        problems.push(`${key}: ${field.optional ? 'optional' : 'required'} in the schema only`);
      if (field.list !== column.array) problems.push(`${key}: a list on one side only`);
    }
    expect(problems).toEqual([]);
  });

  it('has a field for every column', () => {
    const tableOf = new Map([...schema.tables].map(([table, model]) => [model, table]));
    const declared = new Set(
      schema.columns.map((field) => `${tableOf.get(field.model)}.${field.column}`),
    );
    expect([...database.keys()].filter((key) => !declared.has(key)).sort()).toEqual([]);
  });
});
