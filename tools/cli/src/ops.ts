import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import client from 'prom-client';
import type { Bus } from '@paved/ingest/bus/bus';
import type { WebhookReceiver } from '@paved/ingest/http/webhooks';
import type { Sink } from '@paved/transform/sink/sink';
import type { Warehouse } from '@paved/transform/warehouse/client';

export interface Check {
  name: string;
  run: () => Promise<{ ok: boolean; detail: string }>;
}

/** Prometheus metrics of a Paved service, read from the components' own counters at scrape time. */
export function createMetrics(parts: { receiver?: WebhookReceiver; sink?: Sink; bus?: Bus; jobs?: () => { runs: number; failures: number } }): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'paved_' });
  const { receiver, sink, bus, jobs } = parts;
  if (receiver) {
    new client.Gauge({ name: 'paved_webhook_deliveries_received_total', help: 'Webhook requests received', registers: [registry], collect() { this.set(receiver.stats.received); } });
    new client.Gauge({ name: 'paved_webhook_deliveries_accepted_total', help: 'Webhook deliveries handed to the bus', registers: [registry], collect() { this.set(receiver.stats.accepted); } });
    new client.Gauge({
      name: 'paved_webhook_deliveries_rejected_total', help: 'Webhook deliveries rejected, by reason', labelNames: ['reason'], registers: [registry],
      collect() { for (const [reason, count] of Object.entries(receiver.stats.rejected)) this.set({ reason }, count); },
    });
  }
  if (sink) {
    new client.Gauge({ name: 'paved_sink_messages_total', help: 'Bus messages processed by the sink', registers: [registry], collect() { this.set(sink.stats.messages); } });
    new client.Gauge({ name: 'paved_sink_rows_inserted_total', help: 'Rows inserted into ClickHouse', registers: [registry], collect() { this.set(sink.stats.rowsInserted); } });
    new client.Gauge({ name: 'paved_sink_batches_total', help: 'Batches committed', registers: [registry], collect() { this.set(sink.stats.batches); } });
    new client.Gauge({ name: 'paved_dead_letters_total', help: 'Messages dead-lettered by the sink', registers: [registry], collect() { this.set(sink.stats.deadLettered); } });
    new client.Gauge({ name: 'paved_sink_last_insert_seconds', help: 'Latency of the last ClickHouse insert', registers: [registry], collect() { this.set(sink.stats.lastInsertMs / 1000); } });
    new client.Gauge({ name: 'paved_sink_warehouse_down', help: '1 while the sink holds its batch because ClickHouse is unreachable', registers: [registry], collect() { this.set(sink.stats.warehouseDown ? 1 : 0); } });
  }
  if (bus) {
    new client.Gauge({
      name: 'paved_bus_lag_messages', help: 'Messages published and not yet committed by the sink group', registers: [registry],
      async collect() { const health = await bus.health(); if (health.lag !== null) this.set(health.lag); },
    });
  }
  if (jobs) {
    new client.Gauge({ name: 'paved_job_runs_total', help: 'Scheduled job runs', registers: [registry], collect() { this.set(jobs().runs); } });
    new client.Gauge({ name: 'paved_job_failures_total', help: 'Scheduled job failures', registers: [registry], collect() { this.set(jobs().failures); } });
  }
  return registry;
}

/** `/healthz` (alive), `/readyz` (dependencies answer, with the reason when not) and `/metrics` (Prometheus). */
export function opsHandler(checks: Check[], registry: client.Registry) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return true;
    }
    if (path === '/readyz') {
      const results = await Promise.all(checks.map(async (check) => ({ name: check.name, ...(await check.run().catch((error: unknown) => ({ ok: false, detail: (error as Error).message }))) })));
      const ok = results.every((r) => r.ok);
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, checks: results }));
      return true;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      return true;
    }
    return false;
  };
}

export function warehouseCheck(warehouse: Warehouse): Check {
  return { name: 'warehouse', run: () => warehouse.ping() };
}

export function busCheck(bus: Bus): Check {
  return { name: 'bus', run: async () => { const h = await bus.health(); return { ok: h.ok, detail: h.detail }; } };
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    void handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: choose another with PORT`) : error));
    server.listen(port, host, resolve);
  });
  return server;
}
