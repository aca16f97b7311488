import { backfillGitlab, backfillJira, defaultNormaliseContext, GitlabApi, JIRA_DEFAULTS, JiraApi, type NormaliseContext, receiveDelivery } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fxSha, GitlabApiStandin, gitlabFixture } from '../../ingest/test/gitlab-api-standin.js';
import { WarehouseCursorStore } from '@paved/pipeline';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';

/* GitLab and Jira history, stored as `paved backfill gitlab` and `paved backfill jira` store it, in the warehouse and its metrics. */

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let standin: GitlabApiStandin;
beforeAll(async () => {
  env = await openTestWarehouse();
  standin = await GitlabApiStandin.start(gitlabFixture());
}, 60_000);
afterAll(async () => {
  await standin?.close();
  await env?.close();
});

const count = async (table: string) => {
  const [row] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.${table} FINAL`, {}, z.object({ n: z.coerce.number() }));
  return row!.n;
};

async function backfill() {
  const api = new GitlabApi({ apiUrl: standin.url, token: 'standin-token', sleep: async () => {} });
  const cursors = new WarehouseCursorStore(env.warehouse, () => env.bus.drained());
  const result = await backfillGitlab({ api, bus: env.bus, cursors, context: defaultNormaliseContext, groups: ['acme'] });
  await env.bus.drained();
  return result;
}

const payments = (i: number) => fxSha(`acme/payments:main:${i}`);

describe('GitLab backfill into the warehouse', () => {
  it('gives change sets from the compares, incidents linked to deployments, and hand-checked DORA numbers', async () => {
    const result = await backfill();
    expect(result.deadLettered).toBe(0);
    await runTransform(env.warehouse, defaultMetricSettings);

    // Deployment 5004 (c19, after 5003 failed on the same sha) ships c10..c19 since 5001 (c9): GitLab's compare decides.
    const ChangeSet = z.object({ method: z.string(), commits: z.coerce.number(), previous_deployment_id: z.string().nullable() });
    const [set] = await env.warehouse.query(`SELECT method, commits, previous_deployment_id FROM {{db}}.t_change_sets WHERE deployment_id = 'gitlab:acme/payments:5004'`, {}, ChangeSet);
    expect(set).toEqual({ method: 'compare', commits: 10, previous_deployment_id: 'gitlab:acme/payments:5001' });
    const shipped = await env.warehouse.query(`SELECT sha FROM {{db}}.t_change_set_commits WHERE deployment_id = 'gitlab:acme/payments:5005' ORDER BY sha`, {}, z.object({ sha: z.string() }));
    expect(shipped.map((r) => r.sha)).toEqual(Array.from({ length: 10 }, (_, i) => payments(20 + i)).sort());

    // Incident 42 opened an hour after production deployment 5005 on the same project: linked by inference. Incident 41 names
    // deployment 5003, which failed and so never reached production: no change failure (5004 then shipped the same sha).
    const links = await env.warehouse.query(`SELECT deployment_id, method, incident_id FROM {{db}}.t_failure_links WHERE deployment_id LIKE 'gitlab:%' ORDER BY deployment_id, method`, {}, z.object({ deployment_id: z.string(), method: z.string(), incident_id: z.string().nullable() }));
    expect(links).toEqual([{ deployment_id: 'gitlab:acme/payments:5005', method: 'inferred', incident_id: 'gitlab:acme/payments#42' }]);
    // Successful production deployments 5001, 5004, 5005 (payments) and 6001 (web); one of them failed; #41 restored in 2 h 10 min.
    const dora = await doraMetrics(env.warehouse, { from: '2026-01-01', to: '2026-02-01' });
    expect(dora.deploymentFrequency).toMatchObject({ deployments: 4, services: 2 });
    expect(dora.changeFailureRate).toMatchObject({ failedDeployments: 1, deployments: 4, rate: 0.25 });
    expect(dora.recovery).toMatchObject({ incidents: 1, timeToRestoreP50Hours: 2.17 });
    expect(dora.leadTime.changes).toBeGreaterThan(0);
  }, 120_000);

  it('keeps its cursors in backfill_cursors: a second run sends nothing and changes no row', async () => {
    const tables = ['raw_deliveries', 'pull_requests', 'reviews', 'commits', 'pushes', 'deployment_statuses', 'incident_updates'];
    const before = await Promise.all(tables.map(count));
    const second = await backfill();
    expect(second.deliveries).toBe(0);
    expect(second.requests).toBe(18);
    expect(await Promise.all(tables.map(count))).toEqual(before);
  }, 60_000);
});

describe('Jira: the same incident through webhooks and through JQL backfill', () => {
  it('gives the same t_incidents row (opened, acknowledged, resolved, severity, service, links)', async () => {
    const settings = { ...JIRA_DEFAULTS, projects: ['OPS'], baseUrl: 'https://acme.atlassian.net' };
    const context: NormaliseContext = { ...defaultNormaliseContext, jira: settings };
    const fields = (key: string) => ({
      summary: 'Checkout errors after deploy', issuetype: { id: '10021', name: 'Incident' }, project: { id: '10002', key: 'OPS' },
      priority: { name: 'High', id: '2' }, components: [{ id: '10100', name: 'payments-api' }], created: '2026-01-20T10:30:00.000+0000',
      description: key === 'OPS-13' ? { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Deployment: gitlab:acme/payments:5003' }] }] } : 'Deployment: gitlab:acme/payments:5003',
    });
    const toInProgress = [{ field: 'status', fieldtype: 'jira', from: '1', fromString: 'Open', to: '3', toString: 'In Progress' }];
    const toResolved = [{ field: 'resolution', fieldtype: 'jira', from: null, fromString: null, to: '10000', toString: 'Done' }, { field: 'status', fieldtype: 'jira', from: '3', fromString: 'In Progress', to: '5', toString: 'Resolved' }];

    // OPS-12 through its three webhooks (Atlassian's webhook shape).
    const webhooks = [
      { at: '2026-01-20T10:30:00.000Z', event: 'jira:issue_created', status: ['1', 'Open', 'new'], changelog: null, resolution: null },
      { at: '2026-01-20T10:40:00.000Z', event: 'jira:issue_updated', status: ['3', 'In Progress', 'indeterminate'], changelog: toInProgress, resolution: null },
      { at: '2026-01-20T11:15:00.000Z', event: 'jira:issue_updated', status: ['5', 'Resolved', 'done'], changelog: toResolved, resolution: '2026-01-20T11:15:00.000+0000' },
    ];
    for (const [i, hook] of webhooks.entries()) {
      const jiraTime = hook.at.replace('Z', '+0000');
      const payload = {
        timestamp: Date.parse(hook.at), webhookEvent: hook.event,
        issue: { id: '10012', key: 'OPS-12', self: 'https://acme.atlassian.net/rest/api/2/issue/10012', fields: {
          ...fields('OPS-12'), status: { id: hook.status[0], name: hook.status[1], statusCategory: { key: hook.status[2] } }, updated: jiraTime, statuscategorychangedate: jiraTime, resolutiondate: hook.resolution,
        } },
        ...(hook.changelog ? { changelog: { id: String(i), items: hook.changelog } } : {}),
      };
      await receiveDelivery({ source: 'jira', event: hook.event, deliveryId: `jira:hook-${i}`, receivedAt: hook.at, payload }, JSON.stringify(payload), env.bus, context);
    }

    // OPS-13, the same incident, through backfill from a Jira Cloud search answer (v3: ADF description, changelog expanded).
    const issue = {
      id: '10013', key: 'OPS-13', self: 'https://acme.atlassian.net/rest/api/3/issue/10013',
      fields: { ...fields('OPS-13'), status: { id: '5', name: 'Resolved', statusCategory: { key: 'done' } }, updated: '2026-01-20T11:15:00.000+0000', statuscategorychangedate: '2026-01-20T11:15:00.000+0000', resolutiondate: '2026-01-20T11:15:00.000+0000' },
      changelog: { histories: [{ id: '1', created: '2026-01-20T10:40:00.000+0000', items: toInProgress }, { id: '2', created: '2026-01-20T11:15:00.000+0000', items: toResolved }] },
    };
    const statuses = [{ id: '1', statusCategory: { key: 'new' } }, { id: '3', statusCategory: { key: 'indeterminate' } }, { id: '5', statusCategory: { key: 'done' } }];
    const jira: typeof fetch = async (input) => new Response(JSON.stringify(String(input).endsWith('/status') ? statuses : { issues: [issue], isLast: true }), { status: 200, headers: { 'content-type': 'application/json' } });
    const api = new JiraApi({ baseUrl: 'https://acme.atlassian.net', email: 'ops@acme.example', apiToken: 't', fetch: jira });
    const result = await backfillJira({ api, bus: env.bus, cursors: new WarehouseCursorStore(env.warehouse, () => env.bus.drained()), context });
    expect(result).toMatchObject({ issues: 1, deliveries: 2, deadLettered: 0 });
    await env.bus.drained();
    await runTransform(env.warehouse, defaultMetricSettings);

    const Row = z.object({
      id: z.string(), source: z.string(), service: z.string(), team: z.string(), severity: z.string(), title: z.string(), status: z.string(),
      opened_at: z.string(), acknowledged_at: z.string().nullable(), resolved_at: z.string().nullable(), linked_deployment_ids: z.array(z.string()), linked_shas: z.array(z.string()), url: z.string().nullable(),
    });
    const rows = await env.warehouse.query(
      `SELECT id, source, service, team, severity, title, status, toString(opened_at) AS opened_at, toString(acknowledged_at) AS acknowledged_at, toString(resolved_at) AS resolved_at,
              linked_deployment_ids, linked_shas, url FROM {{db}}.t_incidents WHERE id IN ('jira:OPS-12', 'jira:OPS-13') ORDER BY id`, {}, Row);
    expect(rows).toHaveLength(2);
    const [webhook, backfilled] = rows;
    expect(webhook).toMatchObject({
      status: 'resolved', severity: 'high', service: 'payments-api', opened_at: '2026-01-20 10:30:00.000', acknowledged_at: '2026-01-20 10:40:00.000', resolved_at: '2026-01-20 11:15:00.000',
      linked_deployment_ids: ['gitlab:acme/payments:5003'],
    });
    // The same row but for the key.
    const withoutKey = ({ id: _id, url, ...rest }: z.infer<typeof Row>) => ({ ...rest, url: url?.replace(/OPS-1[23]$/, 'OPS-n') });
    expect(withoutKey(backfilled!)).toEqual(withoutKey(webhook!));
  }, 60_000);
});
