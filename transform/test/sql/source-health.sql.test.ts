import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeSetAttributionHealth } from '../../src/metrics/attribution.js';
import { GITLAB_COMPLETED_PREFIX, GITLAB_TRUNCATED_PREFIX, sourceHealth } from '../../src/metrics/source-health.js';
import { sqlFile } from '../../src/metrics/sql-files.js';
import { openTestWarehouse } from '../harness.js';
import { at, expectRendered, rowsOf } from './support.js';

/*
 * queries/source_health/*.sql on a hand-written archive, and queries/attribution/*.sql on
 * hand-written change-set rows. Worked out by hand:
 * - by_source: github 3 deliveries (one ignored, one dead-lettered; d1 archived twice counts once),
 *   last 03-02 12:00; gitlab 5 (one ignored), last 03-10 09:00; pagerduty 1. Generic is left out.
 * - by_sender: argocd 2 (source_system, or an argoproj.io annotation), flux 1 (involvedObject +
 *   reportingController; ignored), generic 1 (jenkins; dead-lettered).
 * - gitlab_pushes: accepted pushes l1 and l3 were truncated, l2 completed (its second reason line);
 *   l4 was ignored and l5 has no reason: truncated 2, completed 1, not fetched 1, last l3 on 03-10.
 * - attribution: 2 uncounted commits (c1, c2; c2's first five files), 2 assumed commits (c3 for
 *   svc-a and svc-b, c4), 1 change set stopped at a force push.
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;

const delivery = (source: string, id: string, receivedAt: string, outcome: string, payload: object = {}, reason = '') => ({
  source, delivery_id: id, event: 'push', received_at: at(receivedAt), payload: JSON.stringify(payload), outcome, reason, keep_first: 1,
});
const TRUNCATED = `${GITLAB_TRUNCATED_PREFIX} (20 of 31)`;
const COMPLETED = `${GITLAB_COMPLETED_PREFIX} (31 of 31)`;

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.warehouse.insert('raw_deliveries', [
    delivery('github', 'd1', '2026-03-01T10:00', 'ok'),
    delivery('github', 'd1', '2026-03-01T10:00', 'ok'),
    delivery('github', 'd2', '2026-03-02T11:00', 'ignored', {}, 'not a production deployment'),
    delivery('github', 'd3', '2026-03-02T12:00', 'dlq', {}, 'schema'),
    delivery('pagerduty', 'p1', '2026-03-03T10:00', 'ok'),
    delivery('generic', 'g1', '2026-03-04T10:00', 'ok', { source_system: 'argocd' }),
    delivery('generic', 'g2', '2026-03-05T10:00', 'ok', { metadata: { annotations: { 'argoproj.io/app': 'shop' } } }),
    delivery('generic', 'g3', '2026-03-06T10:00', 'ignored', { involvedObject: { kind: 'Kustomization' }, reportingController: 'kustomize-controller' }),
    delivery('generic', 'g4', '2026-03-07T10:00', 'dlq', { source_system: 'jenkins' }, 'schema'),
    delivery('gitlab', 'l1', '2026-03-08T09:00', 'ok', {}, TRUNCATED),
    delivery('gitlab', 'l2', '2026-03-09T09:00', 'ok', {}, `author email assumed\n${COMPLETED}`),
    delivery('gitlab', 'l3', '2026-03-10T09:00', 'ok', {}, TRUNCATED),
    delivery('gitlab', 'l4', '2026-03-10T08:00', 'ignored', {}, TRUNCATED),
    delivery('gitlab', 'l5', '2026-03-10T07:00', 'ok'),
  ]);
  await env.warehouse.insert('t_uncounted_commits', [
    { repo: 'acme/mono', sha: 'c2', files: ['docs/1.md', 'docs/2.md', 'docs/3.md', 'docs/4.md', 'docs/5.md', 'docs/6.md'], deployment_id: 'dep1' },
    { repo: 'acme/mono', sha: 'c1', files: ['README.md'], deployment_id: 'dep1' },
  ]);
  await env.warehouse.insert('t_change_set_commits', [
    { deployment_id: 'dep1', service: 'svc-a', repo: 'acme/mono', sha: 'c3', via: 'push_chain', attribution: 'assumed' },
    { deployment_id: 'dep1', service: 'svc-b', repo: 'acme/mono', sha: 'c3', via: 'push_chain', attribution: 'assumed' },
    { deployment_id: 'dep2', service: 'svc-a', repo: 'acme/mono', sha: 'c4', via: 'compare', attribution: 'assumed' },
    { deployment_id: 'dep1', service: 'svc-a', repo: 'acme/mono', sha: 'c5', via: 'compare', attribution: 'path' },
  ]);
  await env.warehouse.insert('t_change_sets', [
    { deployment_id: 'dep1', service: 'svc-a', method: 'push_chain', commits: 2, stopped_at: 'force_push', is_rollback: false },
    { deployment_id: 'dep2', service: 'svc-a', method: 'compare', commits: 1, stopped_at: 'previous_deployment', is_rollback: false },
  ]);
});
afterAll(async () => env?.close());

describe('queries/source_health', () => {
  it('by_source.sql', async () => {
    const file = sqlFile('queries/source_health/by_source');
    const rows = await rowsOf(env.warehouse, file);
    expect(rows.map((r) => [r.origin, r.deliveries, r.ignored, r.dead_lettered])).toEqual([['github', 3, 1, 1], ['gitlab', 5, 1, 0], ['pagerduty', 1, 0, 0]]);
    expect(rows).toMatchSnapshot('rows');
    await expectRendered(env.warehouse, file);
  });

  it('by_sender.sql', async () => {
    const file = sqlFile('queries/source_health/by_sender');
    const rows = await rowsOf(env.warehouse, file);
    expect(rows.map((r) => [r.origin, r.deliveries, r.ignored, r.dead_lettered])).toEqual([['argocd', 2, 0, 0], ['flux', 1, 1, 0], ['generic', 1, 0, 1]]);
    expect(rows).toMatchSnapshot('rows');
    await expectRendered(env.warehouse, file);
  });

  it('gitlab_pushes.sql', async () => {
    const file = sqlFile('queries/source_health/gitlab_pushes');
    const rows = await rowsOf(env.warehouse, file, { truncatedPrefix: GITLAB_TRUNCATED_PREFIX, completedPrefix: GITLAB_COMPLETED_PREFIX });
    expect(rows).toEqual([{ truncated: 2, completed: 1, not_fetched: 1, last_truncated: '2026-03-10 09:00:00.000', example_delivery: 'l3' }]);
    await expectRendered(env.warehouse, file);
  });

  it('sourceHealth answers with the files\' rows', async () => {
    const health = await sourceHealth(env.warehouse);
    expect(health.sources.map((s) => s.origin)).toEqual(['argocd', 'flux', 'generic', 'github', 'gitlab', 'pagerduty']);
    expect(health.gitlabPushes.not_fetched).toBe(1);
  });
});

describe('queries/attribution', () => {
  it('totals.sql', async () => {
    const file = sqlFile('queries/attribution/totals');
    expect(await rowsOf(env.warehouse, file)).toEqual([{ uncounted: 2, assumed: 2, force_push: 1 }]);
    await expectRendered(env.warehouse, file);
  });

  it('uncounted_examples.sql', async () => {
    const file = sqlFile('queries/attribution/uncounted_examples');
    const rows = await rowsOf(env.warehouse, file, { examples: 5 });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.sha, (r.files as string[]).length])).toEqual([['c1', 1], ['c2', 5]]);
    expect(await rowsOf(env.warehouse, file, { examples: 1 })).toHaveLength(1);
    await expectRendered(env.warehouse, file);
  });

  it('assumed_examples.sql', async () => {
    const file = sqlFile('queries/attribution/assumed_examples');
    const rows = await rowsOf(env.warehouse, file, { examples: 5 });
    expect(rows).toMatchSnapshot('rows');
    expect(rows.map((r) => [r.sha, [...(r.services as string[])].sort(), r.deployment_id])).toEqual([['c3', ['svc-a', 'svc-b'], 'dep1'], ['c4', ['svc-a'], 'dep2']]);
    await expectRendered(env.warehouse, file);
  });

  it('changeSetAttributionHealth answers with the files\' rows', async () => {
    const health = await changeSetAttributionHealth(env.warehouse);
    expect(health).toMatchObject({ uncounted: 2, assumed: 2, stoppedAtForcePush: 1 });
    expect(health.assumedExamples.map((e) => e.sha)).toEqual(['c3', 'c4']);
  });
});
