import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { WebhookReceiver } from '../src/http/webhooks.js';
import { ensureOpsgenieIntegration, OpsgenieApi } from '../src/opsgenie/connect.js';

/*
 * `paved connect opsgenie` against a loopback stand-in of Opsgenie's Integration API: a Webhook
 * integration posting to Paved with X-Paved-Token, updated (not duplicated) on a second run, and a
 * key without Configuration access refused with what to change. A delivery sent as the integration
 * is configured (its URL and headers) is accepted by Paved's receiver.
 */

interface Integration { id: string; name: string; type: string; enabled: boolean; url: string; headers: Record<string, string> }

class RecordingBus extends InProcessBus {
  override async publish(_records: BusRecord[]): Promise<void> {}
}

const integrations: Integration[] = [];
let og: Server;
let ogUrl: string;
let receiverServer: Server;
let receiverUrl: string;
const secrets: { OPSGENIE_WEBHOOK_TOKEN?: string } = {};

async function handle(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Integration, 'id'> : null;
  const send = (status: number, data: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ...(data as object), took: 0.01, requestId: randomUUID() }));
  };
  const key = /^GenieKey (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (key !== 'config-key' && key !== 'plain-key') return send(401, { message: 'Could not authenticate' });
  if (key === 'plain-key') return send(403, { message: 'You are not authorized for this operation' });
  const url = new URL(request.url ?? '/', 'http://og');
  const id = /^\/v2\/integrations\/([^/]+)$/.exec(url.pathname)?.[1];
  if (request.method === 'GET' && url.pathname === '/v2/integrations') {
    return send(200, { data: integrations.filter((i) => !url.searchParams.get('type') || i.type === url.searchParams.get('type')).map(({ id: iid, name, type, enabled }) => ({ id: iid, name, type, enabled, teamId: null })) });
  }
  if (request.method === 'POST' && url.pathname === '/v2/integrations') {
    const created: Integration = { id: randomUUID(), ...body! };
    integrations.push(created);
    return send(201, { data: { ...created, apiKey: null } });
  }
  const found = integrations.find((i) => i.id === id);
  if (!found) return send(404, { message: 'Integration not found' });
  if (request.method === 'GET') return send(200, { data: found });
  if (request.method === 'PUT') {
    Object.assign(found, body);
    return send(200, { data: found });
  }
  return send(404, { message: 'not found' });
}

beforeAll(async () => {
  og = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => og.listen(0, '127.0.0.1', resolve));
  ogUrl = `http://127.0.0.1:${(og.address() as AddressInfo).port}`;
  const receiver = new WebhookReceiver({ bus: new RecordingBus() as Bus, secrets, context: defaultNormaliseContext });
  receiverServer = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => og?.close(resolve));
  await new Promise((resolve) => receiverServer?.close(resolve));
});
beforeEach(() => {
  integrations.length = 0;
});

describe('Opsgenie webhook integration', () => {
  it('created with the token header; a delivery sent as configured is accepted; a second run updates it', async () => {
    const api = new OpsgenieApi(ogUrl, 'config-key');
    const url = `${receiverUrl}/webhooks/opsgenie`;
    const created = await ensureOpsgenieIntegration(api, { url, token: 'og-token-1' });
    expect(created).toMatchObject({ action: 'created', name: 'Paved', url });
    expect(integrations).toHaveLength(1);
    expect(integrations[0]).toMatchObject({ type: 'Webhook', enabled: true, url, headers: { 'X-Paved-Token': 'og-token-1' } });

    secrets.OPSGENIE_WEBHOOK_TOKEN = 'og-token-1';
    const alert = { action: 'Create', alert: { alertId: 'a-1', message: 'Checkout errors', createdAt: 1764496800000, updatedAt: 1764496800000, tags: ['service:payments-api'], priority: 'P1' }, source: { name: '', type: 'web' }, integrationName: 'Paved', integrationType: 'Webhook' };
    const delivered = await fetch(integrations[0]!.url, { method: 'POST', headers: { 'content-type': 'application/json', ...integrations[0]!.headers }, body: JSON.stringify(alert) });
    expect(delivered.status).toBe(202);

    integrations[0]!.enabled = false;
    const again = await ensureOpsgenieIntegration(api, { url, token: 'og-token-2' });
    expect(again).toMatchObject({ id: created.id, action: 'updated' });
    expect(integrations).toHaveLength(1);
    expect(integrations[0]).toMatchObject({ enabled: true, headers: { 'X-Paved-Token': 'og-token-2' } });
  });

  it('a key without Configuration access is refused with what to change; a wrong key is named', async () => {
    await expect(ensureOpsgenieIntegration(new OpsgenieApi(ogUrl, 'plain-key'), { url: 'https://paved.acme.example/webhooks/opsgenie', token: 't' }))
      .rejects.toThrow(/needs the "Configuration access" right/);
    await expect(ensureOpsgenieIntegration(new OpsgenieApi(ogUrl, 'nope'), { url: 'https://paved.acme.example/webhooks/opsgenie', token: 't' }))
      .rejects.toThrow(/refused the API key \(401\): check OPSGENIE_API_KEY/);
    expect(integrations).toEqual([]);
  });
});
