/**
 * The ops endpoints on the one HTTP stack (Hono): liveness, readiness with reasons, and the webhook
 * acknowledgement latency as a Prometheus histogram beside the counters.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultNormaliseContext, InProcessBus, WebhookReceiver } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, notFound, opsRoutes, serveApp } from '../src/ops.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const receiver = new WebhookReceiver({ bus: new InProcessBus(), context: defaultNormaliseContext, secrets: { PAVED_WEBHOOK_TOKEN: 'tok' } });
  const checks = [
    { name: 'warehouse', run: async () => ({ ok: true, detail: 'answers' }) },
    { name: 'bus', run: async (): Promise<{ ok: boolean; detail: string }> => { throw new Error('broker unreachable'); } },
  ];
  const app = opsRoutes(checks, createMetrics({ receiver })).route('/', receiver.app);
  server = await serveApp(notFound(app, 'this service serves /webhooks/*, /healthz, /readyz and /metrics'), '127.0.0.1', 0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });

describe('ops endpoints', () => {
  it('/healthz is alive; /readyz is 503 naming the check that failed and why', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, checks: [{ name: 'warehouse', ok: true, detail: 'answers' }, { name: 'bus', ok: false, detail: 'broker unreachable' }] });
  });

  it('/metrics has the acknowledgement latency of every accepted webhook as a histogram, and rejections as a counter', async () => {
    for (const id of ['d-1', 'd-2']) {
      const body = JSON.stringify({ id, service: 'payments', environment: 'production', status: 'success', finished_at: '2026-03-02T10:00:00Z' });
      const answer = await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' }, body });
      expect(answer.status).toBe(202);
    }
    expect((await fetch(`${base}/webhooks/deployments`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' })).status).toBe(401);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('# TYPE paved_webhook_ack_seconds histogram');
    expect(text).toContain('paved_webhook_ack_seconds_count 2');
    expect(text).toMatch(/paved_webhook_ack_seconds_bucket\{le="\+Inf"\} 2/);
    expect(text).toContain('paved_webhook_deliveries_rejected_total{reason="bad_token"} 1');
  });

  it('anything else is a 404 saying what the service serves', async () => {
    const answer = await fetch(`${base}/nothing-here`);
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: 'not_found', message: 'this service serves /webhooks/*, /healthz, /readyz and /metrics' });
  });
});
