import { expect } from 'vitest';
import { z } from 'zod';
import type { SqlFile } from '../../src/metrics/sql-files.js';
import type { QueryParams, Warehouse } from '@paved/warehouse';

/*
 * Snapshot tests of the SQL files (transform/src/metrics/sql): each file runs on a small
 * hand-written fixture in the embedded warehouse and its rows are snapshotted, with the statement
 * as rendered for a single node and for a cluster. A changed number or statement fails the test
 * until the snapshot is reviewed and updated (`pnpm vitest run <file> -u`).
 */

const AnyRow = z.record(z.string(), z.unknown());

/** The rows `file` answers on the fixture (single node: the embedded engine). */
export async function rowsOf(warehouse: Warehouse, file: SqlFile, params: QueryParams = {}, slots: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  return warehouse.query(file.for(warehouse, slots), params, AnyRow);
}

/**
 * Snapshots the statement for a single node and for a cluster (named `paved_cluster`), and has the
 * embedded engine parse the cluster form (it cannot run it: there is no cluster here).
 */
export async function expectRendered(warehouse: Warehouse, file: SqlFile, slots: Record<string, string> = {}): Promise<void> {
  const single = file.render(undefined, slots);
  const cluster = file.render('paved_cluster', slots);
  expect({ single, cluster }).toMatchSnapshot(`${file.name}.sql rendered`);
  for (const statement of cluster) {
    const [parsed] = await warehouse.query('SELECT formatQuery({q:String}) AS f', { q: warehouse.sql(statement) }, z.object({ f: z.string() }));
    expect(parsed?.f.length).toBeGreaterThan(0);
  }
}

/** `2026-03-02T09:00` → the warehouse's DateTime64 text. */
export const at = (iso: string): string => `${iso.replace('T', ' ')}:00.000`;
