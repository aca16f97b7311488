/**
 * Copies of the derived rows the DORA query and the service catalog read, at a multiple of the
 * loaded demo: database `<db>_x<multiple>` beside the warehouse's own, each row copied `multiple`
 * times with its ids shifted (`~0`, `~1`, …), same services, teams and times. Generating a demo that
 * large would take hours; the copies have the rows a bigger history has in the same window, which is
 * what query cost depends on. t_dora_daily is rebuilt from the copies. Made once; later runs reuse them while their row counts still match.
 */

import { rebuildDoraDaily } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { z } from 'zod';

export const DAY_MS = 86_400_000;
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Each copied table and the id columns shifted in each copy (none: copied once, as is). */
export const COPIED_TABLES: { table: string; ids: string[] }[] = [
  { table: 't_deployment_facts', ids: ['id'] },
  { table: 't_changes', ids: ['deployment_id', 'sha'] },
  { table: 't_incidents', ids: ['id'] },
  { table: 't_deployments', ids: ['id'] },
  { table: 'catalog_entities', ids: [] },
];

const Count = z.object({ n: z.coerce.number() });

async function counts(warehouse: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table } of COPIED_TABLES) out[table] = (await warehouse.query(`SELECT count() AS n FROM {{db}}.${table}`, {}, Count))[0]!.n;
  return out;
}

export async function copyDerivedRows(warehouse: Warehouse, multiple: number, log: (line: string) => void): Promise<{ database: string; rows: Record<string, number> }> {
  const base = await counts(warehouse);
  if (multiple === 1) return { database: warehouse.database, rows: base };
  const database = `${warehouse.database}_x${multiple}`;
  const expected = Object.fromEntries(COPIED_TABLES.map(({ table, ids }) => [table, ids.length ? base[table]! * multiple : base[table]!]));
  const copy = warehouse.withDatabase(database);
  const [exists] = await warehouse.query('SELECT count() AS n FROM system.tables WHERE database = {db:String}', { db: database }, Count);
  if (exists!.n === COPIED_TABLES.length + 1 && JSON.stringify(await counts(copy)) === JSON.stringify(expected)) {
    log(`${database}: already holds ${multiple}× the rows`);
    return { database, rows: expected };
  }
  const started = performance.now();
  await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
  await warehouse.command(`CREATE DATABASE ${database}`);
  for (const { table, ids } of COPIED_TABLES) {
    // Created AS the table: same columns and sort key (migration 0011 included).
    await copy.command(`CREATE TABLE {{db}}.${table} AS ${warehouse.database}.${table}`);
    // One statement per table: each source row once per copy k (ARRAY JOIN), its ids suffixed `~k`.
    const replace = ids.length ? ` REPLACE (${ids.map((c) => `concat(${c}, '~', toString(k)) AS ${c}`).join(', ')})` : '';
    const copies = ids.length ? ' ARRAY JOIN range(toUInt64({multiple:UInt32})) AS k' : '';
    // Small source blocks: ARRAY JOIN makes each `multiple` times larger.
    await copy.command(`INSERT INTO {{db}}.${table} SELECT *${replace} FROM ${warehouse.database}.${table}${copies} SETTINGS max_block_size = 1024`, { multiple });
    await copy.command(`OPTIMIZE TABLE {{db}}.${table} FINAL`);
  }
  // The team and organisation DORA statement reads t_dora_daily, built from the copies as the transform builds it.
  await copy.command(`CREATE TABLE {{db}}.t_dora_daily AS ${warehouse.database}.t_dora_daily`);
  await rebuildDoraDaily(copy);
  await copy.command('DROP TABLE IF EXISTS {{db}}.t_dora_daily_next');
  log(`${database}: ${multiple}× the rows in ${Math.round((performance.now() - started) / 1000)} s (${Object.entries(expected).map(([t, n]) => `${n} ${t}`).join(', ')})`);
  return { database, rows: expected };
}
