import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventOf } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type Delivery, type NormaliseOutcome } from '../src/delivery.js';
import { JIRA_ASSUMED, normaliseJira } from '../src/jira/normalise.js';
import { JIRA_DEFAULTS, type JiraSettings } from '../src/jira/settings.js';
import { jiraDeliveryId, jiraEventOf, jiraSignatureOf, verifyJiraUrlToken } from '../src/jira/webhook.js';
import { normalise } from '../src/normalise.js';

/*
 * Jira Service Management incidents from Atlassian's documented issue-update example
 * (fixtures/jira, see its README) plus the fields an incident in a service project carries.
 */

const RECEIVED_AT = '2026-11-20T12:00:00.000Z';
type Json = Record<string, any>;
const documented = (): Json => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'jira', 'issue-updated-documented.json'), 'utf8')) as Json;

/** The documented example as a JSM incident OPS-12 that was just created (no changelog on creation). */
function createdIncident(): Json {
  const payload = documented();
  delete payload.changelog;
  payload.webhookEvent = 'jira:issue_created';
  payload.issue_event_type_name = 'issue_created';
  payload.timestamp = Date.parse('2026-11-20T10:30:05Z');
  payload.issue.key = 'OPS-12';
  Object.assign(payload.issue.fields, {
    summary: 'Checkout errors after deploy',
    issuetype: { id: '10021', name: 'Incident' },
    project: { id: '10002', key: 'OPS', name: 'Operations' },
    status: { name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
    priority: { name: 'Highest', id: '1' },
    components: [{ id: '10100', name: 'payments-api' }],
    created: '2026-11-20T10:30:00.000+0000',
    updated: '2026-11-20T10:30:00.000+0000',
    statuscategorychangedate: '2026-11-20T10:30:00.000+0000',
    resolutiondate: null,
  });
  return payload;
}

/** The same incident moved to a status of the given category at `at`. */
function transitioned(category: 'indeterminate' | 'done', at: string, extra: Json = {}): Json {
  const payload = createdIncident();
  payload.webhookEvent = 'jira:issue_updated';
  payload.issue_event_type_name = 'issue_generic';
  payload.timestamp = Date.parse(at) + 2000;
  payload.changelog = { id: 10125, items: [{ field: 'status', fieldtype: 'jira', from: '1', fromString: 'Open', to: category === 'done' ? '5' : '3', toString: category === 'done' ? 'Resolved' : 'In Progress' }] };
  Object.assign(payload.issue.fields, {
    status: { name: category === 'done' ? 'Resolved' : 'In Progress', statusCategory: { key: category } },
    updated: at, statuscategorychangedate: at, ...extra,
  });
  return payload;
}

function run(payload: unknown, settings: Partial<JiraSettings> = {}): NormaliseOutcome {
  const event = jiraEventOf(payload);
  const delivery: Delivery = { source: 'jira', event, deliveryId: 'jira:d-1', receivedAt: RECEIVED_AT, payload };
  return normaliseJira(delivery, { ...defaultNormaliseContext, jira: { ...JIRA_DEFAULTS, ...settings } });
}

function incident(outcome: NormaliseOutcome): EventOf<'incident'>['data'] {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  expect(outcome.events).toHaveLength(1);
  return outcome.events[0]!.data as EventOf<'incident'>['data'];
}

describe("Atlassian's documented example", () => {
  it('names no issue type, so it is acknowledged and ignored (not an incident)', () => {
    const outcome = run(documented());
    expect(outcome).toEqual({ kind: 'ignored', reason: 'Jira issue JRA-20002 names no issue type: only Incident issues are incidents' });
  });

  it('is read without error once it has an issue type of Incident (priority Minor is low)', () => {
    const payload = documented();
    payload.issue.fields.issuetype = { name: 'Incident' };
    expect(incident(run(payload))).toMatchObject({
      id: 'jira:JRA-20002', source: 'jira', title: 'I feel the need for speed', severity: 'low', status: 'open',
      opened_at: '2009-12-17T05:46:10.612Z', url: 'https://your-domain.atlassian.net/browse/JRA-20002',
    });
  });
});

describe('Jira Service Management incidents through their life', () => {
  it('created: open since its creation, severity from priority, service from the first component', () => {
    expect(incident(run(createdIncident()))).toEqual({
      id: 'jira:OPS-12', source: 'jira', service: 'payments-api', repo: null, severity: 'critical', title: 'Checkout errors after deploy',
      status: 'open', opened_at: '2026-11-20T10:30:00.000Z', acknowledged_at: null, resolved_at: null, linked_deployment_ids: [], linked_shas: [],
      url: 'https://your-domain.atlassian.net/browse/OPS-12', updated_at: '2026-11-20T10:30:05.000Z',
    });
  });

  it('moved In Progress (category indeterminate): acknowledged at the category change', () => {
    expect(incident(run(transitioned('indeterminate', '2026-11-20T10:41:00.000+0000')))).toMatchObject({ status: 'acknowledged', acknowledged_at: '2026-11-20T10:41:00.000Z', resolved_at: null });
  });

  it('moved to Done: resolved at the resolution date (the same on every later report)', () => {
    const resolved = transitioned('done', '2026-11-20T11:15:00.000+0000', { resolutiondate: '2026-11-20T11:14:30.000+0000' });
    expect(incident(run(resolved))).toMatchObject({ status: 'resolved', opened_at: '2026-11-20T10:30:00.000Z', resolved_at: '2026-11-20T11:14:30.000Z' });
  });

  it('Done without a resolution: resolved at the status category change', () => {
    expect(incident(run(transitioned('done', '2026-11-20T11:15:00.000+0000')))).toMatchObject({ status: 'resolved', resolved_at: '2026-11-20T11:15:00.000Z' });
  });

  it('Done with neither date: resolved at the webhook time, and Data health is told', () => {
    const bare = transitioned('done', '2026-11-20T11:15:00.000+0000');
    delete bare.issue.fields.statuscategorychangedate;
    const outcome = run(bare);
    expect(incident(outcome).resolved_at).toBe('2026-11-20T11:15:02.000Z');
    expect(outcome.kind === 'ok' && outcome.assumptions).toEqual([JIRA_ASSUMED.resolvedAtEvent]);
  });

  it('reopened (back to To Do): open again with no resolution', () => {
    const reopened = transitioned('done', '2026-11-20T11:15:00.000+0000');
    reopened.issue.fields.status = { name: 'Reopened', statusCategory: { key: 'new' } };
    expect(incident(run(reopened))).toMatchObject({ status: 'open', resolved_at: null });
  });

  it('each later report is newer, so the warehouse keeps the latest state', () => {
    const times = [createdIncident(), transitioned('indeterminate', '2026-11-20T10:41:00.000+0000'), transitioned('done', '2026-11-20T11:15:00.000+0000')]
      .map((payload) => incident(run(payload)).updated_at);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(3);
  });
});

describe('configuration: projects, issue types, service, severity and deployment fields', () => {
  it('issues of other projects or types are ignored, naming the setting', () => {
    expect(run(createdIncident(), { projects: ['SRE'] })).toEqual({ kind: 'ignored', reason: 'Jira project OPS is not in sources.jira.projects' });
    const bug = createdIncident();
    bug.issue.fields.issuetype = { name: 'Bug' };
    expect(run(bug)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('"Bug" is not an incident type') });
    expect(run(bug, { issueTypes: ['incident', 'bug'] }).kind).toBe('ok');
  });

  it('service and severity from custom fields (Service Management: Affected services, Severity)', () => {
    const payload = createdIncident();
    payload.issue.fields.customfield_10050 = [{ id: '1', name: 'checkout' }];
    payload.issue.fields.customfield_10044 = { self: 'https://your-domain.atlassian.net/rest/api/2/customFieldOption/10020', value: 'Sev-2', id: '10020' };
    expect(incident(run(payload, { serviceField: 'customfield_10050', severityField: 'customfield_10044' }))).toMatchObject({ service: 'checkout', severity: 'high' });
  });

  it('deployment references from the configured field and from description lines', () => {
    const payload = createdIncident();
    payload.issue.fields.customfield_10060 = 'generic:argocd:argocd/payments-api@2026-11-20T10:02:00Z, 9F2C1E4';
    payload.issue.fields.description = 'Errors since 10:06.\ndeployment: gitlab:acme/payments:15\nroot cause: 9f2c1e4b7d3a';
    expect(incident(run(payload, { deploymentField: 'customfield_10060' }))).toMatchObject({
      linked_deployment_ids: ['gitlab:acme/payments:15', 'generic:argocd:argocd/payments-api@2026-11-20T10:02:00Z', '9f2c1e4'],
      linked_shas: ['9f2c1e4b7d3a'],
    });
  });

  it('without sources.jira the defaults apply (type Incident, components, priority)', () => {
    const delivery: Delivery = { source: 'jira', event: 'jira:issue_created', deliveryId: 'jira:d-2', receivedAt: RECEIVED_AT, payload: createdIncident() };
    expect(normalise(delivery, defaultNormaliseContext)).toMatchObject({ kind: 'ok', events: [{ source: 'jira', data: { id: 'jira:OPS-12', service: 'payments-api' } }] });
  });
});

describe('other Jira events and broken bodies', () => {
  it('deletions and non-issue events are ignored; a body without issue is dead-lettered', () => {
    expect(run({ ...createdIncident(), webhookEvent: 'jira:issue_deleted' }).kind).toBe('ignored');
    expect(run({ webhookEvent: 'comment_created', comment: {} })).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('comment_created') });
    expect(run({ webhookEvent: 'jira:issue_created' })).toEqual({ kind: 'dlq', reason: 'Jira jira:issue_created without issue' });
  });
});

describe('authentication and delivery ids', () => {
  const body = JSON.stringify(createdIncident());
  const sign = (text: string, secret: string) => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;

  it('X-Hub-Signature: sha256=<hex> is the claimed signature (the route checks it over the raw body); anything else says what is wrong', () => {
    const header = sign(body, 'jira-secret');
    expect(jiraSignatureOf(header)).toEqual({ algorithm: 'sha256', digest: Buffer.from(header.slice('sha256='.length), 'hex') });
    expect(jiraSignatureOf(header.replace('sha256=', 'sha1='))).toBe('X-Hub-Signature is malformed: expected "sha256=<64 hex digits>"');
    expect(jiraSignatureOf('sha256=abc')).toContain('malformed');
    expect(jiraSignatureOf(undefined)).toContain('JIRA_WEBHOOK_SECRET');
  });

  it('?token= (Data Center) must equal the secret exactly', () => {
    expect(verifyJiraUrlToken('/webhooks/jira?token=jira-secret', 'jira-secret')).toBe(true);
    expect(verifyJiraUrlToken('/webhooks/jira?token=jira-secre', 'jira-secret')).toBe(false);
    expect(verifyJiraUrlToken('/webhooks/jira', 'jira-secret')).toBe(false);
  });

  it('X-Atlassian-Webhook-Identifier identifies the delivery (the same on retries); else the body hash', () => {
    expect(jiraDeliveryId('abc-123', body)).toBe('jira:abc-123');
    expect(jiraDeliveryId(undefined, body)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
