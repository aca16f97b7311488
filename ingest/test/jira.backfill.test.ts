import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CanonicalEvent, type EventOf } from '@paved/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process.js';
import type { BusRecord } from '../src/bus/bus.js';
import { MemoryCursorStore } from '../src/backfill-cursor.js';
import { defaultNormaliseContext, type NormaliseContext } from '../src/delivery.js';
import { JiraApi, JiraHttpError, adfText, backfillJira, incidentJql } from '../src/jira/backfill.js';
import { JIRA_DEFAULTS } from '../src/jira/settings.js';
import { normalise } from '../src/normalise.js';

/*
 * A Jira Cloud stand-in for `POST /rest/api/3/search/jql` (Atlassian's "Search for issues using
 * JQL (enhanced search)": body { jql, fields, expand, maxResults, nextPageToken }, answer
 * { issues, nextPageToken, isLast }, issues with `changelog.histories` when expanded, descriptions
 * in Atlassian Document Format), with basic auth and the JQL this backfill writes: project,
 * issuetype and a relative `updated >= -Nm`, against a fixed clock.
 */

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
  incidents(): EventOf<'incident'>[] {
    return this.records.filter((r) => r.topic === 'events').map((r) => CanonicalEvent.parse(JSON.parse(r.value))).filter((e): e is EventOf<'incident'> => e.type === 'incident');
  }
}

const NOW = Date.parse('2026-11-21T00:00:00Z');
const settings = { ...JIRA_DEFAULTS, projects: ['OPS'], baseUrl: 'https://acme.atlassian.net', deploymentField: 'customfield_10060' };
const context: NormaliseContext = { ...defaultNormaliseContext, jira: settings };
type Json = Record<string, any>;

/** Incident OPS-12 opened 10:30, In Progress 10:40, Resolved 11:15 (Atlassian's field shapes), as the API returns it. */
function resolvedIncident(key = 'OPS-12', updated = '2026-11-20T11:15:00.000+0000'): Json {
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: String(10_000 + Number(key.split('-')[1])),
    self: `https://acme.atlassian.net/rest/api/3/issue/${10_000 + Number(key.split('-')[1])}`,
    key,
    fields: {
      summary: 'Checkout errors after deploy',
      issuetype: { id: '10021', name: 'Incident', subtask: false },
      project: { id: '10002', key: 'OPS', name: 'Operations' },
      status: { name: 'Resolved', id: '5', statusCategory: { id: 3, key: 'done', name: 'Done', colorName: 'green' } },
      priority: { name: 'Highest', id: '1' },
      components: [{ id: '10100', name: 'payments-api' }],
      customfield_10060: 'github:acme/payments-api:300031',
      created: '2026-11-20T10:30:00.000+0000',
      updated,
      statuscategorychangedate: '2026-11-20T11:15:00.000+0000',
      resolutiondate: '2026-11-20T11:15:00.000+0000',
      description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Errors since the 10:20 deploy.' }] }, { type: 'paragraph', content: [{ type: 'text', text: 'Root cause: 3f2a9c1' }] }] },
    },
    changelog: {
      startAt: 0, maxResults: 2, total: 2,
      histories: [
        { id: '10201', author: { accountId: 'x' }, created: '2026-11-20T10:40:00.000+0000', items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: 'Open', to: '3', toString: 'In Progress' }] },
        { id: '10202', author: { accountId: 'x' }, created: '2026-11-20T11:15:00.000+0000', items: [{ field: 'resolution', fieldtype: 'jira', from: null, fromString: null, to: '10000', toString: 'Done' }, { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '3', fromString: 'In Progress', to: '5', toString: 'Resolved' }] },
      ],
    },
  };
}

interface Standin { url: string; server: Server; issues: Json[]; bodies: Json[]; failAt: number | null; auth: string[]; answers: number; statusRequests: number }

/** `GET /rest/api/3/status` (Atlassian's StatusDetails: id, name, statusCategory). */
const STATUSES = [
  { id: '1', name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  { id: '3', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  { id: '5', name: 'Resolved', statusCategory: { id: 3, key: 'done', name: 'Done' } },
];
let standin: Standin | null = null;
afterEach(async () => {
  const server = standin?.server;
  standin = null;
  if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
});

async function startJira(issues: Json[]): Promise<Standin> {
  const state = { issues, bodies: [], failAt: null, auth: [], answers: 0, statusRequests: 0, url: '', server: null } as unknown as Standin;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      state.answers += 1;
      state.auth.push(request.headers.authorization ?? '');
      if (request.headers.authorization !== `Basic ${Buffer.from('ops@acme.example:api-token').toString('base64')}`) return reply(401, { errorMessages: ['Client must be authenticated'] });
      if (request.method === 'GET' && request.url === '/rest/api/3/status') {
        state.statusRequests += 1;
        return reply(200, STATUSES);
      }
      if (request.method !== 'POST' || request.url !== '/rest/api/3/search/jql') return reply(404, { errorMessages: ['not found'] });
      if (state.failAt !== null && state.answers >= state.failAt) return reply(500, { errorMessages: ['Internal server error'] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      state.bodies.push(body);
      const jql = String(body.jql);
      const projects = /project in \(([^)]*)\)/.exec(jql)?.[1]?.split(',').map((p) => p.trim().replace(/"/g, '')) ?? null;
      const types = /issuetype in \(([^)]*)\)/.exec(jql)?.[1]?.split(',').map((p) => p.trim().replace(/"/g, '').toLowerCase()) ?? null;
      const minutes = /updated >= -(\d+)m/.exec(jql)?.[1];
      const found = state.issues
        .filter((i) => (!projects || projects.includes(i.fields.project.key)) && (!types || types.includes(String(i.fields.issuetype.name).toLowerCase()))
          && (!minutes || Date.parse(i.fields.updated.replace(/\+0000$/, 'Z')) >= NOW - Number(minutes) * 60_000))
        .sort((a, b) => a.fields.updated.localeCompare(b.fields.updated) || a.key.localeCompare(b.key))
        .map((i) => (body.expand === 'changelog' ? i : { ...i, changelog: undefined }));
      const offset = body.nextPageToken ? Number(Buffer.from(String(body.nextPageToken), 'base64').toString('utf8')) : 0;
      const size = Math.min(Number(body.maxResults ?? 50), 100);
      const issuesOnPage = found.slice(offset, offset + size);
      const last = offset + size >= found.length;
      reply(200, { issues: issuesOnPage, ...(last ? {} : { nextPageToken: Buffer.from(String(offset + size)).toString('base64') }), isLast: last });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standin = state;
  return state;
}

function api(options: Partial<ConstructorParameters<typeof JiraApi>[0]> = {}): JiraApi {
  return new JiraApi({ baseUrl: standin!.url, email: 'ops@acme.example', apiToken: 'api-token', sleep: async () => {}, retryBaseMs: 0, ...options });
}

describe('paved backfill jira against a Jira Cloud stand-in', () => {
  it('a Jira Service Management incident opened and resolved gives the same incident row through webhooks and through JQL backfill', async () => {
    await startJira([resolvedIncident()]);
    const bus = new RecordingBus();
    const result = await backfillJira({ api: api(), bus, cursors: new MemoryCursorStore(), context, now: () => new Date(NOW) });
    // The status list once, the search once; the In Progress change and the latest change (Resolved) as two webhooks.
    expect(result).toMatchObject({ issues: 1, deliveries: 2, events: 2, deadLettered: 0, requests: 2 });
    const [acknowledged, backfilled] = bus.incidents();
    expect(acknowledged!.data).toMatchObject({ status: 'acknowledged', acknowledged_at: '2026-11-20T10:40:00.000Z', resolved_at: null });

    // The webhooks Jira sent for it (Atlassian's webhook shape): created at 10:30, then the change to Resolved at 11:15.
    const issue = resolvedIncident();
    const webhookFields = { ...issue.fields, description: 'Errors since the 10:20 deploy.\nRoot cause: 3f2a9c1\n' };
    const created = {
      timestamp: Date.parse('2026-11-20T10:30:00Z'), webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created', user: { accountId: 'x' },
      issue: { id: issue.id, self: issue.self, key: issue.key, fields: { ...webhookFields, status: { name: 'Open', statusCategory: { key: 'new' } }, updated: '2026-11-20T10:30:00.000+0000', statuscategorychangedate: '2026-11-20T10:30:00.000+0000', resolutiondate: null } },
    };
    const resolved = {
      timestamp: Date.parse('2026-11-20T11:15:00Z'), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', user: { accountId: 'x' },
      issue: { id: issue.id, self: issue.self, key: issue.key, fields: webhookFields },
      changelog: { id: '10202', items: issue.changelog.histories[1].items },
    };
    const outcomes = [created, resolved].map((payload, i) => normalise({ source: 'jira', event: payload.webhookEvent, deliveryId: `jira:w${i}`, receivedAt: new Date(payload.timestamp + 500).toISOString(), payload }, context));
    const live = outcomes.map((o) => (o.kind === 'ok' ? o.events[0] : undefined));
    expect(live[0]?.data).toMatchObject({ status: 'open', resolved_at: null });
    expect(backfilled!.data).toEqual(live[1]!.data);
    expect(backfilled!.data).toMatchObject({
      id: 'jira:OPS-12', source: 'jira', status: 'resolved', severity: 'critical', service: 'payments-api',
      opened_at: '2026-11-20T10:30:00.000Z', resolved_at: '2026-11-20T11:15:00.000Z', url: 'https://acme.atlassian.net/browse/OPS-12',
      linked_deployment_ids: ['github:acme/payments-api:300031'], linked_shas: ['3f2a9c1'],
    });
    // The request: the configured project and types, changelog expanded, the fields the normaliser reads.
    expect(standin!.bodies[0]).toMatchObject({ jql: 'project in ("OPS") AND issuetype in ("Incident") ORDER BY updated ASC, key ASC', expand: 'changelog' });
    expect(standin!.bodies[0]!.fields).toEqual(expect.arrayContaining(['status', 'statuscategorychangedate', 'resolutiondate', 'priority', 'components', 'customfield_10060']));
  });

  it('without statuscategorychangedate or resolutiondate, resolved is when the changelog moved it to its Done status', async () => {
    const issue = resolvedIncident();
    delete issue.fields.statuscategorychangedate;
    issue.fields.resolutiondate = null;
    issue.fields.updated = '2026-11-20T12:00:00.000+0000'; // a later comment
    await startJira([issue]);
    const bus = new RecordingBus();
    await backfillJira({ api: api(), bus, cursors: new MemoryCursorStore(), context, now: () => new Date(NOW) });
    expect(bus.incidents().at(-1)!.data).toMatchObject({ status: 'resolved', resolved_at: '2026-11-20T11:15:00.000Z' });
  });

  it('an interrupted run goes on after the last page it delivered; a second run asks one page and sends nothing again', async () => {
    const issues = Array.from({ length: 25 }, (_, i) => resolvedIncident(`OPS-${i + 1}`, new Date(Date.parse('2026-11-20T12:00:00Z') + i * 20 * 60_000).toISOString().replace('Z', '+0000')));
    // Two issues updated in the same millisecond straddle a page boundary.
    issues[10]!.fields.updated = issues[9]!.fields.updated;
    await startJira(issues);
    const cursors = new MemoryCursorStore();
    const bus = new RecordingBus();
    standin!.failAt = 4; // the status list, then pages of 10: the third page fails
    await expect(backfillJira({ api: api({ maxRetries: 0 }), bus, cursors, context, pageSize: 10, now: () => new Date(NOW) })).rejects.toBeInstanceOf(JiraHttpError);
    const ids = () => bus.incidents().map((e) => e.data.id);
    // Each issue: its two status changes (In Progress, Resolved) and its latest update, three incident events.
    expect(new Set(ids()).size).toBe(20);
    expect(ids()).toHaveLength(60);

    standin!.failAt = null;
    const resumed = await backfillJira({ api: api(), bus, cursors, context, pageSize: 10, now: () => new Date(NOW) });
    expect(resumed).toMatchObject({ issues: 5, deadLettered: 0 });
    expect(bus.records.filter((r) => r.topic === 'dlq')).toEqual([]);
    expect(resumed.jql).toMatch(/updated >= -\d+m/);
    expect(new Set(ids()).size).toBe(25);
    expect(ids()).toHaveLength(75);
    const keys = bus.records.filter((r) => r.topic === 'raw').map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);

    const quiet = await backfillJira({ api: api(), bus, cursors, context, pageSize: 10, now: () => new Date(NOW) });
    expect(quiet).toMatchObject({ requests: 1, issues: 0, deliveries: 0 });

    issues[3]!.fields.updated = '2026-11-20T23:00:00.000+0000';
    const changed = await backfillJira({ api: api(), bus, cursors, context, pageSize: 10, now: () => new Date(NOW) });
    // The search, and the status list (read once per run that meets a status change).
    expect(changed).toMatchObject({ requests: 2, issues: 1 });
  });

  it('waits out a 429 for its Retry-After and names the credentials on a 401', async () => {
    await startJira([resolvedIncident()]);
    const waits: number[] = [];
    let first = true;
    const flaky: typeof fetch = async (input, init) => {
      if (first) {
        first = false;
        return new Response(JSON.stringify({ errorMessages: ['rate limited'] }), { status: 429, headers: { 'retry-after': '7' } });
      }
      return fetch(input, init);
    };
    const result = await backfillJira({ api: api({ fetch: flaky, sleep: async (ms) => { waits.push(ms); } }), bus: new RecordingBus(), cursors: new MemoryCursorStore(), context, now: () => new Date(NOW) });
    expect(waits).toEqual([7000]);
    expect(standin!.statusRequests).toBe(1);
    expect(result).toMatchObject({ rateLimited: 1, issues: 1 });
    await expect(backfillJira({ api: api({ apiToken: 'wrong' }), bus: new RecordingBus(), cursors: new MemoryCursorStore(), context })).rejects.toThrow(/JIRA_EMAIL and JIRA_API_TOKEN/);
  });

  it('writes JQL with quoted values and a relative time, and reads ADF descriptions as text', () => {
    expect(incidentJql({ ...JIRA_DEFAULTS, projects: ['OPS', 'SRE'], issueTypes: ['Incident', 'Post-incident "review"'] }, Date.parse('2026-11-20T23:00:00Z'), NOW))
      .toBe('project in ("OPS", "SRE") AND issuetype in ("Incident", "Post-incident \\"review\\"") AND updated >= -61m ORDER BY updated ASC, key ASC');
    expect(adfText({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'Deployment: x' }] }] })).toBe('a\nDeployment: x\n');
  });
});
