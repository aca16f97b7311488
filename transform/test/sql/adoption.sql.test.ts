import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptionMetrics } from '../../src/metrics/adoption.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/adoption/*.sql (and queries/catalog/services.sql, which they count from) on four services
 * of two teams, as adoption.test.ts builds them through the transform, written here as rows:
 * - core: legacy (template node-service, created 2024) and fresh (node-service, created 03-03 10:00);
 *   edge: handmade (no template, created 03-03 00:00) and orphan (not in the catalog, deployed 02-20);
 *   old is deprecated (left out of the catalog).
 * - production deployments in the week of Monday 03-02: legacy 03-02 10:00 (platform), fresh 03-04
 *   10:00, handmade 03-05 00:00 (platform), handmade 03-06 00:00; orphan's is before the window.
 * Worked out by hand: core 2 services, both golden (share 1), 2 deployments, 2 golden, 1 platform;
 * edge 2 services, none golden, 2 deployments, 0 golden, 1 platform. One week: 4 deployments, golden
 * and platform shares 0.5. Templates: node-service 2 services and 1 run in the window, go-service 0
 * and 1. History starts 02-20 (orphan): fresh 24 h to its first deployment, legacy before history;
 * handmade 48 h (as adoption.test.ts expects).
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000' };

const entity = (service: string, team: string, createdAt: string, template: string | null, lifecycle: string | null = null) => ({
  service, team, source_template: template, created_at: at(createdAt), lifecycle, annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: `e-${service}`,
});
const deployment = (id: string, service: string, team: string, deployedAt: string, golden: boolean, platform: boolean) => ({
  id, repo: `acme/${service}`, service, team, golden_path: golden, via_platform: platform, deployed_at: at(deployedAt),
});

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.warehouse.insert('catalog_entities', [
    entity('legacy', 'core', '2024-06-01T09:00', 'node-service'),
    entity('fresh', 'core', '2026-03-03T10:00', 'node-service'),
    entity('handmade', 'edge', '2026-03-03T00:00', null),
    entity('old', 'edge', '2025-01-01T00:00', null, 'deprecated'),
  ]);
  const facts = [
    deployment('legacy-d1', 'legacy', 'core', '2026-03-02T10:00', true, true),
    deployment('fresh-d1', 'fresh', 'core', '2026-03-04T10:00', true, false),
    deployment('handmade-d1', 'handmade', 'edge', '2026-03-05T00:00', false, true),
    deployment('handmade-d2', 'handmade', 'edge', '2026-03-06T00:00', false, false),
    deployment('orphan-d1', 'orphan', 'edge', '2026-02-20T00:00', false, false),
  ];
  await env.warehouse.insert('t_deployment_facts', facts);
  await env.warehouse.insert('t_deployments', facts.map((d) => ({ ...d, service_via: 'catalog', environment: 'production', is_production: true, status: 'success', started_at: d.deployed_at, source_system: 'github' })));
  await env.warehouse.insert('adoption_events', [
    { id: 'a1', kind: 'template_run', team: 'core', template: 'node-service', occurred_at: at('2026-03-03T12:00'), detail: '', event_id: 'a1' },
    { id: 'a2', kind: 'template_run', team: 'edge', template: 'go-service', occurred_at: at('2026-03-05T12:00'), detail: '', event_id: 'a2' },
    { id: 'a3', kind: 'template_run', team: 'core', template: 'node-service', occurred_at: at('2026-03-10T12:00'), detail: '', event_id: 'a3' },
  ]);
});
afterAll(async () => env?.close());

describe('queries/adoption', () => {
  it('teams.sql', async () => {
    const file = sqlFile('queries/adoption/teams');
    const rows = await rowsOf(env.warehouse, file, { ...window, team: '' });
    expect(rows).toEqual([
      { team: 'core', services: 2, golden_services: 2, golden_share: 1, deployments: 2, golden_deployments: 2, platform_deployments: 1 },
      { team: 'edge', services: 2, golden_services: 0, golden_share: 0, deployments: 2, golden_deployments: 0, platform_deployments: 1 },
    ]);
    expect(await rowsOf(env.warehouse, file, { ...window, team: 'edge' })).toMatchSnapshot('edge only');
    await expectRendered(env.warehouse, file);
  });

  it('weekly.sql', async () => {
    const file = sqlFile('queries/adoption/weekly');
    expect(await rowsOf(env.warehouse, file, { ...window, team: '' })).toEqual([{ week: '2026-03-02', deployments: 4, golden_share: 0.5, platform_share: 0.5 }]);
    expect(await rowsOf(env.warehouse, file, { ...window, team: 'edge' })).toMatchSnapshot('edge only');
    await expectRendered(env.warehouse, file);
  });

  it('templates.sql', async () => {
    const file = sqlFile('queries/adoption/templates');
    expect(await rowsOf(env.warehouse, file, { ...window, team: '' })).toEqual([
      { template: 'node-service', services: 2, runs: 1 },
      { template: 'go-service', services: 0, runs: 1 },
    ]);
    expect(await rowsOf(env.warehouse, file, { ...window, team: 'edge' })).toMatchSnapshot('edge only');
    await expectRendered(env.warehouse, file);
  });

  it('first_deployment.sql', async () => {
    const file = sqlFile('queries/adoption/first_deployment');
    expect(await rowsOf(env.warehouse, file, { ...window, team: '' })).toEqual([
      { golden_path: 1, services: 1, p50_hours: 24, before_history: 1 }, // the row as ClickHouse answers it (UInt8; adoption.ts reads it as a boolean)
      { golden_path: 0, services: 1, p50_hours: 48, before_history: 0 },
    ]);
    await expectRendered(env.warehouse, file);
  });

  it('catalog/services.sql: the catalog adoption counts from', async () => {
    const file = sqlFile('queries/catalog/services');
    const rows = await rowsOf(env.warehouse, file, window);
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => r.service)).toEqual(['fresh', 'legacy', 'handmade', 'orphan']);
    await expectRendered(env.warehouse, file);
  });

  it('adoptionMetrics answers with the files\' rows', async () => {
    const result = await adoptionMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09' });
    expect(result.headline).toMatchObject({ services: 4, goldenServices: 2, deployments: 4, goldenDeploymentShare: 0.5, platformDeploymentShare: 0.5 });
    expect(result.teams).toEqual(await rowsOf(env.warehouse, sqlFile('queries/adoption/teams'), { ...window, team: '' }));
  });
});
