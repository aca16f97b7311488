import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusRecord, DELIVERY_HEADER, encodeRaw, InProcessBus, RECEIVED_AT_HEADER } from '@paved/ingest';
import { EmbeddedEngine, migrate, Warehouse } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWarehouseServer } from './support/clickhouse-standin.js';

// Against a ClickHouse HTTP server, the sink's lookup of earlier copies sends delivery ids as URL
// parameters: a batch that piled up during an outage must still be asked about (the Kafka fault
// test timed out when 600 ids made one request line too long for the server).
describe('the sink after an outage, against a ClickHouse HTTP server', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let server: Awaited<ReturnType<typeof startWarehouseServer>>;
  let warehouse: Warehouse;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paved-lookup-'));
    engine = await EmbeddedEngine.open({ dataDir: dir, command: 'vitest' });
    server = await startWarehouseServer(engine, { host: '127.0.0.1', port: 0, credentials: null });
    warehouse = await Warehouse.open({ url: server.url, database: 'paved_lookup' });
    await migrate(warehouse);
  });
  afterAll(async () => {
    await warehouse?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lands a batch of 600 deliveries, each once', async () => {
    const bus = new InProcessBus();
    const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {} });
    const records: BusRecord[] = Array.from({ length: 600 }, (_, i) => {
      const id = `${crypto.randomUUID()}-${i}`;
      const receivedAt = new Date(Date.UTC(2026, 10, 20, 10, 0, i % 60)).toISOString();
      const record = encodeRaw({ source: 'github', delivery_id: id, event: 'ping', received_at: receivedAt, payload: '{}', outcome: 'ignored', reason: 'ping' });
      return { ...record, headers: { ...record.headers, [DELIVERY_HEADER]: `github:${id}`, [RECEIVED_AT_HEADER]: receivedAt } };
    });
    await bus.publish(records);
    await sink.start();
    await bus.drained(60_000);
    await sink.stop();
    await bus.close();
    const [row] = await warehouse.query('SELECT count() AS n FROM {{db}}.raw_deliveries FINAL', {}, z.object({ n: z.coerce.number() }));
    expect(row?.n).toBe(600);
  });
});
