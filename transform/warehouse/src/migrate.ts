import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Warehouse } from './client.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  applied: Migration[];
  alreadyApplied: number;
}

/** Reads `NNNN_name.sql` files in order; statements are separated by `;` at the end of a line. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: splitStatements(text),
      };
    });
}

export function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS \{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*)/;
const ALTER_TABLE = /^ALTER TABLE \{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*) \{\{on_cluster\}\}/;
const DROP_TABLE = /^DROP TABLE IF EXISTS \{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*) \{\{on_cluster\}\}$/;
const EXCHANGE_TABLES = /^EXCHANGE TABLES \{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*) AND \{\{db\}\}\.([A-Za-z_][A-Za-z0-9_]*) \{\{on_cluster\}\}$/;
const MERGE_TREE = /ENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing)?MergeTree(\(([^)]*)\))?/;

/**
 * Renders a migration statement for the target. Both modes come from the same SQL source:
 * - single node: the statement as written (MergeTree family);
 * - cluster: every MergeTree table becomes `<name>_local` (ON CLUSTER, Replicated* engine) plus a
 *   Distributed table under the original name, sharded on the table's sorting key so that all
 *   versions of a row meet on one shard (ReplacingMergeTree deduplicates per shard). An
 *   `ALTER TABLE {{db}}.<name> {{on_cluster}}` is applied to the local tables and to the
 *   Distributed front, so both keep the same columns. `DROP TABLE IF EXISTS {{db}}.<name> {{on_cluster}}`
 *   drops both; `EXCHANGE TABLES {{db}}.<a> AND {{db}}.<b> {{on_cluster}}` swaps the local tables
 *   (each Distributed front then reads the other's data).
 */
export function renderStatements(statement: string, cluster: string | undefined): string[] {
  if (!cluster) return [statement.replaceAll('{{on_cluster}}', '')];
  if (!IDENT.test(cluster)) throw new Error(`clickhouse.cluster "${cluster}" is not a valid cluster name`);
  const dropped = DROP_TABLE.exec(statement)?.[1];
  if (dropped) return [`DROP TABLE IF EXISTS {{db}}.${dropped} ON CLUSTER ${cluster} SYNC`, `DROP TABLE IF EXISTS {{db}}.${dropped}_local ON CLUSTER ${cluster} SYNC`];
  const exchanged = EXCHANGE_TABLES.exec(statement);
  if (exchanged) return [`EXCHANGE TABLES {{db}}.${exchanged[1]}_local AND {{db}}.${exchanged[2]}_local ON CLUSTER ${cluster}`];
  const altered = ALTER_TABLE.exec(statement)?.[1];
  if (altered) {
    const rest = statement.replace(ALTER_TABLE, '');
    return [`ALTER TABLE {{db}}.${altered}_local ON CLUSTER ${cluster}${rest}`, `ALTER TABLE {{db}}.${altered} ON CLUSTER ${cluster}${rest}`];
  }
  const onCluster = statement.replaceAll('{{on_cluster}}', `ON CLUSTER ${cluster}`);
  const table = CREATE_TABLE.exec(onCluster)?.[1];
  if (!table || !MERGE_TREE.test(onCluster)) return [onCluster];
  const local = onCluster
    .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS {{db}}.${table}_local`)
    .replace(MERGE_TREE, (_match, kind: string | undefined, _args, inner: string | undefined) => {
      const engineArgs = ["'/clickhouse/tables/{shard}/{database}/{table}'", "'{replica}'"];
      if (inner?.trim()) engineArgs.push(inner.trim());
      return `ENGINE = Replicated${kind ?? ''}MergeTree(${engineArgs.join(', ')})`;
    });
  const orderBy = /ORDER BY\s+(\([^)]*\)|[A-Za-z_][A-Za-z0-9_]*)/.exec(onCluster)?.[1] ?? 'rand()';
  const distributed = `CREATE TABLE IF NOT EXISTS {{db}}.${table} ON CLUSTER ${cluster} AS {{db}}.${table}_local ENGINE = Distributed(${cluster}, {{db}}, ${table}_local, cityHash64(${orderBy.replace(/^\(|\)$/g, '')}))`;
  return [local, distributed];
}

const LedgerRow = z.object({ version: z.coerce.number(), name: z.string(), checksum: z.string() });

/** Applies every migration not yet in the ledger, in order. Safe to run any number of times. */
export async function migrate(warehouse: Warehouse, migrations = loadMigrations()): Promise<MigrationReport> {
  const onCluster = warehouse.cluster ? `ON CLUSTER ${warehouse.cluster}` : '';
  await warehouse.command(`CREATE DATABASE IF NOT EXISTS {{db}} ${onCluster}`);
  for (const statement of renderStatements(
    `CREATE TABLE IF NOT EXISTS {{db}}._migrations {{on_cluster}} (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree ORDER BY version`,
    warehouse.cluster,
  )) await warehouse.command(statement);
  const ledger = await warehouse.query('SELECT version, name, checksum FROM {{db}}._migrations FINAL ORDER BY version', {}, LedgerRow);
  const known = new Map(ledger.map((row) => [row.version, row]));
  const applied: Migration[] = [];
  for (const migration of migrations) {
    const done = known.get(migration.version);
    if (done) {
      if (done.checksum !== migration.checksum) {
        throw new Error(`Migration ${migration.name} was changed after it was applied (checksum differs). Never edit an applied migration: add a new numbered file instead.`);
      }
      continue;
    }
    for (const statement of migration.statements) {
      for (const rendered of renderStatements(statement, warehouse.cluster)) await warehouse.command(rendered);
    }
    await warehouse.insert('_migrations', [{ version: migration.version, name: migration.name, checksum: migration.checksum, applied_at: new Date().toISOString() }]);
    applied.push(migration);
  }
  return { applied, alreadyApplied: migrations.length - applied.length };
}
