import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusUnavailableError, type Bus, type BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { WebhookReceiver } from '../src/http/webhooks.js';

const SECRET = 'test-webhook-secret';
const secrets = { GITHUB_WEBHOOK_SECRET: SECRET, PAGERDUTY_WEBHOOK_SECRET: 'pd-secret', OPSGENIE_WEBHOOK_TOKEN: 'og-token', PAVED_WEBHOOK_TOKEN: 'generic-token', PAVED_WEBHOOK_HMAC_SECRET: 'generic-hmac' };

/** Records what reaches the bus; `failing` simulates a broker that cannot take writes. */
class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  failing = false;
  override async publish(records: BusRecord[]): Promise<void> {
    if (this.failing) throw new BusUnavailableError('broker down (test)');
    this.records.push(...records);
  }
}

let server: Server;
let base: string;
let bus: RecordingBus;
let receiver: WebhookReceiver;

beforeAll(async () => {
  bus = new RecordingBus();
  receiver = new WebhookReceiver({ bus: bus as Bus, secrets, context: defaultNormaliseContext });
  server = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
afterEach(() => { bus.records.length = 0; bus.failing = false; });

const sign = (body: string, secret = SECRET, algorithm: 'sha256' | 'sha1' = 'sha256') => `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
let deliveryCounter = 0;

async function github(event: string, payload: unknown, headers: Record<string, string | undefined> = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const all: Record<string, string | undefined> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `d-${++deliveryCounter}`, 'x-hub-signature-256': sign(body), ...headers };
  const response = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<string, string>, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const push = { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40), repository: { full_name: 'acme/api', name: 'api' }, commits: [{ id: 'a'.repeat(40), message: 'x', timestamp: '2026-01-01T00:00:00Z', author: { name: 'a', email: 'a@x', username: 'a' } }], pusher: { name: 'a' } };

describe('GitHub signatures', () => {
  it('a valid X-Hub-Signature-256 is accepted (202) after the bus took the raw delivery and its events', async () => {
    const result = await github('push', push);
    expect(result.status).toBe(202);
    expect(result.body).toMatchObject({ accepted: true, outcome: 'ok', events: 2 });
    expect(bus.records.map((r) => r.topic)).toEqual(['raw', 'events', 'events']);
  });

  it('the wrong secret is 401 and nothing reaches the bus', async () => {
    const body = JSON.stringify(push);
    expect((await github('push', body, { 'x-hub-signature-256': sign(body, 'wrong') })).status).toBe(401);
    expect(bus.records).toEqual([]);
  });

  it('a missing signature is 401', async () => {
    expect((await github('push', push, { 'x-hub-signature-256': undefined })).status).toBe(401);
    expect(bus.records).toEqual([]);
  });

  it('a tampered body is 401', async () => {
    const body = JSON.stringify(push);
    expect((await github('push', body.replace('acme/api', 'acme/evil'), { 'x-hub-signature-256': sign(body) })).status).toBe(401);
  });

  it('the legacy sha1 X-Hub-Signature is accepted when it is the only signature', async () => {
    const body = JSON.stringify(push);
    expect((await github('push', body, { 'x-hub-signature-256': undefined, 'x-hub-signature': sign(body, SECRET, 'sha1') })).status).toBe(202);
  });

  it('a correctly signed 0-byte body is 400 (authentic but empty), not 401', async () => {
    const result = await github('push', '', { 'content-type': undefined });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: 'empty_body' });
    expect(bus.records).toEqual([]);
  });

  it('the signature is checked over the raw bytes: a body with invalid UTF-8 signed correctly is 400 (not UTF-8), not 401', async () => {
    const raw = Buffer.concat([Buffer.from('{"zen":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const signature = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const response = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'x-github-event': 'ping', 'x-github-delivery': 'utf8-1', 'x-hub-signature-256': signature }, body: raw });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'not_utf8' });
    // The same bytes signed as their UTF-8 decoding (what the old check compared) are not authentic.
    const decodedSignature = sign(raw.toString('utf8'));
    const forged = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'x-github-event': 'ping', 'x-github-delivery': 'utf8-2', 'x-hub-signature-256': decodedSignature }, body: raw });
    expect(forged.status).toBe(401);
  });

  it('PagerDuty signatures are over the raw bytes too', async () => {
    const raw = Buffer.concat([Buffer.from('{"event":{"id":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
    const signature = `v1=${createHmac('sha256', 'pd-secret').update(raw).digest('hex')}`;
    const response = await fetch(`${base}/webhooks/pagerduty`, { method: 'POST', headers: { 'x-pagerduty-signature': signature }, body: raw });
    expect(response.status).toBe(400);
  });

  it('an empty X-Hub-Signature-256 with a valid sha1 signature is 401: sha1 counts only when the sha256 header is absent', async () => {
    const body = JSON.stringify(push);
    const result = await github('push', body, { 'x-hub-signature-256': '', 'x-hub-signature': sign(body, SECRET, 'sha1') });
    expect(result.status).toBe(401);
    expect(String(result.body.message)).toMatch(/X-Hub-Signature-256 is malformed/);
    expect(bus.records).toEqual([]);
  });

  it('a malformed X-Hub-Signature-256 with a valid sha1 signature is 401', async () => {
    const body = JSON.stringify(push);
    expect((await github('push', body, { 'x-hub-signature-256': 'sha256=', 'x-hub-signature': sign(body, SECRET, 'sha1') })).status).toBe(401);
  });

  it('a replayed delivery is acknowledged and changes nothing', async () => {
    const first = await github('push', push, { 'x-github-delivery': 'replayed-1' });
    const published = bus.records.length;
    const again = await github('push', push, { 'x-github-delivery': 'replayed-1' });
    expect(first.status).toBe(202);
    expect(again).toMatchObject({ status: 202, body: { duplicate: true } });
    expect(bus.records.length).toBe(published);
  });
});

describe('status codes', () => {
  it('an unparseable body is 400', async () => {
    const result = await github('push', '{not json');
    expect(result.status).toBe(400);
    expect(String(result.body.message)).toMatch(/not valid JSON/);
  });

  it('a body over 25 MB is 413', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(25 * 1024 * 1024 + 10) });
    expect((await github('push', big)).status).toBe(413);
  });

  it('authentic but not normalisable is archived raw, dead-lettered with the reason, 202', async () => {
    const result = await github('pull_request', { action: 'opened', pull_request: { title: 'no number' }, repository: { full_name: 'acme/api' } });
    expect(result.status).toBe(202);
    expect(result.body.outcome).toBe('dlq');
    expect(bus.records.map((r) => r.topic)).toEqual(['raw', 'dlq']);
    expect(JSON.parse(bus.records[1]!.value).reason).toMatch(/number/);
  });

  it('an event Paved does not measure is archived raw and acknowledged', async () => {
    const result = await github('star', { action: 'created', repository: { full_name: 'acme/api' } });
    expect(result).toMatchObject({ status: 202, body: { outcome: 'ignored' } });
    expect(bus.records.map((r) => r.topic)).toEqual(['raw']);
  });

  it('bus unavailable is 503 with retry-after, so the sender retries', async () => {
    bus.failing = true;
    const response = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'x-github-event': 'push', 'x-github-delivery': 'x', 'x-hub-signature-256': sign(JSON.stringify(push)) }, body: JSON.stringify(push) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('10');
  });
});

describe('other sources authenticate too', () => {
  const pd = { event: { id: 'PD-EVT-1', event_type: 'incident.triggered', occurred_at: '2026-01-01T00:00:00Z', data: { id: 'Q1', type: 'incident', title: 't', service: { summary: 'api' }, urgency: 'high', status: 'triggered', created_at: '2026-01-01T00:00:00Z' } } };

  it('PagerDuty: a valid X-PagerDuty-Signature is accepted, a wrong one is 401', async () => {
    const body = JSON.stringify(pd);
    const good = await fetch(`${base}/webhooks/pagerduty`, { method: 'POST', headers: { 'x-pagerduty-signature': `v1=${createHmac('sha256', 'pd-secret').update(body).digest('hex')}` }, body });
    expect(good.status).toBe(202);
    const bad = await fetch(`${base}/webhooks/pagerduty`, { method: 'POST', headers: { 'x-pagerduty-signature': 'v1=00' }, body });
    expect(bad.status).toBe(401);
  });

  it('Opsgenie: the token is required', async () => {
    const body = JSON.stringify({ action: 'Create', alert: { alertId: 'A1', message: 'm', createdAt: 1767225600000, updatedAt: 1767225600000000000, tags: [], details: { service: 'api' } } });
    expect((await fetch(`${base}/webhooks/opsgenie`, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(`${base}/webhooks/opsgenie`, { method: 'POST', headers: { authorization: 'Bearer og-token' }, body })).status).toBe(202);
  });

  it('generic deployments: bearer token or HMAC, nothing else', async () => {
    const body = JSON.stringify({ id: 'argo-1', service: 'api', environment: 'production', sha: 'abcdef1', status: 'success', finished_at: '2026-01-01 10:00:00' });
    expect((await fetch(`${base}/webhooks/deployments`, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { authorization: 'Bearer generic-token' }, body })).status).toBe(202);
    const signature = `sha256=${createHmac('sha256', 'generic-hmac').update(body).digest('hex')}`;
    expect((await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { 'x-paved-signature': signature, 'idempotency-key': 'argo-1-success' }, body })).status).toBe(202);
  });
});

describe('delivery ids an attacker or a careless sender controls', () => {
  const generic = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: 'Bearer generic-token', 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
      .then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
  const deployment = (id: string) => ({ id, service: 'api', environment: 'production', sha: 'abcdef1', status: 'success', finished_at: '2026-01-01 10:00:00' });

  it('an empty or blank Idempotency-Key counts as absent: two different deployments are both accepted, not the second as a duplicate', async () => {
    const first = await generic('/webhooks/deployments', deployment('empty-key-1'), { 'idempotency-key': '' });
    const second = await generic('/webhooks/deployments', deployment('empty-key-2'), { 'idempotency-key': '  ' });
    expect(first).toMatchObject({ status: 202, body: { duplicate: false, outcome: 'ok' } });
    expect(second).toMatchObject({ status: 202, body: { duplicate: false, outcome: 'ok' } });
    expect(second.body.delivery_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same body again is still recognised as a retry (by its hash).
    expect((await generic('/webhooks/deployments', deployment('empty-key-2'), { 'idempotency-key': '' })).body).toMatchObject({ duplicate: true });
  });

  it('an empty X-GitHub-Delivery falls back to the body hash instead of one shared empty id', async () => {
    const a = await github('push', push, { 'x-github-delivery': '' });
    const b = await github('push', { ...push, after: 'b'.repeat(40) }, { 'x-github-delivery': '' });
    expect(a.body).toMatchObject({ duplicate: false });
    expect(b.body).toMatchObject({ duplicate: false });
  });

  it('a deployment and an incident that reuse one Idempotency-Key are two deliveries, and each route still deduplicates its own retries', async () => {
    const key = 'shared-key-7';
    const deployed = await generic('/webhooks/deployments', deployment('shared-1'), { 'idempotency-key': key });
    const incident = await generic('/webhooks/incidents', { id: 'inc-shared-1', service: 'api', opened_at: '2026-01-01 10:05:00', severity: 'high' }, { 'idempotency-key': key });
    expect(deployed).toMatchObject({ status: 202, body: { duplicate: false, delivery_id: `deployment:${key}` } });
    expect(incident).toMatchObject({ status: 202, body: { duplicate: false, delivery_id: `incident:${key}` } });
    expect((await generic('/webhooks/incidents', { id: 'inc-shared-1', service: 'api', opened_at: '2026-01-01 10:05:00', severity: 'high' }, { 'idempotency-key': key })).body).toMatchObject({ duplicate: true });
  });
});

describe('form-encoded GitHub bodies are decided by the signed bytes, not the unsigned Content-Type', () => {
  const forged = { ...push, repository: { full_name: 'acme/forged', name: 'forged' } };

  it('a signed JSON body carrying "&payload=<json>&" in a string cannot be replayed as form data to deliver another event', async () => {
    const smuggled = { ...push, head_commit: { message: `x&payload=${encodeURIComponent(JSON.stringify(forged))}&y=` } };
    const body = JSON.stringify(smuggled);
    const replay = await github('push', body, { 'content-type': 'application/x-www-form-urlencoded', 'x-github-delivery': 'smuggle-1' });
    expect(replay.status).toBe(400);
    expect(String(replay.body.message)).toMatch(/form body/);
    expect(bus.records.some((record) => record.value.includes('acme/forged') && record.topic === 'events')).toBe(false);
  });

  it('a real form delivery (payload=<url-encoded JSON>) is still accepted, with or without its Content-Type', async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(push))}`;
    expect((await github('push', body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(202);
    expect((await github('push', `payload=${encodeURIComponent(JSON.stringify({ ...push, after: 'c'.repeat(40) }))}`, { 'content-type': 'application/json' })).status).toBe(202);
  });

  it('a form body with a second field is refused', async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(push))}&payload=${encodeURIComponent(JSON.stringify(forged))}`;
    expect((await github('push', body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(400);
  });
});

describe('every @octokit/webhooks-examples payload through the receiver', () => {
  it('is accepted with a valid signature and never lost: normalised, ignored or dead-lettered with a reason', async () => {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('@octokit/webhooks-examples/package.json'));
    const events = new Set(['push', 'pull_request', 'pull_request_review', 'deployment', 'deployment_status', 'workflow_run', 'issues', 'release', 'check_run']);
    let sent = 0;
    for (const flavour of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const definitions = JSON.parse(readFileSync(join(root, flavour.name, 'index.json'), 'utf8')) as { name: string; examples: unknown[] }[];
      for (const definition of definitions.filter((d) => events.has(d.name))) {
        for (const payload of definition.examples) {
          const result = await github(definition.name, payload);
          expect(result.status).toBe(202);
          expect(['ok', 'ignored', 'dlq']).toContain(result.body.outcome);
          if (result.body.outcome !== 'ok') expect(String(result.body.reason)).not.toBe('');
          sent += 1;
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    expect(bus.records.filter((r) => r.topic === 'raw')).toHaveLength(sent);
  });
});
