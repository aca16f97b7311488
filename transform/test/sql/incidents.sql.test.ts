import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeWhere } from '../../src/metrics/dora.js';
import { incidentFilterOptions, incidentsInWindow } from '../../src/metrics/incidents.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/incidents/*.sql (the incidents page) on hand-written rows, window 03-02..03-09:
 * - i1 svc-a (core, SEV1) opened 03-03 12:00, resolved after 2 h, linked to a1 (explicit) and a2
 *   (inferred); i2 svc-b (edge, SEV2, Opsgenie) opened 03-05 09:00, open, linked to nothing; i3 mapped
 *   to no service, its link to a1 rejected by a person; i4 after the window.
 * - production deployments a1 03-03 10:00 and a2 03-03 11:00 (svc-a, failed), b1 03-05 06:00, b0
 *   03-01 09:00 and b-old 02-20 (svc-b).
 * Worked out by hand: listed newest first i3, i2, i1 (i3 rejected, i1 restored in 2 h); team core: i1;
 * 3 incidents, 1 linked; 2 failed deployments in the window, 1 on inference alone; links of i1: a2
 * then a1 (newest first); candidates: i1 a2 (1 h before), a1 (2 h); i2 b1 (3 h), b0 (96 h); none for
 * i3 (no service) and b-old is more than 7 days before.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const params = { from: '2026-03-02 00:00:00.000', to: '2026-03-09 00:00:00.000', team: '', service: '', severity: '', source: '' };

beforeAll(async () => {
  env = await openTestWarehouse();
  const w = env.warehouse;
  const incident = (id: string, service: string, team: string, severity: string, source: string, openedAt: string, resolvedAt: string | null, linked: string[] = []) => ({
    id, source, service, team, golden_path: false, severity, title: `incident ${id}`, status: resolvedAt ? 'resolved' : 'open',
    opened_at: at(openedAt), resolved_at: resolvedAt ? at(resolvedAt) : null, linked_deployment_ids: linked, linked_shas: [],
  });
  await w.insert('t_incidents', [
    incident('i1', 'svc-a', 'core', 'SEV1', 'pagerduty', '2026-03-03T12:00', '2026-03-03T14:00', ['a1']),
    incident('i2', 'svc-b', 'edge', 'SEV2', 'opsgenie', '2026-03-05T09:00', null),
    incident('i3', 'unknown', 'edge', 'SEV3', 'pagerduty', '2026-03-06T09:00', null),
    incident('i4', 'svc-a', 'core', 'SEV3', 'pagerduty', '2026-03-12T09:00', null),
  ]);
  await w.insert('t_failure_links', [
    { deployment_id: 'a1', service: 'svc-a', method: 'explicit', incident_id: 'i1', evidence: 'i1 names a1' },
    { deployment_id: 'a2', service: 'svc-a', method: 'inferred', incident_id: 'i1', evidence: 'deployed 1 h before i1 opened' },
  ]);
  await w.insert('failure_link_overrides', [{ deployment_id: 'a1', incident_id: 'i3', verdict: 'reject', note: '', set_by: 'admin', set_at: at('2026-03-07T00:00') }]);
  const fact = (id: string, service: string, team: string, deployedAt: string, methods: string[] = []) => ({
    id, repo: `acme/${service}`, service, team, golden_path: false, via_platform: false, deployed_at: at(deployedAt), sha: `sha-${id}`,
    change_set_method: 'compare', commits: 1, failed: methods.length > 0, failure_methods: methods,
  });
  await w.insert('t_deployment_facts', [
    fact('a1', 'svc-a', 'core', '2026-03-03T10:00', ['explicit']),
    fact('a2', 'svc-a', 'core', '2026-03-03T11:00', ['inferred']),
    fact('b1', 'svc-b', 'edge', '2026-03-05T06:00'),
    fact('b0', 'svc-b', 'edge', '2026-03-01T09:00'),
    fact('b-old', 'svc-b', 'edge', '2026-02-20T09:00'),
  ]);
});
afterAll(async () => env?.close());

describe('queries/incidents', () => {
  it('listed.sql', async () => {
    const file = sqlFile('queries/incidents/listed');
    const rows = await rowsOf(env.warehouse, file, { ...params, limit: 1000 }, { filter: '1' });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.id, r.rejected, r.restore_hours])).toEqual([['i3', 1, null], ['i2', 0, null], ['i1', 0, 2]]);
    expect((await rowsOf(env.warehouse, file, { ...params, team: 'core', limit: 1000 }, { filter: 'team = {team:String}' })).map((r) => r.id)).toEqual(['i1']);
    expect((await rowsOf(env.warehouse, file, { ...params, limit: 1 }, { filter: '1' })).map((r) => r.id)).toEqual(['i3']);
    await expectRendered(env.warehouse, file, { filter: 'team = {team:String} AND severity = {severity:String}' });
  });

  it('totals.sql', async () => {
    const file = sqlFile('queries/incidents/totals');
    expect(await rowsOf(env.warehouse, file, params, { filter: '1' })).toEqual([{ incidents: 3, linked: 1 }]);
    await expectRendered(env.warehouse, file, { filter: '1' });
  });

  it('window_failures.sql', async () => {
    const file = sqlFile('queries/incidents/window_failures');
    expect(await rowsOf(env.warehouse, file, params, { scope: scopeWhere({}) })).toEqual([{ failed_n: 2, inference_only: 1 }]);
    expect(await rowsOf(env.warehouse, file, { ...params, team: 'edge' }, { scope: scopeWhere({ team: 'edge' }) })).toEqual([{ failed_n: 0, inference_only: 0 }]);
    await expectRendered(env.warehouse, file, { scope: scopeWhere({}) });
  });

  it('links.sql', async () => {
    const file = sqlFile('queries/incidents/links');
    const rows = await rowsOf(env.warehouse, file, { ids: ['i1', 'i2', 'i3'] });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.incident_id, r.deployment_id, r.method])).toEqual([['i1', 'a2', 'inferred'], ['i1', 'a1', 'explicit']]);
    await expectRendered(env.warehouse, file);
  });

  it('candidates.sql', async () => {
    const file = sqlFile('queries/incidents/candidates');
    const rows = await rowsOf(env.warehouse, file, { ids: ['i1', 'i2', 'i3'] });
    expect(rows.map((r) => [r.incident_id, r.deployment_id, r.hours_before])).toEqual([['i1', 'a2', 1], ['i1', 'a1', 2], ['i2', 'b1', 3], ['i2', 'b0', 96]]);
    await expectRendered(env.warehouse, file);
  });

  it('filter_options.sql', async () => {
    const file = sqlFile('queries/incidents/filter_options');
    expect(await rowsOf(env.warehouse, file)).toEqual([{ teams: ['core', 'edge'], services: ['svc-a', 'svc-b', 'unknown'], severities: ['SEV1', 'SEV2', 'SEV3'], sources: ['opsgenie', 'pagerduty'] }]);
    await expectRendered(env.warehouse, file);
  });

  it('incidentsInWindow and incidentFilterOptions answer with the files\' rows', async () => {
    const result = await incidentsInWindow(env.warehouse, { from: '2026-03-02', to: '2026-03-09' });
    expect(result.summary).toMatchObject({ incidents: 3, linked: 1, unlinked: 2, windowFailedDeployments: 2, windowInferenceOnly: 1, linkedDeployments: 2, inferenceOnlyDeployments: 1 });
    expect(result.unlinked.map((i) => [i.id, i.unlinkedReason])).toEqual([['i3', 'rejected'], ['i2', 'no_deployment']].map(([id]) => [id, expect.any(String)]));
    expect(result.unlinked.find((i) => i.id === 'i2')?.candidates.map((c) => c.deploymentId)).toEqual(['b1', 'b0']);
    expect((await incidentsInWindow(env.warehouse, { from: '2026-03-02', to: '2026-03-09', team: 'core', severity: 'SEV1' })).linked.map((i) => i.id)).toEqual(['i1']);
    expect((await incidentFilterOptions(env.warehouse)).teams).toEqual(['core', 'edge']);
  });
});
