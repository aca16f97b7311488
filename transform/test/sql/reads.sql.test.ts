import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeWhere } from '../../src/metrics/dora.js';
import { changesInWindow, freshness, gitlabCatalogRepos, leadTimeHistogram, newestDeploymentDay, warehouseCounts } from '../../src/metrics/reads.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/reads/*.sql (what the dashboard's pages and exports read) on hand-written rows:
 * - production deployments a1 (svc-a, core, 03-02 10:00) and b1 (svc-b, edge, 03-04 10:00);
 * - changes: a1's c1 0.5 h, c2 3 h, c3 30 h, c4 no lead time; b1's c5 700 h (past the last edge);
 * - incidents: i1 svc-a 03-03 (within a week of a1), i2 svc-a 03-10 (too late), i3 svc-b 03-05;
 * - PRs: #1 core by a person, #2 core by a bot; catalog: one GitLab project (acme/group/gl), one not;
 * - archive: github 2 deliveries (last 03-05), pagerduty 1; two job runs; dead letters, one replayed.
 * Worked out by hand: buckets with edges [1, 4, 24]: < 1 h 1 (c1), 1–4 h 1 (c2), 4–24 h 0, past 24 h 2
 * (c3, c5); for team core only: 1, 1, 0, 1. Candidates for a1: i1 only. Counts: 3 deliveries, 2
 * deployments, 2 PRs, 3 incidents, 2 catalog entities, first deployment 2026-03-02.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000', team: '', service: '', golden: false };
const ALL = scopeWhere({});

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  const fact = (id: string, service: string, team: string, deployedAt: string) => ({
    id, repo: `acme/${service}`, service, team, golden_path: false, via_platform: false, deployed_at: at(deployedAt), change_set_method: 'compare', commits: 1, failed: false,
  });
  await w.insert('t_deployment_facts', [fact('a1', 'svc-a', 'core', '2026-03-02T10:00'), fact('b1', 'svc-b', 'edge', '2026-03-04T10:00')]);
  const change = (deploymentId: string, service: string, team: string, deployedAt: string, sha: string, leadHours: number | null) => ({
    deployment_id: deploymentId, service, team, golden_path: false, deployed_at: at(deployedAt), repo: `acme/${service}`, sha, via: 'compare',
    authored_at: null, lead_hours: leadHours, is_revert: false, pr_number: null, fix_pr: false,
  });
  await w.insert('t_changes', [
    change('a1', 'svc-a', 'core', '2026-03-02T10:00', 'c1', 0.5),
    change('a1', 'svc-a', 'core', '2026-03-02T10:00', 'c2', 3),
    change('a1', 'svc-a', 'core', '2026-03-02T10:00', 'c3', 30),
    change('a1', 'svc-a', 'core', '2026-03-02T10:00', 'c4', null),
    change('b1', 'svc-b', 'edge', '2026-03-04T10:00', 'c5', 700),
  ]);
  const incident = (id: string, service: string, openedAt: string) => ({
    id, source: 'pagerduty', service, team: 'core', golden_path: false, severity: 'SEV2', title: `incident ${id}`, status: 'open', opened_at: at(openedAt), linked_deployment_ids: [], linked_shas: [],
  });
  await w.insert('t_incidents', [incident('i1', 'svc-a', '2026-03-03T09:00'), incident('i2', 'svc-a', '2026-03-10T09:00'), incident('i3', 'svc-b', '2026-03-05T09:00')]);
  const pr = (number: number, bot: boolean) => ({
    repo: 'acme/svc-a', number, title: `PR ${number}`, author_login: bot ? 'dependabot[bot]' : 'ann', author_bot: bot, service: 'svc-a', team: 'core', labels: ['feature'],
    opened_at: at('2026-03-02T08:00'), merged_at: at('2026-03-02T09:00'), coding_hours: 1, pickup_hours: 0.25, review_hours: 0.754, deploy_hours: 1,
  });
  await w.insert('t_pr_flow', [pr(1, false), pr(2, true)]);
  await w.insert('catalog_entities', [
    { service: 'gl', team: 'core', repo: 'acme/group/gl', annotations: { 'gitlab.com/project-slug': 'acme/group/gl' }, updated_at: at('2026-03-01T00:00'), event_id: 'e1' },
    { service: 'svc-a', team: 'core', repo: 'acme/svc-a', annotations: { 'github.com/project-slug': 'acme/svc-a' }, updated_at: at('2026-03-01T00:00'), event_id: 'e2' },
  ]);
  const raw = (source: string, id: string, receivedAt: string) => ({ source, delivery_id: id, event: 'x', received_at: at(receivedAt), payload: '{}', outcome: 'ok', reason: '', keep_first: 1 });
  await w.insert('raw_deliveries', [raw('github', 'g1', '2026-03-01T10:00'), raw('github', 'g2', '2026-03-05T10:00'), raw('pagerduty', 'p1', '2026-03-03T10:00')]);
  await w.insert('job_runs', [
    { job: 'transform', run_id: 'r1', holder: 'h', started_at: at('2026-03-05T01:00'), status: 'ok', detail: '' },
    { job: 'transform', run_id: 'r2', holder: 'h', started_at: at('2026-03-06T01:00'), status: 'failed', detail: 'timeout' },
  ]);
  await w.insert('dead_letters', [
    { id: 'x1', value: '{}', headers: {}, reason: 'schema', step: 'normalise', failed_at: at('2026-03-05T00:00') },
    { id: 'x2', value: '{}', headers: {}, reason: 'schema', step: 'normalise', failed_at: at('2026-03-05T00:00'), replayed_at: at('2026-03-06T00:00') },
  ]);
});
afterAll(async () => env?.close());

describe('queries/reads', () => {
  it('lead_time_histogram.sql', async () => {
    const file = sqlFile('queries/reads/lead_time_histogram');
    const rows = await rowsOf(env.warehouse, file, { ...window, edges: [1, 4, 24] }, { scope: ALL });
    expect(rows).toEqual([{ bucket: 0, changes: 2 }, { bucket: 1, changes: 1 }, { bucket: 2, changes: 1 }]);
    expect(await leadTimeHistogram(env.warehouse, { from: '2026-03-02', to: '2026-03-09' }, [1, 4, 24])).toEqual([1, 1, 0, 2]);
    expect(await leadTimeHistogram(env.warehouse, { from: '2026-03-02', to: '2026-03-09', team: 'core' }, [1, 4, 24])).toEqual([1, 1, 0, 1]);
    await expectRendered(env.warehouse, file, { scope: ALL });
  });

  it('warehouse_counts.sql', async () => {
    const file = sqlFile('queries/reads/warehouse_counts');
    expect(await rowsOf(env.warehouse, file)).toEqual([{ deliveries: 3, deployments: 2, prs: 2, incidents: 3, catalog: 2, first_deployment: '2026-03-02' }]);
    expect((await warehouseCounts(env.warehouse)).first_deployment).toBe('2026-03-02');
    await expectRendered(env.warehouse, file);
  });

  it('deployment_time.sql', async () => {
    const file = sqlFile('queries/reads/deployment_time');
    expect(await rowsOf(env.warehouse, file, { id: 'b1' })).toEqual([{ id: 'b1', deployed_at: '2026-03-04T10:00:00.000Z', service: 'svc-b' }]);
    expect(await rowsOf(env.warehouse, file, { id: 'nope' })).toEqual([]);
    await expectRendered(env.warehouse, file);
  });

  it('incident_candidates.sql', async () => {
    const file = sqlFile('queries/reads/incident_candidates');
    const rows = await rowsOf(env.warehouse, file, { id: 'a1' });
    expect(rows).toMatchSnapshot('candidates for a1');
    expect(rows.map((r) => r.id)).toEqual(['i1']);
    await expectRendered(env.warehouse, file);
  });

  it('changes_export.sql', async () => {
    const file = sqlFile('queries/reads/changes_export');
    const rows = await rowsOf(env.warehouse, file, { ...window, deployment: '', limit: 200_000 }, { scope: ALL });
    expect(rows).toMatchSnapshot('rows');
    // Newest deployment first, then longest lead time; a change with none comes last (ClickHouse sorts NULL last).
    expect(rows.map((r) => r.sha)).toEqual(['c5', 'c3', 'c2', 'c1', 'c4']);
    expect((await changesInWindow(env.warehouse, { from: '2026-03-02', to: '2026-03-09' }, { deploymentId: 'a1', limit: 2 })).map((r) => r.sha)).toEqual(['c3', 'c2']);
    await expectRendered(env.warehouse, file, { scope: ALL });
  });

  it('prs_export.sql', async () => {
    const file = sqlFile('queries/reads/prs_export');
    const rows = await rowsOf(env.warehouse, file, { from: window.from, to: window.to, team: '' });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.number, r.review_hours])).toEqual([[1, 0.75]]);
    await expectRendered(env.warehouse, file);
  });

  it('gitlab_repos.sql', async () => {
    const file = sqlFile('queries/reads/gitlab_repos');
    expect(await rowsOf(env.warehouse, file)).toEqual([{ repo: 'acme/group/gl' }]);
    expect(await gitlabCatalogRepos(env.warehouse)).toEqual(['acme/group/gl']);
    await expectRendered(env.warehouse, file);
  });

  it('freshness_sources.sql, last_run.sql, dead_letters_waiting.sql, newest_deployment_day.sql: the Overview', async () => {
    expect(await rowsOf(env.warehouse, sqlFile('queries/reads/freshness_sources'))).toEqual([
      { source: 'github', last_received: '2026-03-05 10:00:00.000', deliveries: 2 },
      { source: 'pagerduty', last_received: '2026-03-03 10:00:00.000', deliveries: 1 },
    ]);
    expect(await rowsOf(env.warehouse, sqlFile('queries/reads/last_run'))).toEqual([{ started_at: '2026-03-06 01:00:00.000', status: 'failed' }]);
    expect(await rowsOf(env.warehouse, sqlFile('queries/reads/dead_letters_waiting'))).toEqual([{ n: 1 }]);
    expect(await rowsOf(env.warehouse, sqlFile('queries/reads/newest_deployment_day'))).toEqual([{ day: '2026-03-04' }]);
    expect((await freshness(env.warehouse)).deadLetterTotal).toBe(1);
    expect(await newestDeploymentDay(env.warehouse)).toBe('2026-03-04');
    for (const name of ['queries/reads/freshness_sources', 'queries/reads/last_run', 'queries/reads/dead_letters_waiting', 'queries/reads/newest_deployment_day']) {
      await expectRendered(env.warehouse, sqlFile(name));
    }
  });
});
