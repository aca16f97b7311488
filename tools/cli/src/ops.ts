import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Bus, Logger, NodeEnv, WebhookReceiver } from '@paved/ingest';
import type { Sink } from '@paved/pipeline';
import type { Warehouse } from '@paved/warehouse';
import { Hono } from 'hono';
import client from 'prom-client';

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
    // The receiver observes each acknowledgement itself; the registry only exposes it.
    if (receiver.ackLatency) registry.registerMetric(receiver.ackLatency);
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

/** `/healthz` (alive), `/readyz` (dependencies answer, with the reason when not) and `/metrics` (Prometheus), as Hono routes. */
export function opsRoutes(checks: Check[], registry: client.Registry): Hono<NodeEnv> {
  const app = new Hono<NodeEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(checks.map(async (check) => ({ name: check.name, ...(await check.run().catch((error: unknown) => ({ ok: false, detail: (error as Error).message }))) })));
    const ok = results.every((r) => r.ok);
    return c.json({ ok, checks: results }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
  return app;
}

export function warehouseCheck(warehouse: Warehouse): Check {
  return { name: 'warehouse', run: () => warehouse.ping() };
}

export function busCheck(bus: Bus): Check {
  return { name: 'bus', run: async () => { const h = await bus.health(); return { ok: h.ok, detail: h.detail }; } };
}

/** A 404 naming what a service does serve (its Hono app's last route). */
export function notFound(app: Hono<NodeEnv>, message: string): Hono<NodeEnv> {
  return app.notFound((c) => c.json({ error: 'not_found', message }, 404));
}

/**
 * The one way a Paved process listens: a Hono app on Node (@hono/node-server). Bodies are read
 * by the routes from the raw request (webhook limits) or by Next.js, so the adapter neither drains
 * them nor replaces the process's global Request/Response. A port in use is named with the fix.
 */
export async function serveApp(app: Hono<NodeEnv>, host: string, port: number, log?: Logger): Promise<Server> {
  app.onError((error, c) => {
    log?.('error', 'request failed', { url: c.env.incoming.url, error: error.message });
    // A handler that already answered (Next.js, a stand-in) keeps its answer; the connection ends.
    if (c.env.outgoing.headersSent) {
      c.env.outgoing.end();
      return RESPONSE_ALREADY_SENT;
    }
    return c.text('internal error', 500);
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, overrideGlobalObjects: false, autoCleanupIncoming: false }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use: stop what holds it, or start with PORT=<another port>`) : error));
    server.listen(port, host, resolve);
  });
  return server;
}

/** A plain Node handler (the ClickHouse stand-in of the tests) served through the same stack. */
export function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, host: string, port: number): Promise<Server> {
  const app = new Hono<NodeEnv>();
  app.all('*', async (c) => {
    await handler(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  return serveApp(app, host, port);
}
