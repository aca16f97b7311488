import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataHealth, doraSeries, explain, ranking } from '../../src/metrics/explore.js';
import { scopeWhere } from '../../src/metrics/dora.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/explore/*.sql on two weeks (Monday 03-02 to Monday 03-16) of hand-written derived rows:
 * - catalog: svc-a (core, golden path), svc-b (core), svc-c (edge, never deployed);
 * - production deployments: a1 03-02 (failed, recovered in 2 h; commits c1 4 h, c2 10 h), a2 03-03
 *   (rework; c3 2 h), b1 03-10 (failed, recovered in 6 h; no change set), b2 03-11 (c4 24 h, c5 with
 *   no lead time);
 * - incidents i1 (svc-a, linked to a1), i2 (svc-c, open, 03-12), i3 (service unknown, after the window).
 * Worked out by hand (quantileExactInclusive interpolates):
 * - series: week 03-02: 2 deployments, 1 failed, 1 rework, recovery p50 2, lead [2, 4, 10] → p50 4,
 *   p75 7, p90 8.8, 3 changes; week 03-09: 2, 1, 0, 6, lead [24] → 24 / 24 / 24, 1 change.
 * - ranking by service (14 days): svc-a and svc-b 2 deployments = 1 a week, CFR 0.5; svc-a recovery
 *   2, rework 0.5, lead 4 (3 changes); svc-b recovery 6, rework 0, lead 24 (1); svc-c 0 deployments
 *   and no rates. By team: core 4 deployments = 2 a week, the median service 1 a week, CFR 0.5,
 *   recovery p50 of [2, 6] = 4, rework 0.25, lead p50 of [2, 4, 10, 24] = 7; edge nothing.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const window = { from: '2026-03-02 00:00:00.000', to: '2026-03-16 00:00:00.000', team: '', service: '', golden: false };
const ALL = scopeWhere({});

const fact = (id: string, service: string, deployedAt: string, extra: Record<string, unknown> = {}) => ({
  id, repo: `acme/${service.slice(-1)}`, service, team: 'core', golden_path: service === 'svc-a', via_platform: false, deployed_at: at(deployedAt),
  sha: `sha-${id}`, change_set_method: 'compare', commits: 1, failed: false, failure_methods: [], recovery_hours: null, rework: false, rework_reasons: [], ...extra,
});
const change = (deploymentId: string, service: string, deployedAt: string, sha: string, leadHours: number | null) => ({
  deployment_id: deploymentId, service, team: 'core', golden_path: service === 'svc-a', deployed_at: at(deployedAt), repo: `acme/${service.slice(-1)}`, sha, via: 'compare',
  authored_at: leadHours === null ? null : at(deployedAt), lead_hours: leadHours, is_revert: false, pr_number: null, fix_pr: false,
});

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  await w.insert('catalog_entities', [
    { service: 'svc-a', team: 'core', source_template: 'node-service', annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: 'e1' },
    { service: 'svc-b', team: 'core', annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: 'e2' },
    { service: 'svc-c', team: 'edge', annotations: {}, updated_at: at('2026-03-01T00:00'), event_id: 'e3' },
  ]);
  await w.insert('t_deployment_facts', [
    fact('a1', 'svc-a', '2026-03-02T10:00', { failed: true, failure_methods: ['explicit'], recovery_hours: 2, commits: 2 }),
    fact('a2', 'svc-a', '2026-03-03T10:00', { rework: true, rework_reasons: ['revert'], change_set_method: 'push_chain' }),
    fact('b1', 'svc-b', '2026-03-10T10:00', { failed: true, failure_methods: ['rollback'], recovery_hours: 6, change_set_method: 'unknown', commits: 0 }),
    fact('b2', 'svc-b', '2026-03-11T10:00', { commits: 2 }),
  ]);
  await w.insert('t_changes', [
    change('a1', 'svc-a', '2026-03-02T10:00', 'c1', 4),
    change('a1', 'svc-a', '2026-03-02T10:00', 'c2', 10),
    change('a2', 'svc-a', '2026-03-03T10:00', 'c3', 2),
    change('b2', 'svc-b', '2026-03-11T10:00', 'c4', 24),
    change('b2', 'svc-b', '2026-03-11T10:00', 'c5', null),
  ]);
  await w.insert('commits', [
    { repo: 'acme/a', sha: 'c1', author_login: 'ann', author_bot: false, authored_at: at('2026-03-02T06:00'), committed_at: at('2026-03-02T06:00'), message: 'fix: one', parents: [], event_id: 'k1' },
  ]);
  await w.insert('t_failure_links', [
    { deployment_id: 'a1', service: 'svc-a', method: 'explicit', incident_id: 'i1', other_deployment_id: null, evidence: 'i1 names a1' },
    { deployment_id: 'b1', service: 'svc-b', method: 'rollback', incident_id: null, other_deployment_id: 'b2', evidence: 'b2 rolled back to an earlier sha' },
  ]);
  const incident = (id: string, service: string, team: string, openedAt: string, resolvedAt: string | null) => ({
    id, source: 'pagerduty', service, team, golden_path: false, severity: 'SEV2', title: `incident ${id}`, status: resolvedAt ? 'resolved' : 'open',
    opened_at: at(openedAt), resolved_at: resolvedAt ? at(resolvedAt) : null, linked_deployment_ids: [], linked_shas: [],
  });
  await w.insert('t_incidents', [
    incident('i1', 'svc-a', 'core', '2026-03-02T11:00', '2026-03-02T12:00'),
    incident('i2', 'svc-c', 'edge', '2026-03-12T09:00', null),
    incident('i3', 'unknown', 'unassigned', '2026-03-20T09:00', '2026-03-20T10:00'),
  ]);
  const deployment = (id: string, repo: string, via: string, production = true) => ({
    id, repo, service: via === 'unknown' ? 'unknown' : `svc-${repo.slice(-1)}`, service_via: via, team: 'core', environment: production ? 'production' : 'staging', is_production: production,
    status: 'success', started_at: at('2026-03-02T10:00'), deployed_at: at('2026-03-02T10:00'), source_system: 'github', golden_path: false, via_platform: false,
  });
  await w.insert('t_deployments', [deployment('a1', 'acme/a', 'catalog'), deployment('a2', 'acme/a', 'sender'), deployment('b1', 'acme/b', 'repo'), deployment('s1', 'acme/tools', 'unknown', false)]);
  const raw = (id: string, receivedAt: string, outcome: string, reason: string) => ({
    source: id.startsWith('p') ? 'pagerduty' : 'github', delivery_id: id, event: id.startsWith('p') ? 'incident' : 'push', received_at: at(receivedAt), payload: `{"id":"${id}"}`, outcome, reason, keep_first: 1,
  });
  await w.insert('raw_deliveries', [
    raw('g1', '2026-03-05T10:00', 'ok', 'author email assumed'),
    raw('g2', '2026-03-06T10:00', 'ok', 'author email assumed\nref assumed main'),
    raw('g3', '2026-03-07T10:00', 'ok', ''),
    raw('p1', '2026-03-08T10:00', 'dlq', 'schema: id missing'),
  ]);
  const letter = (id: string, step: string, reason: string, failedAt: string, replayed = false) => ({
    id, value: '{}', headers: {}, reason, step, failed_at: at(failedAt), replayed_at: replayed ? at('2026-03-09T00:00') : null,
  });
  await w.insert('dead_letters', [
    letter('x1', 'normalise', 'schema: id missing', '2026-03-08T10:00'),
    letter('x2', 'normalise', 'schema: id missing', '2026-03-08T11:00'),
    letter('x3', 'normalise', 'schema: id missing', '2026-03-07T11:00', true),
    letter('x4', 'sink', 'row too large', '2026-03-08T12:00'),
  ]);
  await w.insert('job_runs', [
    { job: 'transform', run_id: 'r1', holder: 'h', started_at: at('2026-03-15T01:00'), finished_at: null, status: 'failed', detail: 'MEMORY_LIMIT_EXCEEDED' },
    { job: 'transform', run_id: 'r2', holder: 'h', started_at: at('2026-03-16T01:00'), finished_at: at('2026-03-16T01:01'), status: 'ok', detail: '' },
  ]);
});
afterAll(async () => env?.close());

describe('queries/explore', () => {
  it('series.sql', async () => {
    const file = sqlFile('queries/explore/series');
    const rows = await rowsOf(env.warehouse, file, window, { scope: ALL });
    // lead_p90 is not rounded by the query: 4 + 0.8 × 6 in floating point.
    expect(rows).toEqual([
      { week: '2026-03-02', deployments: 2, failed: 1, rework: 1, recovery_p50: 2, lead_p50: 4, lead_p75: 7, lead_p90: expect.closeTo(8.8, 9), changes: 3 },
      { week: '2026-03-09', deployments: 2, failed: 1, rework: 0, recovery_p50: 6, lead_p50: 24, lead_p75: 24, lead_p90: 24, changes: 1 },
    ]);
    const oneService = { ...window, service: 'svc-b' };
    expect(await rowsOf(env.warehouse, file, oneService, { scope: scopeWhere({ service: 'svc-b' }) })).toMatchSnapshot('svc-b only');
    expect(await rowsOf(env.warehouse, file, { ...window, team: 'edge' }, { scope: scopeWhere({ team: 'edge' }) })).toEqual([]);
    await expectRendered(env.warehouse, file, { scope: ALL });
    await expectRendered(env.warehouse, file, { scope: scopeWhere({ team: 'core', goldenPath: true }) });
  });

  it('ranking.sql', async () => {
    const file = sqlFile('queries/explore/ranking');
    const byService = await rowsOf(env.warehouse, file, { ...window, days: 14 }, { scope: ALL, key: 'service' });
    expect(byService).toMatchSnapshot('by service');
    expect(byService.map((r) => [r.key, r.deployments, r.per_week, r.change_failure_rate, r.recovery_p50, r.rework_rate, r.lead_p50, r.changes])).toEqual([
      ['svc-a', 2, 1, 0.5, 2, 0.5, 4, 3],
      ['svc-b', 2, 1, 0.5, 6, 0, 24, 1],
      ['svc-c', 0, 0, null, null, null, null, 0],
    ]);
    const byTeam = await rowsOf(env.warehouse, file, { ...window, days: 14 }, { scope: ALL, key: 'team' });
    expect(byTeam).toMatchSnapshot('by team');
    expect(byTeam[0]).toMatchObject({ key: 'core', services: 2, deployments: 4, per_week: 2, per_service_per_week: 1, change_failure_rate: 0.5, recovery_p50: 4, rework_rate: 0.25, lead_p50: 7, changes: 4 });
    await expectRendered(env.warehouse, file, { scope: ALL, key: 'service' });
  });

  it('deployments.sql', async () => {
    const file = sqlFile('queries/explore/deployments');
    const all = await rowsOf(env.warehouse, file, { ...window, failedOnly: false, withCommitsOnly: false, limit: 500 }, { scope: ALL });
    expect(all.map((r) => r.id)).toEqual(['b2', 'b1', 'a2', 'a1']);
    const withCommits = await rowsOf(env.warehouse, file, { ...window, failedOnly: false, withCommitsOnly: true, limit: 500 }, { scope: ALL });
    expect(withCommits.map((r) => r.id)).toEqual(['b2', 'a2', 'a1']);
    const failed = await rowsOf(env.warehouse, file, { ...window, failedOnly: true, withCommitsOnly: false, limit: 500 }, { scope: ALL });
    expect(failed).toMatchSnapshot('failed only');
    expect(failed.map((r) => r.id)).toEqual(['b1', 'a1']);
    await expectRendered(env.warehouse, file, { scope: ALL });
  });

  it('changes.sql', async () => {
    const file = sqlFile('queries/explore/changes');
    const rows = await rowsOf(env.warehouse, file, { ids: ['a1'] });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.sha, r.lead_hours, r.message, r.author])).toEqual([['c2', 10, '', null], ['c1', 4, 'fix: one', 'ann']]);
    await expectRendered(env.warehouse, file);
  });

  it('failure_links.sql', async () => {
    const file = sqlFile('queries/explore/failure_links');
    const rows = await rowsOf(env.warehouse, file, { ids: ['a1', 'b1'] });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.deployment_id, r.method])).toEqual([['a1', 'explicit'], ['b1', 'rollback']]);
    await expectRendered(env.warehouse, file);
  });

  it('incidents.sql', async () => {
    const file = sqlFile('queries/explore/incidents');
    const linked = await rowsOf(env.warehouse, file, { ...window, ids: ['a1'], metric: 'changeFailureRate', only: '' }, { scope: ALL });
    expect(linked).toMatchSnapshot('linked to a1');
    expect(linked.map((r) => [r.id, r.restore_hours])).toEqual([['i1', 1]]);
    const recovery = await rowsOf(env.warehouse, file, { ...window, ids: ['a1'], metric: 'recovery', only: '' }, { scope: ALL });
    expect(recovery.map((r) => r.id)).toEqual(['i2', 'i1']);
    const core = await rowsOf(env.warehouse, file, { ...window, team: 'core', ids: [], metric: 'recovery', only: '' }, { scope: scopeWhere({ team: 'core' }) });
    expect(core.map((r) => r.id)).toEqual(['i1']);
    await expectRendered(env.warehouse, file, { scope: ALL });
  });

  it('health_*.sql: Data health', async () => {
    const sources = await rowsOf(env.warehouse, sqlFile('queries/explore/health_sources'));
    expect(sources).toEqual([
      { source: 'github', last_received: '2026-03-07 10:00:00.000', deliveries: 3, dead_lettered: 0, ignored: 0 },
      { source: 'pagerduty', last_received: '2026-03-08 10:00:00.000', deliveries: 1, dead_lettered: 1, ignored: 0 },
    ]);
    const letters = await rowsOf(env.warehouse, sqlFile('queries/explore/health_dead_letters'));
    expect(letters).toEqual([
      { step: 'normalise', reason: 'schema: id missing', count: 2, last_failed: '2026-03-08 11:00:00.000' },
      { step: 'sink', reason: 'row too large', count: 1, last_failed: '2026-03-08 12:00:00.000' },
    ]);
    const [coverage] = await rowsOf(env.warehouse, sqlFile('queries/explore/health_coverage'));
    expect({ ...coverage, unmapped_repos: [...(coverage!.unmapped_repos as string[])].sort() }).toEqual({
      deployments: 4, with_change_set: 3, mapped_by_catalog: 2, unmapped_repos: ['acme/b', 'acme/tools'], unmapped_incidents: 1,
    });
    const runs = await rowsOf(env.warehouse, sqlFile('queries/explore/health_runs'));
    expect(runs.map((r) => [r.run_id ?? r.status, r.finished_at])).toEqual([['ok', '2026-03-16 01:01:00.000'], ['failed', null]]);
    const assumptions = await rowsOf(env.warehouse, sqlFile('queries/explore/health_assumptions'));
    expect(assumptions).toMatchSnapshot('assumptions');
    expect(assumptions.map((r) => [r.assumption, r.deliveries, r.example_delivery])).toEqual([['author email assumed', 2, 'g2'], ['ref assumed main', 1, 'g2']]);
    for (const name of ['queries/explore/health_sources', 'queries/explore/health_dead_letters', 'queries/explore/health_coverage', 'queries/explore/health_runs', 'queries/explore/health_assumptions']) {
      await expectRendered(env.warehouse, sqlFile(name));
    }
  });

  it('the explore functions answer with the files\' rows', async () => {
    const w = { from: '2026-03-02', to: '2026-03-16' };
    const series = await doraSeries(env.warehouse, w);
    expect(series.map((p) => [p.week, p.changeFailureRate, p.reworkRate])).toEqual([['2026-03-02', 0.5, 0.5], ['2026-03-09', 0.5, 0]]);
    expect((await ranking(env.warehouse, w, 'team')).map((r) => r.key)).toEqual(['core', 'edge']);
    const why = await explain(env.warehouse, w, 'recovery');
    expect(why.deployments.map((d) => d.id)).toEqual(['b1', 'a1']);
    // Lead time: the newest deployments that shipped commits, not a redeploy without any (b1).
    const lead = await explain(env.warehouse, w, 'leadTime', { limit: 2 });
    expect(lead.deployments.map((d) => d.id)).toEqual(['b2', 'a2']);
    expect(lead.changes.map((c) => c.sha).sort()).toEqual(['c3', 'c4', 'c5']);
    expect((await explain(env.warehouse, w, 'leadTime', { deploymentId: 'b1' })).deployments.map((d) => d.id)).toEqual(['b1']);
    expect(why.incidents.map((i) => i.id)).toEqual(['i2', 'i1']);
    const health = await dataHealth(env.warehouse);
    expect(health.deadLetterTotal).toBe(3);
    expect(health.coverage.deployments).toBe(4);
  });
});
