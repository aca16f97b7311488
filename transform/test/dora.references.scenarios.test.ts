import { deploymentReference } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { doraMetrics } from '../src/metrics/dora.js';
import { dataHealth } from '../src/metrics/explore.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder, sha } from './history.js';

// Incidents naming their deployment the way people write it (issue 14): GitHub's numeric id, an API
// or recorded URL, a sha prefix. References go through deploymentReference as the normalisers write them.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WEEK = { from: '2026-03-02', to: '2026-03-09' };

/** Sets the URL a deployment's statuses recorded (the shared builder records none). */
function withUrl(history: HistoryBuilder, id: string, url: string): void {
  for (const e of history.events) if (e.type === 'deployment' && e.data.id === id) e.data.url = url;
}

// GitHub's numeric id, bare in the body of an issue of the same repository.
const byId = new HistoryBuilder('acme/refs-id');
byId.push('2026-03-02T09:00', [['ri-c1', '2026-03-02T08:00']]);
byId.deploy('github:acme/refs-id:9000081', 'ri-c1', '2026-03-02T10:00');
byId.push('2026-03-03T09:00', [['ri-c2', '2026-03-03T08:00']]);
byId.deploy('github:acme/refs-id:9000082', 'ri-c2', '2026-03-03T10:00');
// 48 h after the last deployment: timing inference (24 h) would not find it.
byId.incident('refs-id-i1', '2026-03-05T10:00', { resolved: '2026-03-05T12:00', service: 'acme/refs-id', deploymentIds: [deploymentReference('9000082', 'acme/refs-id')!] });

// A deployment API URL (one incident, never resolved) and the URL the deployment recorded (another).
const byUrl = new HistoryBuilder('acme/refs-url');
byUrl.push('2026-03-02T09:00', [['ru-c1', '2026-03-02T08:00']]);
byUrl.deploy('github:acme/refs-url:9100001', 'ru-c1', '2026-03-02T10:00');
byUrl.push('2026-03-03T09:00', [['ru-c2', '2026-03-03T08:00']]);
byUrl.deploy('github:acme/refs-url:9100002', 'ru-c2', '2026-03-03T10:00');
withUrl(byUrl, 'github:acme/refs-url:9100002', 'https://deploy.example.com/Runs/77');
byUrl.incident('refs-url-api', '2026-03-04T10:00', { service: 'acme/refs-url', deploymentIds: [deploymentReference('https://api.github.com/repos/acme/refs-url/deployments/9100001')!] });
byUrl.incident('refs-url-html', '2026-03-04T10:30', { resolved: '2026-03-04T11:00', service: 'acme/refs-url', deploymentIds: [deploymentReference('<https://deploy.example.com/Runs/77>')!] });

// A bare numeric id from a sender that knows no repository.
const bare = new HistoryBuilder('acme/refs-bare');
bare.push('2026-03-02T09:00', [['rb-c1', '2026-03-02T08:00']]);
bare.deploy('github:acme/refs-bare:9200001', 'rb-c1', '2026-03-02T10:00');
bare.incident('refs-bare-i1', '2026-03-06T10:00', { resolved: '2026-03-06T14:00', service: 'acme/refs-bare', deploymentIds: [deploymentReference('9200001', null)!] });

// A sha prefix names the deployment of that commit (the older one here), not the latest deployment.
const bySha = new HistoryBuilder('acme/refs-sha');
bySha.push('2026-03-02T09:00', [['rs-c1', '2026-03-02T08:00']]);
bySha.deploy('refs-sha-d1', 'rs-c1', '2026-03-02T10:00');
bySha.push('2026-03-03T09:00', [['rs-c2', '2026-03-03T08:00']]);
bySha.deploy('refs-sha-d2', 'rs-c2', '2026-03-03T10:00');
bySha.incident('refs-sha-i1', '2026-03-04T10:00', { resolved: '2026-03-04T12:00', service: 'acme/refs-sha', deploymentIds: [deploymentReference(sha('rs-c1').slice(0, 8).toUpperCase())!] });

// A reference that matches nothing does not hide the incident: timing inference still applies.
const unmatched = new HistoryBuilder('acme/refs-none');
unmatched.push('2026-03-02T09:00', [['rn-c1', '2026-03-02T08:00']]);
unmatched.deploy('github:acme/refs-none:9300001', 'rn-c1', '2026-03-02T10:00');
unmatched.incident('refs-none-i1', '2026-03-02T12:00', { resolved: '2026-03-02T13:00', service: 'acme/refs-none', deploymentIds: [deploymentReference('9399999', 'acme/refs-none')!] });

// Seven digits are both a possible GitHub id and a possible sha prefix: an id wins, a sha prefix is the fallback.
const digitCommit = Array.from({ length: 1000 }, (_, i) => `digits-${i}`).find((name) => /^\d{7}/.test(sha(name)))!;
const digits = sha(digitCommit).slice(0, 7);
const digitsAsSha = new HistoryBuilder('acme/refs-digits');
digitsAsSha.push('2026-03-02T09:00', [[digitCommit, '2026-03-02T08:00']]);
digitsAsSha.deploy('refs-digits-d1', digitCommit, '2026-03-02T10:00');
digitsAsSha.push('2026-03-03T09:00', [['rd-c2', '2026-03-03T08:00']]);
digitsAsSha.deploy('refs-digits-d2', 'rd-c2', '2026-03-03T10:00');
digitsAsSha.incident('refs-digits-i1', '2026-03-05T10:00', { resolved: '2026-03-05T11:00', service: 'acme/refs-digits', deploymentIds: [deploymentReference(digits, 'acme/refs-digits')!] });
const digitsAsId = new HistoryBuilder('acme/refs-digits-id');
digitsAsId.push('2026-03-02T09:00', [[digitCommit, '2026-03-02T08:00']]);
digitsAsId.deploy('refs-digits-id-d1', digitCommit, '2026-03-02T10:00');
digitsAsId.push('2026-03-03T09:00', [['rdi-c2', '2026-03-03T08:00']]);
digitsAsId.deploy(`github:acme/refs-digits-id:${digits}`, 'rdi-c2', '2026-03-03T10:00');
digitsAsId.incident('refs-digits-id-i1', '2026-03-05T10:00', { resolved: '2026-03-05T11:00', service: 'acme/refs-digits-id', deploymentIds: [deploymentReference(digits, 'acme/refs-digits-id')!] });

// A commit whose rollout failed: the incident it caused names it as root cause, and it ships for good
// two days later. The deployment that finally shipped it began after the incident: not its cause.
const lateCommit = new HistoryBuilder('acme/refs-late');
lateCommit.push('2026-03-02T09:00', [['rl-c1', '2026-03-02T08:00']]);
lateCommit.deploy('refs-late-d1', 'rl-c1', '2026-03-02T10:00');
lateCommit.push('2026-03-03T09:00', [['rl-c2', '2026-03-03T08:00']]);
lateCommit.deploy('refs-late-d2-failed', 'rl-c2', '2026-03-03T10:00', { status: 'failure' });
lateCommit.incident('refs-late-i1', '2026-03-03T10:30', { resolved: '2026-03-03T11:00', service: 'acme/refs-late', shas: [sha('rl-c2')] });
lateCommit.push('2026-03-05T09:00', [['rl-c3', '2026-03-05T08:00']]);
lateCommit.deploy('refs-late-d3', 'rl-c3', '2026-03-05T10:00');

// An incident that names the deployment that fixed it (begun after the incident opened): no link to
// the fix; timing inference finds the deployment before it, and Data health lists the reference.
const fixNamed = new HistoryBuilder('acme/refs-fix');
fixNamed.push('2026-03-02T09:00', [['rf-c1', '2026-03-02T08:00']]);
fixNamed.deploy('refs-fix-d1', 'rf-c1', '2026-03-02T10:00');
fixNamed.incident('refs-fix-i1', '2026-03-02T12:00', { resolved: '2026-03-02T14:00', service: 'acme/refs-fix', deploymentIds: [deploymentReference('refs-fix-d2')!] });
fixNamed.push('2026-03-02T13:00', [['rf-c2', '2026-03-02T12:30']]);
fixNamed.deploy('refs-fix-d2', 'rf-c2', '2026-03-02T13:50');

// An incident that opens while a deployment rolls out (started 09:55, success 10:00) and names it is
// caused by it; resolved before the success status, its recovery is 0 h, never negative.
const midRollout = new HistoryBuilder('acme/refs-rollout');
midRollout.push('2026-03-02T09:00', [['rr-c1', '2026-03-02T08:00']]);
midRollout.deploy('refs-rollout-d1', 'rr-c1', '2026-03-02T10:00');
midRollout.incident('refs-rollout-i1', '2026-03-02T09:57', { resolved: '2026-03-02T09:59', service: 'acme/refs-rollout', deploymentIds: [deploymentReference('refs-rollout-d1')!] });

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([byId, byUrl, bare, bySha, unmatched, digitsAsSha, digitsAsId, lateCommit, fixNamed, midRollout].flatMap((h) => h.events));
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

const dora = (service: string) => doraMetrics(env.warehouse, { ...WEEK, service });
const LinkRow = z.object({ deployment_id: z.string(), method: z.string(), incident_id: z.string().nullable() });
const linksOf = (service: string) => env.warehouse.query(
  'SELECT deployment_id, method, incident_id FROM {{db}}.t_failure_links WHERE service = {service:String} ORDER BY deployment_id, incident_id', { service }, LinkRow);

describe('incident references (hand-worked)', () => {
  it("GitHub's numeric deployment id in an issue body links that deployment, though timing inference would not", async () => {
    expect(await linksOf('acme/refs-id')).toEqual([{ deployment_id: 'github:acme/refs-id:9000082', method: 'explicit', incident_id: 'refs-id-i1' }]);
    // d2 deployed 03-03 10:00, incident resolved 03-05 12:00 → 50 h.
    const r = await dora('acme/refs-id');
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 2, rate: 0.5 });
    expect(r.recovery).toMatchObject({ failedDeployments: 1, recoveredDeployments: 1, failedDeploymentRecoveryP50Hours: 50 });
  });

  it('an API URL and a recorded deployment URL each link their deployment; an unresolved incident still counts as a failure', async () => {
    expect(await linksOf('acme/refs-url')).toEqual([
      { deployment_id: 'github:acme/refs-url:9100001', method: 'explicit', incident_id: 'refs-url-api' },
      { deployment_id: 'github:acme/refs-url:9100002', method: 'explicit', incident_id: 'refs-url-html' },
    ]);
    // d1 failed, its incident is still open: a failed deployment without a recovery time.
    // d2 deployed 03-03 10:00, incident resolved 03-04 11:00 → 25 h.
    const r = await dora('acme/refs-url');
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 2, deployments: 2, rate: 1 });
    expect(r.recovery).toMatchObject({ failedDeployments: 2, recoveredDeployments: 1, failedDeploymentRecoveryP50Hours: 25 });
  });

  it('a bare numeric id without a repository matches the deployment with that GitHub id', async () => {
    expect(await linksOf('acme/refs-bare')).toEqual([{ deployment_id: 'github:acme/refs-bare:9200001', method: 'explicit', incident_id: 'refs-bare-i1' }]);
  });

  it('a sha prefix (8 characters, any case) names the deployment that shipped that commit', async () => {
    expect(await linksOf('acme/refs-sha')).toEqual([{ deployment_id: 'refs-sha-d1', method: 'explicit', incident_id: 'refs-sha-i1' }]);
    // d1 deployed 03-02 10:00, resolved 03-04 12:00 → 50 h.
    expect((await dora('acme/refs-sha')).recovery).toMatchObject({ failedDeployments: 1, failedDeploymentRecoveryP50Hours: 50 });
  });

  it('seven digits name the deployment with that GitHub id; only when none has it, the deployment of a commit with that prefix', async () => {
    expect(await linksOf('acme/refs-digits')).toEqual([{ deployment_id: 'refs-digits-d1', method: 'explicit', incident_id: 'refs-digits-i1' }]);
    expect(await linksOf('acme/refs-digits-id')).toEqual([{ deployment_id: `github:acme/refs-digits-id:${digits}`, method: 'explicit', incident_id: 'refs-digits-id-i1' }]);
  });

  it('a reference that matches no deployment falls back to timing inference, and Data health lists it', async () => {
    expect(await linksOf('acme/refs-none')).toEqual([{ deployment_id: 'github:acme/refs-none:9300001', method: 'inferred', incident_id: 'refs-none-i1' }]);
    const health = (await dataHealth(env.warehouse)).unresolvedReferences;
    expect({ ...health, examples: [...health.examples].sort() }).toEqual({ unresolved: 2, examples: ['refs-fix-i1 names refs-fix-d2', 'refs-none-i1 names acme/refs-none:9399999'] });
  });
});

describe('a name links only a deployment begun by the time the incident opened (a later one cannot have caused it)', () => {
  it('a root-cause commit whose rollout failed and that shipped days later does not fail the deployment that shipped it', async () => {
    expect(await linksOf('acme/refs-late')).toEqual([]);
    const r = await dora('acme/refs-late');
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 0, deployments: 2 });
    expect(r.recovery).toMatchObject({ failedDeployments: 0, failedDeploymentRecoveryP50Hours: null });
  });

  it('an incident naming the deployment that fixed it falls back to timing inference', async () => {
    expect(await linksOf('acme/refs-fix')).toEqual([{ deployment_id: 'refs-fix-d1', method: 'inferred', incident_id: 'refs-fix-i1' }]);
    // d1 deployed 03-02 10:00, incident resolved 14:00 → 4 h.
    expect((await dora('acme/refs-fix')).recovery).toMatchObject({ failedDeployments: 1, recoveredDeployments: 1, failedDeploymentRecoveryP50Hours: 4 });
  });

  it('an incident opened during the rollout links it; resolved before the success status, it recovered in 0 h', async () => {
    expect(await linksOf('acme/refs-rollout')).toEqual([{ deployment_id: 'refs-rollout-d1', method: 'explicit', incident_id: 'refs-rollout-i1' }]);
    expect((await dora('acme/refs-rollout')).recovery).toMatchObject({ failedDeployments: 1, recoveredDeployments: 1, failedDeploymentRecoveryP50Hours: 0 });
    const Hours = z.object({ recovery_hours: z.number().nullable() });
    const rows = await env.warehouse.query('SELECT min(recovery_hours) AS recovery_hours FROM {{db}}.t_deployment_facts', {}, Hours);
    expect(rows[0]!.recovery_hours, 'no deployment anywhere in these histories recovers in negative time').toBeGreaterThanOrEqual(0);
  });
});
