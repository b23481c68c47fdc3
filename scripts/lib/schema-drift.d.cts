// Types of schema-drift.cjs for the TypeScript tests.
import type { Client } from 'pg';

export interface SchemaColumn {
  model: string;
  field: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
}

export interface ParsedSchema {
  /** table → model */
  tables: Map<string, string>;
  columns: SchemaColumn[];
}

export interface DatabaseColumn {
  udt: string;
  nullable: boolean;
  array: boolean;
}

export interface SchemaDrift {
  tablesMissing: string[];
  tablesNotInSchema: string[];
  fieldProblems: string[];
  columnsNotInSchema: string[];
}

export declare const SCHEMA_FILE: string;
export declare function parseSchema(text: string): ParsedSchema;
export declare function readDatabaseColumns(client: Client): Promise<Map<string, DatabaseColumn>>;
export declare function compareSchema(
  schema: ParsedSchema,
  database: Map<string, DatabaseColumn>,
): SchemaDrift;
export declare function findSchemaDrift(client: Client, schemaText?: string): Promise<SchemaDrift>;
export declare function describeDrift(drift: SchemaDrift): string[];
