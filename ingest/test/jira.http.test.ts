import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { WebhookReceiver } from '../src/http/webhooks.js';

/* POST /webhooks/jira: Jira Cloud's signed admin webhooks, Data Center's ?token=, and idempotency. */

const SECRET = 'jira-webhook-secret';

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

let server: Server;
let base: string;
let bus: RecordingBus;
let counter = 0;

beforeAll(async () => {
  bus = new RecordingBus();
  const receiver = new WebhookReceiver({ bus: bus as Bus, secrets: { JIRA_WEBHOOK_SECRET: SECRET }, context: defaultNormaliseContext });
  server = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
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
  const all: Record<string, string | undefined> = { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': `jira-${++counter}`, ...headers };
  const response = await fetch(`${base}/webhooks/jira${query}`, { method: 'POST', headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<string, string>, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
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
