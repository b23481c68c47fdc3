// Does prisma/schema.prisma describe the database the SQL migrations build? `prisma migrate diff`
// needs an engine this project cannot download, so this compares them itself: every model is a
// table, every scalar field a column of a compatible type and nullability, and every table and
// column of the migrated database is in the schema. CommonJS so that both scripts/schema-check.mjs
// (npm run check) and test/integration/schema-drift.test.ts (jest) use it. Types: schema-drift.d.cts.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'prisma', 'schema.prisma');

/** Prisma scalar types and the PostgreSQL types (information_schema `udt_name`) they map to. */
const COMPATIBLE = {
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

/** The tables (table → model) and scalar fields (with their columns) of a schema.prisma text. */
function parseSchema(text) {
  const models = new Set([...text.matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1]));
  const tables = new Map();
  const columns = [];
  for (const [, model, body] of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    tables.set(/@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model, model);
    for (const line of body.split('\n')) {
      const field = /^\s*(\w+)\s+(\w+)(\(\s*"[^"]*"\s*\))?(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.trim().startsWith('@@') || line.trim().startsWith('//')) continue;
      const [, name, type, , list, optional, rest] = field;
      if (models.has(type) || rest.includes('@relation(')) continue; // a relation, no column
      columns.push({
        model,
        field: name,
        column: /@map\("([^"]+)"\)/.exec(rest)?.[1] ?? name,
        type,
        optional: optional === '?',
        list: list === '[]',
      });
    }
  }
  return { tables, columns };
}

/** The columns of the public schema (but Prisma's own table), keyed `table.column`. */
async function readDatabaseColumns(client) {
  const { rows } = await client.query(
    `SELECT table_name, column_name, udt_name, is_nullable, data_type
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
  );
  return new Map(
    rows.map((row) => [
      `${row.table_name}.${row.column_name}`,
      {
        udt: row.udt_name.replace(/^_/, ''),
        nullable: row.is_nullable === 'YES',
        array: row.data_type === 'ARRAY',
      },
    ]),
  );
}

/** Every disagreement between a parsed schema and the database's columns, by kind. */
function compareSchema(schema, database) {
  const tablesInDb = new Set([...database.keys()].map((key) => key.split('.')[0]));
  const tableOf = new Map([...schema.tables].map(([table, model]) => [model, table]));
  const fieldProblems = [];
  for (const field of schema.columns) {
    const key = `${tableOf.get(field.model)}.${field.column}`;
    const column = database.get(key);
    if (!column) {
      fieldProblems.push(`${field.model}.${field.field}: no column ${key}`);
      continue;
    }
    if (field.type !== 'Unsupported' && !COMPATIBLE[field.type]?.includes(column.udt))
      fieldProblems.push(`${key}: ${field.type} in the schema, ${column.udt} in the database`);
    if (field.optional !== column.nullable)
      fieldProblems.push(`${key}: ${field.optional ? 'optional' : 'required'} in the schema only`);
    if (field.list !== column.array) fieldProblems.push(`${key}: a list on one side only`);
  }
  const declared = new Set(schema.columns.map((f) => `${tableOf.get(f.model)}.${f.column}`));
  return {
    tablesMissing: [...schema.tables.keys()].filter((table) => !tablesInDb.has(table)),
    tablesNotInSchema: [...tablesInDb].filter((table) => !schema.tables.has(table)).sort(),
    fieldProblems,
    columnsNotInSchema: [...database.keys()].filter((key) => !declared.has(key)).sort(),
  };
}

/** Compares prisma/schema.prisma (or `schemaText`) with the database `client` is connected to. */
async function findSchemaDrift(client, schemaText = fs.readFileSync(SCHEMA_FILE, 'utf8')) {
  return compareSchema(parseSchema(schemaText), await readDatabaseColumns(client));
}

/** The drift as lines for a person, empty when there is none. */
function describeDrift(drift) {
  const sections = [
    ['models without a table in the database', drift.tablesMissing],
    ['tables of the database without a model in schema.prisma', drift.tablesNotInSchema],
    ['fields that do not match their column', drift.fieldProblems],
    ['columns of the database without a field in schema.prisma', drift.columnsNotInSchema],
  ];
  return sections
    .filter(([, items]) => items.length > 0)
    .flatMap(([title, items]) => [`${title}:`, ...items.map((item) => `  - ${item}`)]);
}

module.exports = {
  SCHEMA_FILE,
  parseSchema,
  readDatabaseColumns,
  compareSchema,
  findSchemaDrift,
  describeDrift,
};
