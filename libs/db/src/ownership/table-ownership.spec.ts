// Enforces TABLE_OWNERSHIP against the code: every write a service makes (raw SQL, the Prisma
// client, the SQL functions of the migrations it calls) is to a table it owns or to a column
// delegated to it; every read is of a table it writes or is a declared reader of; every trigger
// that writes another table is declared; docs/ENGINEERING.md says the same.
import fs from 'node:fs';
import path from 'node:path';
import {
  CROSS_TABLE_TRIGGERS,
  DATABASE_SERVICES,
  type DatabaseService,
  TABLE_OWNERSHIP,
  tablesReadBy,
  tablesWrittenBy,
} from './table-ownership';

const root = path.resolve(__dirname, '../../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** Prisma model name (as the client spells it) → table. */
const MODELS = new Map(
  [...read('prisma/schema.prisma').matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)].flatMap(
    ([, model, body]) => {
      const table = /@@map\("(\w+)"\)/.exec(body)?.[1];
      return table ? [[model.charAt(0).toLowerCase() + model.slice(1), table] as const] : [];
    },
  ),
);
const TABLES = new Set(MODELS.values());

interface Access {
  table: string;
  /** Written columns, when the statement names them (UPDATE ... SET, INSERT (...)). */
  columns: string[] | null;
  where: string;
}

function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/--.*$/gm, '');
}

/** The text with every parenthesised part removed (so commas inside calls do not split). */
function flatten(text: string): string {
  let previous = '';
  let current = text;
  while (current !== previous) {
    previous = current;
    current = current.replace(/\([^()]*\)/g, '');
  }
  return current;
}

function sqlWrites(text: string, where: string): Access[] {
  const accesses: Access[] = [];
  for (const match of text.matchAll(/\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?(\w+)"?/gi)) {
    const table = match[2];
    if (!TABLES.has(table)) continue;
    const rest = text.slice((match.index ?? 0) + match[0].length);
    let columns: string[] | null = null;
    if (/^UPDATE/i.test(match[1])) {
      const set = /\bSET\b([\s\S]*?)(\bFROM\b|\bWHERE\b|\bRETURNING\b|;|`|$)/i.exec(rest);
      columns = set
        ? [...flatten(set[1]).matchAll(/(?:^|,)\s*(?:\w+\.)?"?(\w+)"?\s*=/g)].map((m) => m[1])
        : null;
    } else if (/^INSERT/i.test(match[1])) {
      const list = /^\s*(?:AS\s+\w+\s*)?\(([^)]*)\)/i.exec(rest);
      columns = list ? list[1].split(',').map((c) => c.trim().replace(/"/g, '')) : null;
    }
    accesses.push({ table, columns, where });
  }
  return accesses;
}

function sqlReads(text: string, where: string): Access[] {
  return [...text.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?/gi)]
    .filter((match) => TABLES.has(match[1]))
    .map((match) => ({ table: match[1], columns: null, where }));
}

const PRISMA_WRITE =
  /\.(\w+)\.(create|createMany|createManyAndReturn|update|updateMany|upsert|delete|deleteMany)\(/g;
const PRISMA_READ = /\.(\w+)\.(find\w*|count|aggregate|groupBy)\(/g;

function prismaAccesses(text: string, pattern: RegExp, where: string): Access[] {
  return [...text.matchAll(pattern)]
    .filter((match) => MODELS.has(match[1]))
    .map((match) => ({ table: MODELS.get(match[1]) ?? '', columns: null, where }));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [file] : [];
  });
}

/** The latest definition of each SQL function and procedure of the migrations. */
function sqlFunctions(): Map<string, string> {
  const functions = new Map<string, string>();
  const migrations = fs
    .readdirSync(path.join(root, 'prisma/migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const migration of migrations) {
    const sql = withoutComments(read(`prisma/migrations/${migration}/migration.sql`));
    for (const match of sql.matchAll(
      /CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE) (\w+)\([\s\S]*?\$\$([\s\S]*?)\$\$/g,
    )) {
      functions.set(match[1], match[2]);
    }
  }
  return functions;
}

const FUNCTIONS = sqlFunctions();
const TRIGGER_FUNCTIONS = new Set(
  [
    ...withoutComments(
      fs
        .readdirSync(path.join(root, 'prisma/migrations'))
        .filter((name) => !name.endsWith('.toml'))
        .map((name) => read(`prisma/migrations/${name}/migration.sql`))
        .join('\n'),
    ).matchAll(/EXECUTE FUNCTION (\w+)\(/g),
  ].map((match) => match[1]),
);

/** The SQL functions and procedures `text` calls, and those they call in turn. */
function routinesCalledBy(text: string): string[] {
  const called = new Set<string>();
  const search = (source: string) => {
    for (const [name, body] of FUNCTIONS) {
      if (called.has(name) || TRIGGER_FUNCTIONS.has(name)) continue;
      if (!new RegExp(`\\b${name}\\(`).test(source)) continue;
      called.add(name);
      search(body);
    }
  };
  search(text);
  return [...called];
}

/** What a service's code does to tables, the SQL functions and procedures it calls included. */
function accessesOf(service: DatabaseService): { writes: Access[]; reads: Access[] } {
  const writes: Access[] = [];
  const reads: Access[] = [];
  for (const file of sourceFiles(`apps/${service}/src`)) {
    const text = withoutComments(read(file));
    writes.push(...sqlWrites(text, file), ...prismaAccesses(text, PRISMA_WRITE, file));
    reads.push(...sqlReads(text, file), ...prismaAccesses(text, PRISMA_READ, file));
    for (const name of routinesCalledBy(text)) {
      const body = FUNCTIONS.get(name) ?? '';
      writes.push(...sqlWrites(body, `${file} → ${name}()`));
      reads.push(...sqlReads(body, `${file} → ${name}()`));
    }
  }
  return { writes, reads };
}

describe('table ownership (libs/db/src/ownership/table-ownership.ts)', () => {
  it('names every table of the schema', () => {
    expect(Object.keys(TABLE_OWNERSHIP).sort()).toEqual([...TABLES].sort());
  });

  it.each(DATABASE_SERVICES)(
    '%s writes only what it owns or the columns delegated to it',
    (service) => {
      const problems = accessesOf(service).writes.flatMap((access) => {
        const table = TABLE_OWNERSHIP[access.table];
        // `each`: every service writes rows of its own (the outbox's, named by its `service`).
        if (table.owner === service || table.owner === 'each') return [];
        const delegated = table.delegated?.[service];
        if (!delegated) return [`${access.where}: writes ${access.table}, owned by ${table.owner}`];
        if (access.columns === null) {
          return [`${access.where}: writes ${access.table} without naming its columns`];
        }
        const foreign = access.columns.filter((column) => !delegated.columns.includes(column));
        return foreign.length === 0
          ? []
          : [`${access.where}: writes ${access.table}.${foreign.join(', ')}, not delegated to it`];
      });
      expect(problems).toEqual([]);
    },
  );

  it.each(DATABASE_SERVICES)(
    '%s reads only tables it writes or is a declared reader of',
    (service) => {
      const allowed = new Set(tablesReadBy(service));
      const problems = accessesOf(service)
        .reads.filter((access) => !allowed.has(access.table))
        .map((access) => `${access.where}: reads ${access.table}`);
      expect(problems).toEqual([]);
    },
  );

  it('sees the writes it checks (the scan is not blind)', () => {
    const messaging = accessesOf('messaging').writes;
    const columnsOf = (table: string) =>
      new Set(messaging.flatMap((a) => (a.table === table ? (a.columns ?? []) : [])));
    expect([...columnsOf('conversations')].sort()).toEqual(
      [...(TABLE_OWNERSHIP['conversations'].delegated?.messaging?.columns ?? [])].sort(),
    );
    expect([...columnsOf('participants')].sort()).toEqual(
      [...(TABLE_OWNERSHIP['participants'].delegated?.messaging?.columns ?? [])].sort(),
    );
    const conversations = accessesOf('conversations');
    expect(new Set(conversations.writes.map((a) => a.table))).toEqual(
      new Set(['conversations', 'participants']),
    );
    expect(conversations.reads.map((a) => a.table)).toContain('messages');
  });

  it('declares every trigger that writes another table', () => {
    const undeclared = [...FUNCTIONS]
      .filter(([name]) => TRIGGER_FUNCTIONS.has(name))
      .flatMap(([name, body]) =>
        sqlWrites(body, name).map((access) => `${name} writes ${access.table}`),
      )
      .filter((line) => {
        const [name, , table] = line.split(' ');
        return CROSS_TABLE_TRIGGERS[name]?.writes !== table;
      });
    expect(undeclared).toEqual([]);
  });

  it('is what docs/ENGINEERING.md says', () => {
    const doc = read('docs/ENGINEERING.md');
    const rows = doc.split('\n').filter((line) => line.startsWith('| '));
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
    const tablesIn = (cell: string) => [...cell.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    for (const [name, table] of Object.entries(TABLE_OWNERSHIP)) {
      const row = rows.map(cells).find((row) => tablesIn(row[0] ?? '').includes(name));
      expect([name, row?.[1]]).toEqual([name, expect.stringContaining(table.owner)]);
    }
    for (const service of DATABASE_SERVICES) {
      const row = rows.map(cells).find((row) => row[0] === service);
      expect([service, tablesIn(row?.[1] ?? '').sort()]).toEqual([
        service,
        tablesWrittenBy(service).sort(),
      ]);
      expect([service, tablesIn(row?.[2] ?? '').sort()]).toEqual([
        service,
        tablesReadBy(service)
          .filter((table) => !tablesWrittenBy(service).includes(table))
          .sort(),
      ]);
    }
  });
});
