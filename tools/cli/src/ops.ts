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

/**
 * A Prometheus counter whose value is read from a component's own running total at scrape time
 * (the components count for their own stats too; a second tally here could drift from them).
 */
function counter(registry: client.Registry, name: string, help: string, read: () => number | Record<string, number>, labelName?: string): void {
  new client.Counter({
    name, help, registers: [registry], labelNames: labelName ? [labelName] : [],
    collect() {
      this.reset();
      const value = read();
      if (typeof value === 'number') this.inc(value);
      else for (const [label, count] of Object.entries(value)) this.inc({ [labelName!]: label }, count);
    },
  });
}

/** Prometheus metrics of a Paved service, read from the components' own counters at scrape time. */
export function createMetrics(parts: { receiver?: WebhookReceiver; sink?: Sink; bus?: Bus; jobs?: () => { runs: number; failures: number } }): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'paved_' });
  const { receiver, sink, bus, jobs } = parts;
  if (receiver) {
    counter(registry, 'paved_webhook_deliveries_received_total', 'Webhook requests received', () => receiver.stats.received);
    counter(registry, 'paved_webhook_deliveries_accepted_total', 'Webhook deliveries handed to the bus', () => receiver.stats.accepted);
    counter(registry, 'paved_webhook_deliveries_rejected_total', 'Webhook deliveries rejected, by reason', () => receiver.stats.rejected, 'reason');
  }
  if (sink) {
    counter(registry, 'paved_sink_messages_total', 'Bus messages processed by the sink', () => sink.stats.messages);
    counter(registry, 'paved_sink_rows_inserted_total', 'Rows inserted into ClickHouse', () => sink.stats.rowsInserted);
    counter(registry, 'paved_sink_batches_total', 'Batches committed', () => sink.stats.batches);
    counter(registry, 'paved_dead_letters_total', 'Messages dead-lettered by the sink', () => sink.stats.deadLettered);
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
    counter(registry, 'paved_job_runs_total', 'Scheduled job runs', () => jobs().runs);
    counter(registry, 'paved_job_failures_total', 'Scheduled job failures', () => jobs().failures);
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
