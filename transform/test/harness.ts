import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, InProcessBus } from '@paved/ingest';
import { CanonicalEvent, type CanonicalEventInput, SCHEMA_VERSION } from '@paved/schemas';
import { Sink } from '@paved/pipeline';
import { migrate, Warehouse } from '@paved/warehouse';

/** A fresh embedded warehouse (own directory, migrated) with the real in-process bus and sink. */
export async function openTestWarehouse(): Promise<{ warehouse: Warehouse; bus: InProcessBus; sink: Sink; ingest: (events: CanonicalEventInput[]) => Promise<void>; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'paved-test-'));
  const warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest' });
  await migrate(warehouse);
  const bus = new InProcessBus();
  const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {} });
  await sink.start();
  return {
    warehouse,
    bus,
    sink,
    ingest: async (events) => {
      await bus.publish(events.map((event) => encodeEvent(CanonicalEvent.parse(event))));
      await bus.drained();
    },
    close: async () => {
      await sink.stop();
      await bus.close();
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** Wraps entity data in an envelope (source `generic`, unique id). */
export function event<T extends CanonicalEventInput['type']>(type: T, data: Extract<CanonicalEventInput, { type: T }>['data'], occurredAt = '2026-01-01T00:00:00.000Z'): CanonicalEventInput {
  counter += 1;
  return {
    id: `test:${type}:${counter}`, source: 'generic', type, occurred_at: occurredAt, received_at: occurredAt, schema_version: SCHEMA_VERSION,
    raw: { delivery_id: `d${counter}`, event: type }, data,
  } as CanonicalEventInput;
}
