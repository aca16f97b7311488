import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Delivery, defaultNormaliseContext, GITLAB_ASSUMED, receiveDelivery, WebhookReceiver } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { argocdScope, documentedArgocdBody, renderArgocdTemplate, syncedApplication } from '../../ingest/test/fixtures/gitops.js';
import { doraMetrics } from '../src/metrics/dora.js';
import { dataHealth } from '../src/metrics/explore.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { sha } from './history.js';

/*
 * A team on GitLab with Jira Service Management incidents, and a service deployed by Argo CD: each
 * delivery goes the way every delivery goes (archive, normalise, bus, sink), then the transform,
 * and the DORA numbers are worked out by hand below.
 *
 * acme/shop (GitLab project; its service is the project path):
 *   Mon 03-02 08:00 c1 pushed (branch created)         10:00 D1 production success (c1)
 *   Tue 03-03 07:00 c7..c26 pushed: 25 commits, GitLab lists the newest 20 (c2..c6 missing, flagged)
 *         07:15 !1 opened   07:45 approved by another   08:00 merged (merge commit c26)
 *         09:50 D2 running  10:00 D2 success (c26)
 *         14:00 c27 pushed  15:00 D3 failed (c27)        16:00 D4 success (c27)
 *         16:30 GitLab incident #1 "deployment: gitlab:acme/shop:4"   18:30 closed
 *   Wed 03-04 09:00 c28 "This reverts commit c27" pushed  10:00 D5 success (c28)
 *         11:00 Jira OPS-1 (Incident, component acme/shop, deployment field gitlab:acme/shop:5)  12:00 Done
 *
 *   production deployments: D1, D2, D4, D5 = 4 (D3 failed; a failed deployment is not one)
 *   lead time: c1 2 h; c7..c26 3 h each (20); c27 2 h; c28 1 h -> 23 changes, p50 3 h, p90 3 h
 *   failed: D4 (incident #1, and reverted by D5), D5 (OPS-1) -> 2 of 4 = 50 %
 *   time to restore: #1 2 h, OPS-1 1 h -> p50 1.5 h
 *   failed deployment recovery: D4 16:00 -> 18:30 = 2.5 h, D5 10:00 -> 12:00 = 2 h -> p50 2.25 h
 *   PR flow of !1: coding 0.25 h (c26 07:00 -> opened 07:15), pickup 0.5 h, review 0.25 h, deploy 2 h
 *
 * payments-api (Argo CD, documented template, GitHub-hosted acme/payments-api):
 *   Thu 03-05 08:00 a1, 09:00 a2 pushed   10:00 Argo CD sync of a2 succeeded -> lead 2 h and 1 h
 *         11:00 Jira OPS-2 (component payments-api, no reference) 13:00 Done -> inferred: CFR 1/1,
 *         restore 2 h, recovery 10:00 -> 13:00 = 3 h
 */

const SHOP = 'acme/shop';
const c = (n: number) => sha(`shop-c${n}`);
const project = { id: 7, name: 'shop', path_with_namespace: SHOP, default_branch: 'main', web_url: `https://gitlab.example.com/${SHOP}` };
const developer = { id: 11, name: 'Dev One', username: 'dev1' };
const reviewer = { id: 12, name: 'Rev Two', username: 'rev2' };

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let server: Server;
let base: string;
let counter = 0;
const context = { ...defaultNormaliseContext, jira: { projects: ['OPS'], issueTypes: ['Incident'], serviceField: 'components', severityField: 'priority', deploymentField: 'customfield_10060' } };

async function deliver(source: 'gitlab' | 'jira', event: string, payload: unknown): Promise<void> {
  const delivery: Delivery = { source, event, deliveryId: `scenario-${++counter}`, receivedAt: '2026-03-06T00:00:00.000Z', payload };
  await receiveDelivery(delivery, JSON.stringify(payload), env.bus, context);
}

const gitlabCommit = (n: number, at: string, message = `change ${n}`) => ({ id: c(n), message, title: message, timestamp: at, author: { name: 'Dev One', email: 'dev1@acme.test' }, added: [], modified: ['src/app.ts'], removed: [] });
const pushHook = (before: string, commits: ReturnType<typeof gitlabCommit>[], total = commits.length) => ({
  object_kind: 'push', event_name: 'push', before, after: commits.at(-1)!.id, ref: 'refs/heads/main', checkout_sha: commits.at(-1)!.id,
  user_id: 11, user_name: 'Dev One', user_username: 'dev1', user_email: 'dev1@acme.test', project_id: 7, project, commits, total_commits_count: total,
});
const deploymentHook = (id: number, status: string, commit: string, at: string) => ({
  object_kind: 'deployment', status, status_changed_at: at, deployment_id: id, deployable_id: 1000 + id,
  deployable_url: `https://gitlab.example.com/${SHOP}/-/jobs/${1000 + id}`, environment: 'production', environment_tier: 'production', project,
  short_sha: commit.slice(0, 8), user: developer, commit_url: `https://gitlab.example.com/${SHOP}/-/commit/${commit}`, commit_title: 'deploy',
});
const mergeRequestHook = (action: string, state: string, at: string, user = developer) => ({
  object_kind: 'merge_request', event_type: 'merge_request', user, project,
  object_attributes: {
    id: 501, iid: 1, target_branch: 'main', source_branch: 'feature', author_id: 11, title: 'Checkout v2', created_at: '2026-03-03 07:15:00 UTC', updated_at: at,
    state, action, merge_commit_sha: state === 'merged' ? c(26) : null, last_commit: { id: c(26), message: 'change 26', timestamp: '2026-03-03T07:00:00Z' }, labels: [],
  },
  labels: [], reviewers: [reviewer],
});
const incidentHook = (state: string, action: string, at: string) => ({
  object_kind: 'issue', event_type: 'issue', user: developer, project,
  object_attributes: {
    id: 901, iid: 1, title: 'Checkout failing', type: 'Incident', severity: 'critical', escalation_status: state === 'closed' ? 'resolved' : 'triggered',
    created_at: '2026-03-03 16:30:00 UTC', updated_at: at, closed_at: state === 'closed' ? at : null, state, action,
    description: 'Checkout returns 500s.\n\ndeployment: gitlab:acme/shop:4', labels: [], url: `https://gitlab.example.com/${SHOP}/-/issues/1`,
  },
});
const jiraIncident = (webhookEvent: string, category: string, at: string, resolution: string | null) => ({
  timestamp: Date.parse(at), webhookEvent, issue_event_type_name: webhookEvent === 'jira:issue_created' ? 'issue_created' : 'issue_generic',
  user: { accountId: '5b10a2844c20165700ede21g', displayName: 'On Call' },
  issue: {
    id: '10042', key: 'OPS-1', self: 'https://acme.atlassian.net/rest/api/2/issue/10042',
    fields: {
      summary: 'Cart totals wrong', issuetype: { name: 'Incident' }, project: { key: 'OPS' }, priority: { name: 'High' },
      status: { name: category === 'done' ? 'Resolved' : 'Open', statusCategory: { key: category } }, components: [{ name: SHOP }],
      created: '2026-03-04T11:00:00.000+0000', updated: at, statuscategorychangedate: at, resolutiondate: resolution, customfield_10060: 'gitlab:acme/shop:5',
    },
  },
  ...(webhookEvent === 'jira:issue_updated' ? { changelog: { id: '1', items: [{ field: 'status', fieldtype: 'jira', fromString: 'Open', toString: 'Resolved' }] } } : {}),
});

beforeAll(async () => {
  env = await openTestWarehouse();
  await deliver('gitlab', 'Push Hook', pushHook('0'.repeat(40), [gitlabCommit(1, '2026-03-02T08:00:00Z')]));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(1, 'success', c(1), '2026-03-02 10:00:00 UTC'));
  // 25 commits pushed at once: GitLab lists the newest 20.
  const listed = Array.from({ length: 20 }, (_, i) => gitlabCommit(i + 7, '2026-03-03T07:00:00Z'));
  await deliver('gitlab', 'Push Hook', pushHook(c(1), listed, 25));
  await deliver('gitlab', 'Merge Request Hook', mergeRequestHook('open', 'opened', '2026-03-03 07:15:00 UTC'));
  await deliver('gitlab', 'Merge Request Hook', mergeRequestHook('approved', 'opened', '2026-03-03 07:45:00 UTC', reviewer));
  await deliver('gitlab', 'Merge Request Hook', mergeRequestHook('merge', 'merged', '2026-03-03 08:00:00 UTC'));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(2, 'running', c(26), '2026-03-03 09:50:00 UTC'));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(2, 'success', c(26), '2026-03-03 10:00:00 UTC'));
  await deliver('gitlab', 'Push Hook', pushHook(c(26), [gitlabCommit(27, '2026-03-03T14:00:00Z')]));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(3, 'failed', c(27), '2026-03-03 15:00:00 UTC'));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(4, 'success', c(27), '2026-03-03 16:00:00 UTC'));
  await deliver('gitlab', 'Issue Hook', incidentHook('opened', 'open', '2026-03-03 16:30:00 UTC'));
  await deliver('gitlab', 'Issue Hook', incidentHook('closed', 'close', '2026-03-03 18:30:00 UTC'));
  await deliver('gitlab', 'Push Hook', pushHook(c(27), [gitlabCommit(28, '2026-03-04T09:00:00Z', `Revert "change 27"\n\nThis reverts commit ${c(27)}.`)]));
  await deliver('gitlab', 'Deployment Hook', deploymentHook(5, 'success', c(28), '2026-03-04 10:00:00 UTC'));
  await deliver('jira', 'jira:issue_created', jiraIncident('jira:issue_created', 'new', '2026-03-04T11:00:00.000+0000', null));
  await deliver('jira', 'jira:issue_updated', jiraIncident('jira:issue_updated', 'done', '2026-03-04T12:00:00.000+0000', '2026-03-04T12:00:00.000+0000'));

  // payments-api: commits pushed to GitHub, deployed by Argo CD with the documented template over HTTP.
  const receiver = new WebhookReceiver({ bus: env.bus, secrets: { PAVED_WEBHOOK_TOKEN: 'generic-token' }, context });
  server = createServer((req, res) => void receiver.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = (n: number) => sha(`payments-a${n}`);
  const githubPush = {
    ref: 'refs/heads/main', before: '0'.repeat(40), after: a(2), repository: { full_name: 'acme/payments-api', name: 'payments-api', default_branch: 'main' }, pusher: { name: 'dev1' },
    commits: [1, 2].map((n) => ({ id: a(n), message: `payments ${n}`, timestamp: `2026-03-05T0${7 + n}:00:00Z`, author: { name: 'Dev One', email: 'dev1@acme.test', username: 'dev1' } })),
  };
  await receiveDelivery({ source: 'github', event: 'push', deliveryId: 'payments-push', receivedAt: '2026-03-06T00:00:00.000Z', payload: githubPush }, JSON.stringify(githubPush), env.bus, context);
  const app = syncedApplication({ revision: a(2), startedAt: '2026-03-05T09:58:00Z', finishedAt: '2026-03-05T10:00:00Z' });
  const answer = await fetch(`${base}/webhooks/deployments`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer generic-token' },
    body: renderArgocdTemplate(documentedArgocdBody('template.paved-sync-succeeded'), argocdScope(app)),
  });
  if (answer.status !== 202) throw new Error(`Argo CD notification refused: ${answer.status} ${await answer.text()}`);
  // OPS-2 names no deployment: linked by inference (same service, opened within 24 h after its deployment).
  const unreferenced = jiraIncident('jira:issue_updated', 'done', '2026-03-05T13:00:00.000+0000', '2026-03-05T13:00:00.000+0000');
  Object.assign(unreferenced.issue, { key: 'OPS-2', id: '10043' });
  Object.assign(unreferenced.issue.fields, { summary: 'Payments slow', components: [{ name: 'payments-api' }], created: '2026-03-05T11:00:00.000+0000', customfield_10060: null });
  await deliver('jira', 'jira:issue_updated', unreferenced);

  await env.bus.drained();
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await env?.close();
});

describe('a GitLab team with Jira incidents, worked by hand', () => {
  it('deployments, lead time, change failure rate and recovery of acme/shop', async () => {
    const r = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: SHOP });
    expect(r.deploymentFrequency).toMatchObject({ deployments: 4, perWeek: 4 });
    expect(r.leadTime).toMatchObject({ changes: 23, p50Hours: 3, p90Hours: 3 });
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 2, deployments: 4, rate: 0.5 });
    expect(r.recovery).toMatchObject({ incidents: 2, timeToRestoreP50Hours: 1.5, failedDeployments: 2, recoveredDeployments: 2, failedDeploymentRecoveryP50Hours: 2.25 });
  });

  it('D4 failed by the GitLab incident and by the revert; D5 by the Jira incident, named in its deployment field', async () => {
    const links = await env.warehouse.query(
      `SELECT deployment_id, method, ifNull(incident_id, '') AS incident_id FROM {{db}}.t_failure_links ORDER BY deployment_id, method`,
      {}, z.object({ deployment_id: z.string(), method: z.string(), incident_id: z.string() }),
    );
    expect(links).toEqual(expect.arrayContaining([
      { deployment_id: 'gitlab:acme/shop:4', method: 'explicit', incident_id: 'gitlab:acme/shop#1' },
      { deployment_id: 'gitlab:acme/shop:4', method: 'revert', incident_id: '' },
      { deployment_id: 'gitlab:acme/shop:5', method: 'explicit', incident_id: 'jira:OPS-1' },
    ]));
  });

  it('the Jira incident is one row, resolved at its resolution date', async () => {
    const rows = await env.warehouse.query(
      `SELECT id, source, status, toString(opened_at) AS opened_at, toString(resolved_at) AS resolved_at FROM {{db}}.t_incidents WHERE id = 'jira:OPS-1'`,
      {}, z.object({ id: z.string(), source: z.string(), status: z.string(), opened_at: z.string(), resolved_at: z.string() }),
    );
    expect(rows).toEqual([{ id: 'jira:OPS-1', source: 'jira', status: 'resolved', opened_at: '2026-03-04 11:00:00.000', resolved_at: '2026-03-04 12:00:00.000' }]);
  });

  it('the merge request goes through PR flow like a pull request', async () => {
    const rows = await env.warehouse.query(
      `SELECT number, coding_hours, pickup_hours, review_hours, deploy_hours FROM {{db}}.t_pr_flow WHERE repo = {repo:String}`,
      { repo: SHOP }, z.object({ number: z.coerce.number(), coding_hours: z.number().nullable(), pickup_hours: z.number().nullable(), review_hours: z.number().nullable(), deploy_hours: z.number().nullable() }),
    );
    expect(rows).toEqual([{ number: 1, coding_hours: 0.25, pickup_hours: 0.5, review_hours: 0.25, deploy_hours: 2 }]);
  });

  it('the truncated push is on Data health (one delivery), so the missing five commits are not silent', async () => {
    const health = await dataHealth(env.warehouse);
    expect(health.assumptions).toEqual(expect.arrayContaining([
      expect.objectContaining({ source: 'gitlab', event: 'Push Hook', assumption: GITLAB_ASSUMED.pushTruncated, deliveries: 1 }),
    ]));
  });
});

describe('Argo CD with the documented template', () => {
  it("counts as a production deployment with its revision's change set", async () => {
    const r = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: 'payments-api' });
    expect(r.deploymentFrequency).toMatchObject({ deployments: 1 });
    expect(r.leadTime).toMatchObject({ changes: 2, p50Hours: 1.5 });
  });

  it('a Jira incident on its service that names no deployment is linked by inference (opened 1 h after, restored in 2 h)', async () => {
    const links = await env.warehouse.query(
      `SELECT deployment_id, method, ifNull(incident_id, '') AS incident_id FROM {{db}}.t_failure_links WHERE incident_id = 'jira:OPS-2'`,
      {}, z.object({ deployment_id: z.string(), method: z.string(), incident_id: z.string() }),
    );
    expect(links).toEqual([{ deployment_id: 'generic:argocd:argocd/payments-api@2026-03-05T09:58:00Z', method: 'inferred', incident_id: 'jira:OPS-2' }]);
    const r = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', service: 'payments-api' });
    expect(r.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 1 });
    expect(r.recovery).toMatchObject({ incidents: 1, timeToRestoreP50Hours: 2, failedDeploymentRecoveryP50Hours: 3 });
  });
});
