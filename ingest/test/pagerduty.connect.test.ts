import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { WebhookReceiver } from '../src/http/webhooks.js';
import { ensurePagerdutySubscription, PagerdutyApi, PAGERDUTY_WEBHOOK_EVENTS } from '../src/pagerduty/connect.js';

/*
 * `paved connect pagerduty` against a loopback stand-in of PagerDuty's webhook subscriptions API
 * (shapes as in developer.pagerduty.com's v3 webhook reference): created with the incident events,
 * the signing secret PagerDuty generates is the one a signed delivery verifies with; an existing
 * subscription is updated when Paved holds its secret, and replaced when it does not; a read-only
 * key is refused with what to use instead.
 */

interface Sub { id: string; url: string; events: string[]; active: boolean; secret: string; description: string }

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

const subs: Sub[] = [];
let pd: Server;
let pdUrl: string;
let receiverServer: Server;
let receiverUrl: string;
const secrets: { PAGERDUTY_WEBHOOK_SECRET?: string } = {};

function view(s: Sub, withSecret: boolean) {
  return {
    id: s.id, type: 'webhook_subscription', active: s.active, description: s.description, events: s.events,
    delivery_method: { id: `DM${s.id}`, type: 'http_delivery_method', url: s.url, temporarily_disabled: false, custom_headers: [], secret: withSecret ? s.secret : null },
    filter: { type: 'account_reference', id: null }, oauth_client: null,
  };
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as { webhook_subscription?: Record<string, unknown> } : {};
  const send = (status: number, data?: unknown) => {
    response.writeHead(status, data === undefined ? {} : { 'content-type': 'application/json' });
    response.end(data === undefined ? undefined : JSON.stringify(data));
  };
  const key = /^Token token=(.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (key !== 'full-key' && key !== 'read-only-key') return send(401, { error: { message: 'Unauthorized', code: 2006 } });
  const url = new URL(request.url ?? '/', 'http://pd');
  const id = /^\/webhook_subscriptions\/([^/]+)$/.exec(url.pathname)?.[1];
  if (request.method === 'GET' && url.pathname === '/webhook_subscriptions') {
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 25);
    return send(200, { webhook_subscriptions: subs.slice(offset, offset + limit).map((s) => view(s, false)), limit, offset, more: offset + limit < subs.length, total: null });
  }
  if (key === 'read-only-key') return send(403, { error: { message: 'Access Denied', code: 2010, errors: ['The API key is read-only'] } });
  if (request.method === 'POST' && url.pathname === '/webhook_subscriptions') {
    const input = body.webhook_subscription as { events: string[]; active: boolean; description: string; delivery_method: { url: string } };
    const sub: Sub = { id: `P${randomBytes(3).toString('hex').toUpperCase()}`, url: input.delivery_method.url, events: input.events, active: input.active, description: input.description, secret: randomBytes(24).toString('base64') };
    subs.push(sub);
    return send(201, { webhook_subscription: view(sub, true) });
  }
  const sub = subs.find((s) => s.id === id);
  if (!sub) return send(404, { error: { message: 'Not Found', code: 2100 } });
  if (request.method === 'PUT') {
    const input = body.webhook_subscription as Partial<Sub>;
    Object.assign(sub, { ...(input.events ? { events: input.events } : {}), ...(input.active !== undefined ? { active: input.active } : {}), ...(input.description ? { description: input.description } : {}) });
    return send(200, { webhook_subscription: view(sub, false) });
  }
  if (request.method === 'DELETE') {
    subs.splice(subs.indexOf(sub), 1);
    return send(204);
  }
  return send(404, { error: { message: 'Not Found', code: 2100 } });
}

beforeAll(async () => {
  pd = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => pd.listen(0, '127.0.0.1', resolve));
  pdUrl = `http://127.0.0.1:${(pd.address() as AddressInfo).port}`;
  const receiver = new WebhookReceiver({ bus: new RecordingBus() as Bus, secrets, context: defaultNormaliseContext });
  receiverServer = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => pd?.close(resolve));
  await new Promise((resolve) => receiverServer?.close(resolve));
});
beforeEach(() => {
  subs.length = 0;
});

/** A delivery as PagerDuty sends one for a subscription: X-PagerDuty-Signature v1= HMAC-SHA256 of the body with its secret. */
async function deliver(sub: Sub) {
  const body = JSON.stringify({
    event: {
      id: '01DEN4HPBQAAAG05V5QQYBRZMF', event_type: 'incident.triggered', resource_type: 'incident', occurred_at: '2026-11-30T10:00:00.000Z', agent: null, client: null,
      data: { id: 'Q2NDK6JVX8Q5NL', type: 'incident', self: 'https://api.pagerduty.com/incidents/Q2NDK6JVX8Q5NL', html_url: 'https://acme.pagerduty.com/incidents/Q2NDK6JVX8Q5NL', number: 7, status: 'triggered', incident_key: 'k', created_at: '2026-11-30T10:00:00Z', title: 'Checkout errors', service: { id: 'PSVC', type: 'service_reference', summary: 'payments-api' }, assignees: [], escalation_policy: { id: 'P', type: 'escalation_policy_reference', summary: 'x' }, teams: [], priority: null, urgency: 'high', conference_bridge: null, resolve_reason: null },
    },
  });
  const response = await fetch(sub.url, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-webhook-id': randomBytes(8).toString('hex'), 'x-pagerduty-signature': `v1=${createHmac('sha256', sub.secret).update(body).digest('hex')}` },
  });
  return response.status;
}

describe('PagerDuty webhook subscription', () => {
  it('created with the incident events; the generated secret is returned and a delivery signed with it is accepted', async () => {
    const api = new PagerdutyApi(pdUrl, 'full-key');
    const url = `${receiverUrl}/webhooks/pagerduty`;
    const outcome = await ensurePagerdutySubscription(api, { url, secretHeld: false });
    expect(outcome).toMatchObject({ action: 'created', url, deleted: [] });
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ url, active: true, events: [...PAGERDUTY_WEBHOOK_EVENTS] });
    expect(outcome.secret).toBe(subs[0]!.secret);
    secrets.PAGERDUTY_WEBHOOK_SECRET = outcome.secret!;
    expect(await deliver(subs[0]!)).toBe(202);
    secrets.PAGERDUTY_WEBHOOK_SECRET = 'not-it';
    expect(await deliver(subs[0]!)).toBe(401);
  });

  it('already there and Paved holds its secret: updated in place (events, active), not duplicated', async () => {
    const api = new PagerdutyApi(pdUrl, 'full-key');
    const url = 'https://paved.acme.example/webhooks/pagerduty';
    const first = await ensurePagerdutySubscription(api, { url, secretHeld: false });
    subs[0]!.events = ['incident.triggered'];
    subs[0]!.active = false;
    const again = await ensurePagerdutySubscription(api, { url, secretHeld: true });
    expect(again).toMatchObject({ id: first.id, action: 'updated', secret: null });
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ active: true, events: [...PAGERDUTY_WEBHOOK_EVENTS] });
  });

  it('already there but its secret unknown (PagerDuty shows it only once): replaced by a new one, the old deleted', async () => {
    const api = new PagerdutyApi(pdUrl, 'full-key');
    const url = 'https://paved.acme.example/webhooks/pagerduty';
    const old = await ensurePagerdutySubscription(api, { url, secretHeld: false });
    const replaced = await ensurePagerdutySubscription(api, { url, secretHeld: false });
    expect(replaced).toMatchObject({ action: 'replaced', deleted: [old.id] });
    expect(subs.map((s) => s.id)).toEqual([replaced.id]);
    expect(replaced.secret).toBe(subs[0]!.secret);
  });

  it('a read-only key: refused with which key to use, nothing created; a wrong key: 401 named', async () => {
    await expect(ensurePagerdutySubscription(new PagerdutyApi(pdUrl, 'read-only-key'), { url: 'https://paved.acme.example/webhooks/pagerduty', secretHeld: false }))
      .rejects.toThrow(/the key is read-only; create a general access key without "Read-only"/);
    expect(subs).toEqual([]);
    await expect(new PagerdutyApi(pdUrl, 'wrong').subscriptions()).rejects.toThrow(/refused the API key \(401\): check PAGERDUTY_API_KEY/);
  });
});
