import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type ReceiverHarness } from './receiver-harness.js';

/* POST /webhooks/jira: Jira Cloud's signed admin webhooks, Data Center's ?token=, and idempotency. */

const SECRET = 'jira-webhook-secret';

let harness: ReceiverHarness;
let bus: ReceiverHarness['bus'];
let counter = 0;

beforeAll(async () => {
  harness = await startReceiver({ secrets: { JIRA_WEBHOOK_SECRET: SECRET } });
  bus = harness.bus;
});
afterAll(() => harness.close());
afterEach(() => { bus.records.length = 0; });

/** Atlassian's documented example, made a Jira Service Management incident OPS-7. */
function incidentBody(): string {
  const payload = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'jira', 'issue-updated-documented.json'), 'utf8')) as Record<string, any>;
  payload.issue.key = 'OPS-7';
  Object.assign(payload.issue.fields, { issuetype: { name: 'Incident' }, project: { key: 'OPS' }, status: { name: 'Open', statusCategory: { key: 'new' } } });
  return JSON.stringify(payload);
}

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function jira(body: string, headers: Record<string, string | undefined>, query = '') {
  return harness.post(`/webhooks/jira${query}`, body, { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': `jira-${++counter}`, ...headers });
}

describe('POST /webhooks/jira', () => {
  it('a body signed with X-Hub-Signature is accepted and becomes the incident', async () => {
    const body = incidentBody();
    const answer = await jira(body, { 'x-hub-signature': sign(body) });
    expect(answer).toMatchObject({ status: 202, body: { outcome: 'ok', events: 1 } });
    const event = JSON.parse(bus.records.find((record) => record.topic === 'events')!.value) as { source: string; raw: { event: string }; data: { id: string } };
    expect(event).toMatchObject({ source: 'jira', raw: { event: 'jira:issue_updated' }, data: { id: 'jira:OPS-7' } });
  });

  it("Atlassian's documented example as it is: accepted and ignored (it names no issue type)", async () => {
    const body = readFileSync(join(import.meta.dirname, 'fixtures', 'jira', 'issue-updated-documented.json'), 'utf8');
    expect((await jira(body, { 'x-hub-signature': sign(body) })).body).toMatchObject({ outcome: 'ignored' });
  });

  it('a wrong secret, a changed body or no signature is 401 and nothing is stored', async () => {
    const body = incidentBody();
    expect((await jira(body, { 'x-hub-signature': sign(body, 'other') })).status).toBe(401);
    expect((await jira(`${body} `, { 'x-hub-signature': sign(body) })).status).toBe(401);
    expect((await jira(body, {})).status).toBe(401);
    expect(bus.records).toEqual([]);
  });

  it('Jira Data Center: the secret as ?token= in the URL is accepted; a wrong one is not', async () => {
    const body = incidentBody();
    expect((await jira(body, {}, `?token=${SECRET}`)).status).toBe(202);
    expect((await jira(body, {}, '?token=nope')).status).toBe(401);
  });

  it('a retry with the same X-Atlassian-Webhook-Identifier changes nothing', async () => {
    const body = incidentBody();
    const headers = { 'x-hub-signature': sign(body), 'x-atlassian-webhook-identifier': 'retry-me' };
    expect((await jira(body, headers)).body).toMatchObject({ duplicate: false, delivery_id: 'jira:retry-me' });
    const published = bus.records.length;
    expect((await jira(body, headers)).body).toMatchObject({ duplicate: true });
    expect(bus.records).toHaveLength(published);
  });
});
