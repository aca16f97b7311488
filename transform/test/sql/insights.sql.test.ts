import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeWhere } from '../../src/metrics/dora.js';
import { adoptionChangeCounts, deploymentNames, failureSampleOf, initiativeRows, leadTimesPerDeployment } from '../../src/metrics/reads.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/insights/*.sql (what the roadmap, ROI and digests read) on hand-written rows:
 * - production deployments: f1 svc-a (core, golden, platform) 02-24, failed, recovered in 2 h;
 *   f2 svc-a (core, golden) 03-03; f3 svc-b (edge, platform) 03-04, failed, no recovery time;
 *   f4 svc-c (edge) 03-05, failed, recovered in 5 h;
 * - changes: f1 3 h; f2 1 h and 5 h; f3 10 h and one with no lead time; deployment d1 (any
 *   environment, named for digests) carries PRs 12 (twice) and 13, d2 none.
 * Worked out by hand:
 * - names: d1 acme/a PRs [12, 13]; d2 acme/b with no PR.
 * - adoption change, week 03-02 against 02-23: 3 deployments (1 golden, 1 platform), before 1 (1, 1).
 * - initiative (core or svc-c, start 03-02): treated before 1 deployment (1 failed, p50 2), after 2
 *   (1 failed, p50 5); control after 1 (failed, no recovery). Changes: treated before 1 (p50 3), after
 *   2 (p50 3), control after 1 (p50 10).
 * - lead times per deployment 03-02..03-09: f2 [1, 5], f3 [10]. Failure sample: 3 deployments, 1
 *   failure without a recovery time, recoveries [5]; golden path only: 1, 0, [].
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const sortBy = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.treated) - Number(b.treated) || Number(a.after) - Number(b.after));

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  const fact = (id: string, service: string, team: string, deployedAt: string, extra: Record<string, unknown> = {}) => ({
    id, repo: `acme/${service}`, service, team, golden_path: false, via_platform: false, deployed_at: at(deployedAt), change_set_method: 'compare', commits: 1, failed: false, recovery_hours: null, ...extra,
  });
  await w.insert('t_deployment_facts', [
    fact('f1', 'svc-a', 'core', '2026-02-24T10:00', { golden_path: true, via_platform: true, failed: true, recovery_hours: 2 }),
    fact('f2', 'svc-a', 'core', '2026-03-03T10:00', { golden_path: true }),
    fact('f3', 'svc-b', 'edge', '2026-03-04T10:00', { via_platform: true, failed: true }),
    fact('f4', 'svc-c', 'edge', '2026-03-05T10:00', { failed: true, recovery_hours: 5 }),
  ]);
  const change = (deploymentId: string, service: string, team: string, deployedAt: string, sha: string, leadHours: number | null, prNumber: number | null = null) => ({
    deployment_id: deploymentId, service, team, golden_path: false, deployed_at: at(deployedAt), repo: `acme/${service}`, sha, via: 'compare',
    authored_at: null, lead_hours: leadHours, is_revert: false, pr_number: prNumber, fix_pr: false,
  });
  await w.insert('t_changes', [
    change('f1', 'svc-a', 'core', '2026-02-24T10:00', 'c1', 3),
    change('f2', 'svc-a', 'core', '2026-03-03T10:00', 'c2', 1),
    change('f2', 'svc-a', 'core', '2026-03-03T10:00', 'c3', 5),
    change('f3', 'svc-b', 'edge', '2026-03-04T10:00', 'c4', 10),
    change('f3', 'svc-b', 'edge', '2026-03-04T10:00', 'c5', null),
    change('d1', 'a', 'x', '2026-01-01T10:00', 'p1', null, 12),
    change('d1', 'a', 'x', '2026-01-01T10:00', 'p2', null, 12),
    change('d1', 'a', 'x', '2026-01-01T10:00', 'p3', null, 13),
    change('d1', 'a', 'x', '2026-01-01T10:00', 'p4', null),
  ]);
  const deployment = (id: string, repo: string, sha: string | null) => ({
    id, repo, service: repo, service_via: 'catalog', team: 'x', environment: 'staging', is_production: false, sha, status: 'success',
    started_at: at('2026-01-01T10:00'), deployed_at: at('2026-01-01T10:00'), source_system: 'github', golden_path: false, via_platform: false,
  });
  await w.insert('t_deployments', [deployment('d1', 'acme/a', 'a1b2c3d4e5'), deployment('d2', 'acme/b', null)]);
});
afterAll(async () => env?.close());

describe('queries/insights', () => {
  it('deployment_names.sql', async () => {
    const file = sqlFile('queries/insights/deployment_names');
    const rows = (await rowsOf(env.warehouse, file, { ids: ['d1', 'd2'] })).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(rows).toEqual([{ id: 'd1', repo: 'acme/a', sha: 'a1b2c3d4e5', prs: [12, 13] }, { id: 'd2', repo: 'acme/b', sha: null, prs: [] }]);
    expect((await deploymentNames(env.warehouse, ['d1', 'd1'])).map((d) => d.prs)).toEqual([[12, 13]]);
    expect(await deploymentNames(env.warehouse, [])).toEqual([]);
    await expectRendered(env.warehouse, file);
  });

  it('adoption_change.sql', async () => {
    const file = sqlFile('queries/insights/adoption_change');
    const params = { previous: '2026-02-23 00:00:00.000', from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000' };
    expect(await rowsOf(env.warehouse, file, { ...params, team: '' })).toEqual([
      { deployments: 3, golden: 1, platform: 1, previous_deployments: 1, previous_golden: 1, previous_platform: 1 },
    ]);
    expect(await adoptionChangeCounts(env.warehouse, { previous: '2026-02-23', from: '2026-03-02', to: '2026-03-09', team: 'edge' })).toEqual({
      deployments: 2, golden: 0, platform: 1, previous_deployments: 0, previous_golden: 0, previous_platform: 0,
    });
    await expectRendered(env.warehouse, file);
  });

  it('initiative_deployments.sql and initiative_changes.sql', async () => {
    const params = { teams: ['core'], services: ['svc-c'], before: '2026-02-23 00:00:00.000', start: '2026-03-02 00:00:00.000', end: '2026-03-09 00:00:00.000' };
    const deploys = sortBy(await rowsOf(env.warehouse, sqlFile('queries/insights/initiative_deployments'), params));
    expect(deploys).toMatchSnapshot('deployment cells');
    expect(deploys).toEqual([
      { treated: 0, after: 1, deployments: 1, failed_n: 1, recovered_n: 0, recovery_p50: expect.toSatisfy((v: unknown) => v === null || Number.isNaN(v)) },
      { treated: 1, after: 0, deployments: 1, failed_n: 1, recovered_n: 1, recovery_p50: 2 },
      { treated: 1, after: 1, deployments: 2, failed_n: 1, recovered_n: 1, recovery_p50: 5 },
    ]);
    const changes = sortBy(await rowsOf(env.warehouse, sqlFile('queries/insights/initiative_changes'), params));
    expect(changes).toEqual([
      { treated: 0, after: 1, changes: 1, lead_p50: 10 },
      { treated: 1, after: 0, changes: 1, lead_p50: 3 },
      { treated: 1, after: 1, changes: 2, lead_p50: 3 },
    ]);
    const rows = await initiativeRows(env.warehouse, { teams: ['core'], services: ['svc-c'], before: '2026-02-23', start: '2026-03-02', end: '2026-03-09' });
    expect(rows.deploys).toHaveLength(3);
    expect(rows.changes).toHaveLength(3);
    await expectRendered(env.warehouse, sqlFile('queries/insights/initiative_deployments'));
    await expectRendered(env.warehouse, sqlFile('queries/insights/initiative_changes'));
  });

  it('lead_times_per_deployment.sql', async () => {
    const file = sqlFile('queries/insights/lead_times_per_deployment');
    const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000', team: '', service: '', golden: false };
    expect(await rowsOf(env.warehouse, file, window, { scope: scopeWhere({}) })).toEqual([{ deployment_id: 'f2', leads: [1, 5] }, { deployment_id: 'f3', leads: [10] }]);
    expect(await leadTimesPerDeployment(env.warehouse, { from: '2026-03-02', to: '2026-03-09', team: 'core' })).toEqual([[1, 5]]);
    await expectRendered(env.warehouse, file, { scope: scopeWhere({}) });
  });

  it('failure_sample.sql', async () => {
    const file = sqlFile('queries/insights/failure_sample');
    const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000', team: '', service: '', golden: false };
    expect(await rowsOf(env.warehouse, file, window, { scope: scopeWhere({}) })).toEqual([{ deployments: 3, unmeasured: 1, measured: [5] }]);
    expect(await failureSampleOf(env.warehouse, { from: '2026-03-02', to: '2026-03-09', goldenPath: true })).toEqual({ deployments: 1, unmeasured: 0, measured: [] });
    await expectRendered(env.warehouse, file, { scope: scopeWhere({}) });
  });
});
