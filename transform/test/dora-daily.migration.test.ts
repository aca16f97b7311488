import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadMigrations, migrate, Warehouse } from '@paved/warehouse';
import { doraMetrics } from '../src/metrics/dora.js';
import { rebuildDoraDaily } from '../src/metrics/rebuild.js';

/*
 * Migration 0015 on a warehouse that already holds derived rows (an upgrade): t_dora_daily is
 * filled from them at once, as the transform's step would fill it, so the team and organisation
 * DORA answers keep their numbers until the next transform; and the fill is not repeated when the
 * migration runs again after stopping half-way.
 */
let warehouse: Warehouse;
const dir = mkdtempSync(join(tmpdir(), 'paved-dora-daily-migration-'));
const Any = z.record(z.string(), z.unknown());
const rows = () => warehouse.query('SELECT * FROM {{db}}.t_dora_daily ORDER BY team, day, service, golden_path, catalog_row', {}, Any);

beforeAll(async () => {
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest' });
}, 120_000);
afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('0015 t_dora_daily', () => {
  it('fills the table from the derived rows already there, once', async () => {
    const all = loadMigrations();
    await migrate(warehouse, all.filter((m) => m.version < 15));
    await warehouse.insert('catalog_entities', ['api', 'web', 'idle'].map((service) => ({ service, team: 'core', annotations: {}, updated_at: '2026-03-01 00:00:00.000', event_id: service })));
    await warehouse.insert('t_deployment_facts', Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`, repo: 'acme/x', service: i % 3 === 0 ? 'web' : 'api', team: 'core', golden_path: false, via_platform: false,
      deployed_at: `2026-03-${String((i % 20) + 1).padStart(2, '0')} 1${i % 10}:00:00.000`, change_set_method: 'compare', commits: 1,
      failed: i % 4 === 0, recovery_hours: i % 8 === 0 ? i / 2 : null, rework: i % 5 === 0,
    })));
    await warehouse.insert('t_changes', Array.from({ length: 40 }, (_, i) => ({
      deployment_id: `d${i % 30}`, service: i % 3 === 0 ? 'web' : 'api', team: 'core', golden_path: false, deployed_at: `2026-03-${String((i % 20) + 1).padStart(2, '0')} 10:00:00.000`,
      repo: 'acme/x', sha: `c${i}`, via: 'compare', lead_hours: i % 7 === 0 ? null : i * 1.5, is_revert: false, fix_pr: false,
    })));
    await warehouse.insert('t_incidents', Array.from({ length: 6 }, (_, i) => ({
      id: `i${i}`, source: 'pagerduty', service: 'api', team: 'core', golden_path: false, severity: 'high', title: 't', status: 'resolved',
      opened_at: `2026-03-0${i + 1} 08:00:00.000`, resolved_at: i === 5 ? null : `2026-03-0${i + 1} 1${i}:00:00.000`, linked_deployment_ids: [], linked_shas: [],
    })));

    const report = await migrate(warehouse, all);
    expect(report.applied.map((m) => m.version)).toEqual(all.filter((m) => m.version >= 15).map((m) => m.version));
    const migrated = await rows();
    expect(migrated.length).toBeGreaterThan(20);
    const answer = await doraMetrics(warehouse, { from: '2026-03-01', to: '2026-04-01', team: 'core' });
    expect(answer.deploymentFrequency).toMatchObject({ deployments: 30, services: 3 });

    // The same rows as the transform's own step builds.
    await rebuildDoraDaily(warehouse);
    expect(await rows()).toEqual(migrated);

    // Run again after stopping between its statements (the ledger not written): no second copy.
    const fill = all.find((m) => m.version === 15)!.statements.find((s) => s.startsWith('INSERT INTO'))!;
    await warehouse.command(fill);
    expect(await rows()).toEqual(migrated);
  });
});
