import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { FailureLinkOverrideInput, setFailureLinkOverride, type FailureLinkOverride } from '../src/metrics/overrides.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder, sha, ZERO } from './history.js';

// Every scenario lives in its own repository/service of one shared warehouse; the metric query is scoped by service.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WEEK = { from: '2026-03-02', to: '2026-03-09' };

const trunk = new HistoryBuilder('acme/trunk');
trunk.push('2026-03-02T09:00', [['t-c1', '2026-03-02T08:00']]);
trunk.deploy('trunk-d1', 't-c1', '2026-03-02T10:00');
trunk.push('2026-03-03T09:00', [['t-c2', '2026-03-03T07:00'], ['t-c3', '2026-03-03T08:00']]);
trunk.push('2026-03-03T11:00', [['t-c4', '2026-03-03T10:00']]);
trunk.deploy('trunk-d2', 't-c4', '2026-03-03T12:00');

const first = new HistoryBuilder('acme/first');
first.push('2025-06-01T09:00', [['f-old', '2025-06-01T08:00']]);
first.push('2026-03-02T09:00', [['f-c1', '2026-03-02T06:00']]);
first.deploy('first-d1', 'f-c1', '2026-03-02T10:00');

const rollback = new HistoryBuilder('acme/rollback');
rollback.push('2026-03-02T09:00', [['r-c1', '2026-03-02T08:00']]);
rollback.deploy('rollback-d1', 'r-c1', '2026-03-02T10:00');
rollback.push('2026-03-03T09:00', [['r-c2', '2026-03-03T08:00']]);
rollback.deploy('rollback-d2', 'r-c2', '2026-03-03T10:00');
rollback.deploy('rollback-d3', 'r-c1', '2026-03-03T10:30');
rollback.deploy('rollback-d4', 'r-c1', '2026-03-03T11:00'); // a redeploy of the same sha is not a rollback

const revert = new HistoryBuilder('acme/revert');
revert.push('2026-03-02T09:00', [['v-c1', '2026-03-02T08:00']]);
revert.deploy('revert-d1', 'v-c1', '2026-03-02T10:00');
revert.push('2026-03-03T09:00', [['v-bad', '2026-03-03T08:00']]);
revert.deploy('revert-d2', 'v-bad', '2026-03-03T10:00');
revert.push('2026-03-04T09:00', [['v-revert', '2026-03-04T08:00', { reverts: 'v-bad' }]]);
revert.deploy('revert-d3', 'v-revert', '2026-03-04T10:00');

const explicit = new HistoryBuilder('acme/explicit');
explicit.push('2026-03-02T09:00', [['e-c1', '2026-03-02T08:00']]);
explicit.deploy('explicit-d1', 'e-c1', '2026-03-02T10:00');
explicit.push('2026-03-03T09:00', [['e-c2', '2026-03-03T08:00'], ['e-c3', '2026-03-03T08:30']]);
explicit.deploy('explicit-d2', 'e-c3', '2026-03-03T10:00');
explicit.incident('explicit-i1', '2026-03-05T10:00', { resolved: '2026-03-05T13:00', shas: [sha('e-c2').slice(0, 7)] });

const inferred = new HistoryBuilder('acme/inferred');
inferred.push('2026-03-02T09:00', [['i-c1', '2026-03-02T08:00']]);
inferred.deploy('inferred-d1', 'i-c1', '2026-03-02T10:00');
inferred.incident('inferred-in-window', '2026-03-03T09:59', { resolved: '2026-03-03T11:59', service: 'acme/inferred' });
inferred.push('2026-03-04T09:00', [['i-c2', '2026-03-04T08:00']]);
inferred.deploy('inferred-d2', 'i-c2', '2026-03-04T10:00');
inferred.incident('inferred-past-window', '2026-03-05T10:00', { resolved: '2026-03-05T11:00', service: 'acme/inferred' });

// The inference window also ends at the service's next production deployment: the incident belongs to that one.
const inferredNext = new HistoryBuilder('acme/inferred-next');
inferredNext.push('2026-03-02T09:00', [['in-c1', '2026-03-02T08:00']]);
inferredNext.deploy('inferred-next-d1', 'in-c1', '2026-03-02T10:00');
inferredNext.push('2026-03-02T13:00', [['in-c2', '2026-03-02T12:00']]);
inferredNext.deploy('inferred-next-d2', 'in-c2', '2026-03-02T14:00');
inferredNext.incident('inferred-next-i1', '2026-03-02T15:00', { resolved: '2026-03-02T17:00', service: 'acme/inferred-next' });

const squash = new HistoryBuilder('acme/squash');
squash.push('2026-03-01T12:30', [['s-p1', '2026-03-01T09:00'], ['s-p2', '2026-03-01T12:00']], 'refs/heads/feature');
squash.pullRequest(7, { opened: '2026-03-01T13:00', merged: '2026-03-02T10:00', mergeCommit: 's-squash', head: 's-p2' });
squash.review(7, 'reviewer', '2026-03-01T15:00');
squash.push('2026-03-02T10:00', [['s-squash', '2026-03-02T10:00']]);
squash.deploy('squash-d1', 's-squash', '2026-03-02T12:00');

const hotfix = new HistoryBuilder('acme/hotfix');
hotfix.push('2026-03-02T09:00', [['h-c1', '2026-03-02T08:00']]);
hotfix.deploy('hotfix-d1', 'h-c1', '2026-03-02T10:00');
hotfix.pullRequest(3, { labels: ['Hotfix'], opened: '2026-03-03T08:30', merged: '2026-03-03T09:00', mergeCommit: 'h-fix', commits: ['h-fix'] });
hotfix.push('2026-03-03T09:00', [['h-fix', '2026-03-03T08:00']]);
hotfix.deploy('hotfix-d2', 'h-fix', '2026-03-03T10:00');

const envs = new HistoryBuilder('acme/envs');
envs.push('2026-03-02T09:00', [['n-c1', '2026-03-02T08:00']]);
envs.deploy('envs-staging', 'n-c1', '2026-03-02T09:30', { environment: 'staging' });
envs.deploy('envs-prod', 'n-c1', '2026-03-02T10:00', { environment: 'Production' });
envs.deploy('envs-failed', 'n-c1', '2026-03-02T11:00', { status: 'failure' });

const mono = new HistoryBuilder('acme/mono');
mono.service('billing', 'payments', { path: 'services/billing' });
mono.service('ledger', 'payments', { path: 'services/ledger/' });
mono.push('2026-03-02T09:00', [['m-c1', '2026-03-02T08:00']]);
mono.deploy('mono-billing', 'm-c1', '2026-03-02T10:00', { path: 'services/billing' });
mono.deploy('mono-ledger', 'm-c1', '2026-03-02T11:00', { path: '/services/ledger' });

const edges = new HistoryBuilder('acme/edges');
edges.push('2026-03-01T09:00', [['w-c1', '2026-03-01T08:00']]);
edges.deploy('edges-before', 'w-c1', '2026-03-01T23:59:59.999');
edges.push('2026-03-01T23:00', [['w-c2', '2026-03-01T22:00']]);
edges.deploy('edges-at-from', 'w-c2', '2026-03-02T00:00');
edges.push('2026-03-08T23:00', [['w-c3', '2026-03-08T22:00']]);
edges.deploy('edges-at-to', 'w-c3', '2026-03-09T00:00');

const lonely = new HistoryBuilder('acme/lonely');
lonely.incident('lonely-i1', '2026-03-03T10:00', { resolved: '2026-03-03T14:00', service: 'acme/lonely' });

// Compare API: a push webhook was lost, so the push chain alone would miss cmp-c2; the stored compare lists it.
const compared = new HistoryBuilder('acme/compared');
compared.push('2026-03-02T09:00', [['cmp-c1', '2026-03-02T08:00']]);
compared.deploy('cmp-d1', 'cmp-c1', '2026-03-02T10:00');
compared.lostPush([['cmp-c2', '2026-03-03T06:00']]);
compared.push('2026-03-03T08:00', [['cmp-c3', '2026-03-03T07:00']]);
compared.deploy('cmp-d2', 'cmp-c3', '2026-03-03T10:00');
compared.compare('cmp-c1', 'cmp-c3', ['cmp-c2', 'cmp-c3']);

// The same, but the stored compare was truncated (more commits than listed): the push chain decides.
const truncated = new HistoryBuilder('acme/compared-truncated');
truncated.push('2026-03-02T09:00', [['cmt-c1', '2026-03-02T08:00']]);
truncated.deploy('cmt-d1', 'cmt-c1', '2026-03-02T10:00');
truncated.lostPush([['cmt-c2', '2026-03-03T06:00']]);
truncated.push('2026-03-03T08:00', [['cmt-c3', '2026-03-03T07:00']]);
truncated.deploy('cmt-d2', 'cmt-c3', '2026-03-03T10:00');
truncated.compare('cmt-c1', 'cmt-c3', ['cmt-c2'], { totalCommits: 2 });

// Overrides: ov-d2 fails twice over (rolled back by ov-d3, and an incident 1 h after it).
const overridden = new HistoryBuilder('acme/overridden');
overridden.push('2026-03-02T09:00', [['o-c1', '2026-03-02T08:00']]);
overridden.deploy('ov-d1', 'o-c1', '2026-03-02T10:00');
overridden.push('2026-03-03T09:00', [['o-c2', '2026-03-03T08:00']]);
overridden.deploy('ov-d2', 'o-c2', '2026-03-03T10:00');
overridden.incident('ov-i1', '2026-03-03T11:00', { resolved: '2026-03-03T11:30', service: 'acme/overridden' });
overridden.deploy('ov-d3', 'o-c1', '2026-03-03T12:00');

const all = [trunk, first, rollback, revert, explicit, inferred, inferredNext, squash, hotfix, envs, mono, edges, lonely, overridden, compared, truncated].flatMap((h) => h.events);

beforeAll(async () => {
  env = await openTestWarehouse();
  // Redelivered events: everything arrives twice.
  await env.ingest(all);
  await env.ingest(all);
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

const dora = (service: string, window = WEEK) => doraMetrics(env.warehouse, { ...window, service });

describe('DORA scenarios (hand-built histories)', () => {
  it('trunk-based pushes: change sets walk the push chain back to the previous deployment', async () => {
    const result = await dora('acme/trunk');
    // lead times: d1 [2 h], d2 [5 h, 4 h, 2 h] → sorted 2, 2, 4, 5
    expect(result.leadTime).toMatchObject({ changes: 4, p50Hours: 3, p75Hours: 4.25, p90Hours: 4.7, level: 'elite' });
    expect(result.deploymentFrequency).toMatchObject({ deployments: 2, perWeek: 2, deployDaysPerWeekP50: 2, level: 'high' });
    expect(result.changeFailureRate).toMatchObject({ rate: 0, failedDeployments: 0, deployments: 2, level: 'elite' });
    expect(result.reworkRate).toEqual({ rate: 0, reworkDeployments: 0, deployments: 2 });
  });

  it('first deployment of a service: only the commits of the push that introduced its sha', async () => {
    const result = await dora('acme/first');
    expect(result.leadTime).toMatchObject({ changes: 1, p50Hours: 4 });
  });

  it('rollback: deploying already-shipped code fails the previous deployment; a redeploy of the same sha does not', async () => {
    const result = await dora('acme/rollback');
    expect(result.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 4, rate: 0.25 });
    // recovery of d2 = next production deployment (d3, 30 min later)
    expect(result.recovery).toMatchObject({ failedDeploymentRecoveryP50Hours: 0.5, failedDeployments: 1 });
    // d3 is itself a rollback: rework
    expect(result.reworkRate).toEqual({ rate: 0.25, reworkDeployments: 1, deployments: 4 });
  });

  it('revert: a later deployment reverting a commit fails the deployment that shipped it', async () => {
    const result = await dora('acme/revert');
    expect(result.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 3 });
    expect(result.reworkRate).toMatchObject({ reworkDeployments: 1 });
  });

  it('explicit incident link by a 7-character sha prefix of the change set, recovery from its resolution', async () => {
    const result = await dora('acme/explicit');
    expect(result.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 2, rate: 0.5 });
    // d2 at 03-03 10:00, incident resolved 03-05 13:00 → 51 h
    expect(result.recovery).toMatchObject({ failedDeploymentRecoveryP50Hours: 51, timeToRestoreP50Hours: 3, incidents: 1 });
  });

  it('inferred link: 23 h 59 min after a deployment counts, exactly 24 h after (the window edge) does not', async () => {
    const result = await dora('acme/inferred');
    expect(result.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 2 });
    expect(result.recovery).toMatchObject({ incidents: 2, failedDeploymentRecoveryP50Hours: 25.98 });
  });

  it('inferred link: an incident after the next deployment belongs to that deployment, not the earlier one', async () => {
    const result = await dora('acme/inferred-next');
    expect(result.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 2, rate: 0.5 });
    // Recovery is measured from d2 (14:00) to the resolution (17:00): 3 h; from d1 it would be 7 h.
    expect(result.recovery).toMatchObject({ failedDeploymentRecoveryP50Hours: 3, failedDeployments: 1 });
  });

  it('compare API: a stored compare between the previous deployment and this one is the change set, even where pushes were lost', async () => {
    // cmp-d1: cmp-c1 (2 h); cmp-d2: cmp-c2 (4 h) and cmp-c3 (3 h), the first known only from the compare.
    expect((await dora('acme/compared')).leadTime).toMatchObject({ changes: 3, p50Hours: 3, p90Hours: 3.8 });
    const [set] = await env.warehouse.query(`SELECT method, stopped_at, commits FROM {{db}}.t_change_sets WHERE deployment_id = 'cmp-d2'`, {}, (await import('zod')).z.object({ method: (await import('zod')).z.string(), stopped_at: (await import('zod')).z.string(), commits: (await import('zod')).z.coerce.number() }));
    expect(set).toEqual({ method: 'compare', stopped_at: 'previous_deployment', commits: 2 });
    // A truncated compare is not trusted: the push chain finds only cmt-c3 and stops where the chain breaks.
    expect((await dora('acme/compared-truncated')).leadTime).toMatchObject({ changes: 2 });
  });

  it('squash merge: the PR\'s original commits stand in for the squash commit', async () => {
    const result = await dora('acme/squash');
    // s-p1 authored 03-01 09:00, s-p2 12:00, deployed 03-02 12:00 → 27 h, 24 h (not 2 h from the squash commit)
    expect(result.leadTime).toMatchObject({ changes: 2, p50Hours: 25.5 });
  });

  it('hotfix label: a deployment shipping a PR labelled hotfix is rework (labels case-insensitive)', async () => {
    const result = await dora('acme/hotfix');
    expect(result.reworkRate).toEqual({ rate: 0.5, reworkDeployments: 1, deployments: 2 });
  });

  it('multiple environments: only successful deployments to a production environment count', async () => {
    const result = await dora('acme/envs');
    expect(result.deploymentFrequency.deployments).toBe(1);
  });

  it('monorepo paths map deployments to services by path prefix', async () => {
    expect((await dora('billing')).deploymentFrequency.deployments).toBe(1);
    expect((await dora('ledger')).deploymentFrequency.deployments).toBe(1);
    expect((await doraMetrics(env.warehouse, { ...WEEK, team: 'payments' })).deploymentFrequency.deployments).toBe(2);
  });

  it('window boundary: [from, to) includes a deployment at from and excludes one at to', async () => {
    const result = await dora('acme/edges');
    expect(result.deploymentFrequency.deployments).toBe(1);
  });

  it('incident without a deployment: counts for time to restore, not for change failure rate', async () => {
    const result = await dora('acme/lonely');
    expect(result.recovery).toMatchObject({ incidents: 1, timeToRestoreP50Hours: 4 });
    expect(result.changeFailureRate).toMatchObject({ rate: null, deployments: 0 });
    expect(result.leadTime).toMatchObject({ p50Hours: null, changes: 0 });
  });

  it('redelivered events are not counted twice', async () => {
    const rows = await env.warehouse.query('SELECT count() AS n FROM {{db}}.t_deployments WHERE repo = {repo:String}', { repo: 'acme/trunk' }, (await import('zod')).z.object({ n: (await import('zod')).z.coerce.number() }));
    expect(rows[0]!.n).toBe(2);
  });
});

describe('overrides set by a person win over inference (applied at the next transform)', () => {
  const linksOf = async (deploymentId: string) => (await env.warehouse.query(
    'SELECT method, incident_id FROM {{db}}.t_failure_links WHERE deployment_id = {id:String} ORDER BY method',
    { id: deploymentId }, (await import('zod')).z.object({ method: (await import('zod')).z.string(), incident_id: (await import('zod')).z.string().nullable() }),
  ));
  const override = async (o: FailureLinkOverride) => {
    await setFailureLinkOverride(env.warehouse, FailureLinkOverrideInput.parse(o), 'test');
    await runTransform(env.warehouse, defaultMetricSettings);
  };

  it('one wrong link goes, the other evidence stays, and a confirmed link adds a failure', async () => {
    expect(await linksOf('ov-d2')).toEqual([{ method: 'inferred', incident_id: 'ov-i1' }, { method: 'rollback', incident_id: null }]);
    expect((await dora('acme/overridden')).changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 3 });

    await override({ deploymentId: 'ov-d2', incidentId: 'method:rollback', verdict: 'reject', note: 'planned rollback drill' });
    expect(await linksOf('ov-d2')).toEqual([{ method: 'inferred', incident_id: 'ov-i1' }]);
    expect((await dora('acme/overridden')).changeFailureRate).toMatchObject({ failedDeployments: 1 });

    await override({ deploymentId: 'ov-d2', incidentId: 'ov-i1', verdict: 'reject', note: '' });
    expect(await linksOf('ov-d2')).toEqual([]);
    expect((await dora('acme/overridden')).changeFailureRate).toMatchObject({ failedDeployments: 0, rate: 0 });

    await override({ deploymentId: 'ov-d1', incidentId: 'ov-i1', verdict: 'confirm', note: 'config change in d1' });
    expect(await linksOf('ov-d1')).toEqual([{ method: 'override', incident_id: 'ov-i1' }]);
    expect((await dora('acme/overridden')).changeFailureRate).toMatchObject({ failedDeployments: 1 });
  });

  it('refuses a confirm without one incident, and a method other than rollback or revert', () => {
    expect(FailureLinkOverrideInput.safeParse({ deploymentId: 'd', incidentId: '*', verdict: 'confirm' }).success).toBe(false);
    expect(FailureLinkOverrideInput.safeParse({ deploymentId: 'd', incidentId: 'method:rollback', verdict: 'confirm' }).success).toBe(false);
    expect(FailureLinkOverrideInput.safeParse({ deploymentId: 'd', incidentId: 'method:inferred', verdict: 'reject' }).success).toBe(false);
    expect(FailureLinkOverrideInput.safeParse({ deploymentId: 'd', incidentId: 'method:revert', verdict: 'reject' }).success).toBe(true);
  });
});

export { ZERO };
