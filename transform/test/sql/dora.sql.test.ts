import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogScopeWhere, doraMetrics, scopeWhere } from '../../src/metrics/dora.js';
import { rebuildDoraDaily } from '../../src/metrics/rebuild.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/dora/*.sql on two whole weeks (Monday 03-02 to Monday 03-16) of hand-written rows. Catalog:
 * svc-a, svc-b, svc-c (core; svc-c never deployed). Production deployments: a1 03-02 10:00 (failed,
 * recovered in 2 h), a2 03-02 15:00, a3 03-10 (rework), b1 03-04 (failed, no recovery time). Changes:
 * a1 4 h, a3 10 h, b1 1 h. Resolved incidents: svc-a 2 h, svc-b 6 h.
 * Worked out by hand:
 * - service.sql for svc-a: 3 deployments, 1 failed and recovered (p50 2), 1 rework; deploy days per
 *   whole week [1, 1] → 1; lead [4, 10] → p50 7, p75 8.5, p90 9.4; 1 incident, restore 2.
 * - scope.sql for everything: 4 deployments, 2 failed, 1 recovered (p50 2), 1 rework; deploy days per
 *   week [2, 1] → 1.5; 3 catalog services with [3, 1, 0] deployments → median 1; per-service median
 *   deploy days [1, 0.5, 0] → 0.5; lead [1, 4, 10] → 4 / 7 / 8.8; 2 incidents, restore p50 4.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const params = { from: '2026-03-02 00:00:00.000', to: '2026-03-16 00:00:00.000', from_day: '2026-03-02', to_day: '2026-03-16', first_monday: '2026-03-02', whole_weeks: 2, team: '', service: '', golden: false };

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  await w.insert('catalog_entities', ['svc-a', 'svc-b', 'svc-c'].map((service) => ({ service, team: 'core', annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: service })));
  const fact = (id: string, service: string, deployedAt: string, extra: Record<string, unknown> = {}) => ({
    id, repo: `acme/${service}`, service, team: 'core', golden_path: false, via_platform: false, deployed_at: at(deployedAt), change_set_method: 'compare', commits: 1,
    failed: false, recovery_hours: null, rework: false, ...extra,
  });
  await w.insert('t_deployment_facts', [
    fact('a1', 'svc-a', '2026-03-02T10:00', { failed: true, recovery_hours: 2 }),
    fact('a2', 'svc-a', '2026-03-02T15:00'),
    fact('a3', 'svc-a', '2026-03-10T10:00', { rework: true }),
    fact('b1', 'svc-b', '2026-03-04T10:00', { failed: true }),
  ]);
  const change = (deploymentId: string, service: string, deployedAt: string, leadHours: number) => ({
    deployment_id: deploymentId, service, team: 'core', golden_path: false, deployed_at: at(deployedAt), repo: `acme/${service}`, sha: `c-${deploymentId}`, via: 'compare',
    lead_hours: leadHours, is_revert: false, fix_pr: false,
  });
  await w.insert('t_changes', [change('a1', 'svc-a', '2026-03-02T10:00', 4), change('a3', 'svc-a', '2026-03-10T10:00', 10), change('b1', 'svc-b', '2026-03-04T10:00', 1)]);
  const incident = (id: string, service: string, openedAt: string, resolvedAt: string) => ({
    id, source: 'pagerduty', service, team: 'core', golden_path: false, severity: 'high', title: id, status: 'resolved', opened_at: at(openedAt), resolved_at: at(resolvedAt), linked_deployment_ids: [], linked_shas: [],
  });
  await w.insert('t_incidents', [incident('i1', 'svc-a', '2026-03-02T11:00', '2026-03-02T13:00'), incident('i2', 'svc-b', '2026-03-05T10:00', '2026-03-05T16:00')]);
  // scope.sql reads t_dora_daily, which the transform fills from the rows above (models/t_dora_daily.sql).
  await rebuildDoraDaily(w);
});
afterAll(async () => env?.close());

describe('queries/dora', () => {
  it('service.sql', async () => {
    const file = sqlFile('queries/dora/service');
    const scope = scopeWhere({ service: 'svc-a' });
    const [row] = await rowsOf(env.warehouse, file, { ...params, service: 'svc-a' }, { scope });
    expect(row).toEqual({
      deployments: 3, deploy_days_p50: 1, changes: 2, lead_quantiles: [7, 8.5, expect.closeTo(9.4, 9)], failed_deployments: 1,
      incidents: 1, restore_p50: 2, recovered_failures: 1, recovery_p50: 2, rework_deployments: 1,
    });
    await expectRendered(env.warehouse, file, { scope });
  });

  it('scope.sql', async () => {
    const file = sqlFile('queries/dora/scope');
    const slots = { scope: scopeWhere({}), catalog_scope: catalogScopeWhere({}) };
    const [row] = await rowsOf(env.warehouse, file, params, slots);
    expect(row).toEqual({
      deployments: 4, deploy_days_p50: 1.5, changes: 3, lead_quantiles: [4, 7, expect.closeTo(8.8, 9)], failed_deployments: 2,
      incidents: 2, restore_p50: 4, recovered_failures: 1, recovery_p50: 2, rework_deployments: 1,
      services: 3, deployments_p50: 1, per_service_deploy_days_p50: 0.5,
    });
    await expectRendered(env.warehouse, file, slots);
    const team = { team: 'core', goldenPath: false };
    await expectRendered(env.warehouse, file, { scope: scopeWhere(team), catalog_scope: catalogScopeWhere(team) });
  });

  it('doraMetrics answers with the files\' rows', async () => {
    const result = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-16' });
    expect(result.deploymentFrequency).toMatchObject({ deployments: 4, perWeek: 2, services: 3, perServicePerWeekP50: 0.5, deployDaysPerWeekP50: 0.5 });
    expect(result.leadTime).toMatchObject({ p50Hours: 4, p75Hours: 7, p90Hours: 8.8, changes: 3 });
    expect(result.changeFailureRate).toMatchObject({ rate: 0.5, failedDeployments: 2 });
    expect(result.recovery).toMatchObject({ timeToRestoreP50Hours: 4, failedDeploymentRecoveryP50Hours: 2, recoveredDeployments: 1 });
    const one = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-16', service: 'svc-a' });
    expect(one.deploymentFrequency).toMatchObject({ deployments: 3, services: 1, deployDaysPerWeekP50: 1 });
    expect(one.leadTime).toMatchObject({ p50Hours: 7, p75Hours: 8.5, p90Hours: 9.4 });
  });
});
