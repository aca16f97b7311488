import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Warehouse } from '../src/client.js';
import { loadMigrations, migrate, renderStatements } from '../src/migrate.js';

/** Migration 0011 re-sorts t_incidents and t_failure_links on a warehouse that already holds rows. */
let warehouse: Warehouse;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-sortkeys-'));
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest' });
});
afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SortingKey = z.object({ name: z.string(), sorting_key: z.string() });
const sortingKeys = async () => Object.fromEntries(
  (await warehouse.query(`SELECT name, sorting_key FROM system.tables WHERE database = {db:String} AND name IN ('t_incidents', 't_failure_links', 't_incidents_next')`, { db: warehouse.database }, SortingKey))
    .map((r) => [r.name, r.sorting_key]),
);
const Ids = z.object({ id: z.string(), team: z.string(), opened_at: z.string() });

describe('0011 sort keys', () => {
  it('re-sorts a warehouse that already holds rows: every row kept, team first for incidents, deployment first for failure links', async () => {
    const all = loadMigrations();
    await migrate(warehouse, all.filter((m) => m.version < 11));
    expect(await sortingKeys()).toEqual({ t_incidents: 'service, opened_at, id', t_failure_links: 'service, deployment_id, method' });
    const incidents = Array.from({ length: 50 }, (_, i) => ({
      id: `inc-${i}`, source: 'pagerduty', service: `svc-${i % 7}`, team: `team-${i % 3}`, golden_path: i % 2 === 0, severity: 'sev2', title: `incident ${i}`,
      status: 'resolved', opened_at: `2026-03-${String((i % 28) + 1).padStart(2, '0')} 10:00:00.000`, resolved_at: `2026-03-${String((i % 28) + 1).padStart(2, '0')} 12:00:00.000`,
      linked_deployment_ids: [`dep-${i}`], linked_shas: [], url: null,
    }));
    await warehouse.insert('t_incidents', incidents);
    await warehouse.insert('t_failure_links', incidents.map((i) => ({ deployment_id: `dep-${i.id}`, service: i.service, method: 'explicit', incident_id: i.id, other_deployment_id: null, evidence: 'names it' })));

    await migrate(warehouse);

    expect(await sortingKeys()).toEqual({ t_incidents: 'team, service, opened_at, id', t_failure_links: 'deployment_id, method, service' });
    const after = await warehouse.query(`SELECT id, team, toString(opened_at) AS opened_at FROM {{db}}.t_incidents ORDER BY id`, {}, Ids);
    expect(after).toEqual(incidents.map((i) => ({ id: i.id, team: i.team, opened_at: i.opened_at })).sort((a, b) => a.id.localeCompare(b.id)));
    const [links] = await warehouse.query(`SELECT count() AS n FROM {{db}}.t_failure_links`, {}, z.object({ n: z.coerce.number() }));
    expect(links!.n).toBe(50);
    const [twins] = await warehouse.query(`SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name LIKE '%_resort'`, { db: warehouse.database }, z.object({ n: z.coerce.number() }));
    expect(twins!.n).toBe(0);
  });

  it('a transform twin created AS the table keeps the new key', async () => {
    await warehouse.command('DROP TABLE IF EXISTS {{db}}.t_incidents_next');
    await warehouse.command('CREATE TABLE {{db}}.t_incidents_next AS {{db}}.t_incidents');
    expect((await sortingKeys()).t_incidents_next).toBe('team, service, opened_at, id');
    await warehouse.command('DROP TABLE {{db}}.t_incidents_next');
  });

  it('running its statements again after a crash half-way (swapped, twin not dropped) keeps every row once', async () => {
    const statements = loadMigrations().find((m) => m.version === 11)!.statements;
    // Up to and including the first swap: the twin now holds the old table, as after a crash there.
    const swap = statements.findIndex((s) => s.startsWith('EXCHANGE TABLES {{db}}.t_incidents '));
    for (const statement of statements.slice(0, swap + 1)) await warehouse.command(renderStatements(statement, undefined)[0]!);
    for (const statement of statements) await warehouse.command(renderStatements(statement, undefined)[0]!);
    const [row] = await warehouse.query(`SELECT count() AS n, uniqExact(id) AS ids FROM {{db}}.t_incidents`, {}, z.object({ n: z.coerce.number(), ids: z.coerce.number() }));
    expect(row).toEqual({ n: 50, ids: 50 });
    expect((await sortingKeys()).t_incidents).toBe('team, service, opened_at, id');
  });

  it('on a cluster: drops both the Distributed front and the local table, swaps the local tables', () => {
    expect(renderStatements('DROP TABLE IF EXISTS {{db}}.x_resort {{on_cluster}}', 'main')).toEqual([
      'DROP TABLE IF EXISTS {{db}}.x_resort ON CLUSTER main SYNC', 'DROP TABLE IF EXISTS {{db}}.x_resort_local ON CLUSTER main SYNC',
    ]);
    expect(renderStatements('EXCHANGE TABLES {{db}}.x AND {{db}}.x_resort {{on_cluster}}', 'main')).toEqual(['EXCHANGE TABLES {{db}}.x_local AND {{db}}.x_resort_local ON CLUSTER main']);
    expect(renderStatements('EXCHANGE TABLES {{db}}.x AND {{db}}.x_resort {{on_cluster}}', undefined)).toEqual(['EXCHANGE TABLES {{db}}.x AND {{db}}.x_resort ']);
  });
});
