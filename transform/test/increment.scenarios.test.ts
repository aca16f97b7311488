import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, InProcessBus } from '@paved/ingest';
import { CanonicalEvent, type CanonicalEventInput } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changesOfRows, emptyChanges, mergeChanges, runIncrement } from '../src/metrics/increment.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { Sink } from '@paved/pipeline';
import { migrate, Warehouse } from '@paved/warehouse';
import { HistoryBuilder, sha } from './history.js';

/*
 * Hand-built cases where what a batch changes reaches beyond the services it names (the random
 * histories of increment.equivalence.test.ts meet them only rarely). Each lands a first batch,
 * builds, lands a second batch, applies it as an increment, and compares the failure links with a
 * full rebuild.
 */

let warehouse: Warehouse;
let bus: InProcessBus;
let sink: Sink;
let dir: string;
let landed = emptyChanges();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-increment-scenarios-'));
  warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest' });
  await migrate(warehouse);
  bus = new InProcessBus();
  sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {}, onLanded: (rows) => mergeChanges(landed, changesOfRows(rows)) });
  await sink.start();
}, 60_000);
afterAll(async () => {
  await sink?.stop();
  await bus?.close();
  await warehouse?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function ingest(events: CanonicalEventInput[]): Promise<void> {
  await bus.publish(events.map((e) => encodeEvent(CanonicalEvent.parse(e))));
  await bus.drained();
}

const Link = z.object({ deployment_id: z.string(), service: z.string(), method: z.string(), incident_id: z.string().nullable() });
const links = () => warehouse.query('SELECT deployment_id, service, method, incident_id FROM {{db}}.t_failure_links ORDER BY deployment_id, method, incident_id', {}, Link);

async function twoBatches(first: HistoryBuilder[], second: HistoryBuilder[]) {
  await ingest(first.flatMap((h) => h.events.splice(0)));
  await runTransform(warehouse, defaultMetricSettings);
  landed = emptyChanges();
  await ingest(second.flatMap((h) => h.events.splice(0)));
  const report = await runIncrement(warehouse, defaultMetricSettings, landed, { maxServiceShare: 1 });
  expect(report.kind).toBe('increment');
  const incremental = await links();
  await runTransform(warehouse, defaultMetricSettings);
  return { incremental, full: await links() };
}

describe('an increment relinks services the batch does not name', () => {
  it('a deployment that arrives after the incident naming it: the incident stops being inferred on its own service', async () => {
    const checkout = new HistoryBuilder('acme/checkout');
    const payments = new HistoryBuilder('acme/payments');
    checkout.service('checkout', 'shop');
    payments.service('payments', 'shop');
    checkout.push('2026-03-02T08:00', [['ck-1', '2026-03-02T07:00']]);
    checkout.deploy('ck-d1', 'ck-1', '2026-03-02T10:00');
    // Opened 1 h after checkout's deployment; names a payments deployment Paved has not received yet.
    checkout.incident('inc-late', '2026-03-02T11:00', { service: 'checkout', deploymentIds: ['pay-d1'] });
    const late = new HistoryBuilder('acme/payments');
    late.push('2026-03-02T08:30', [['pay-1', '2026-03-02T08:00']]);
    late.deploy('pay-d1', 'pay-1', '2026-03-02T09:00');
    const { incremental, full } = await twoBatches([checkout, payments], [late]);
    expect(full.map((l) => `${l.deployment_id}:${l.method}`)).toEqual(['pay-d1:explicit']);
    expect(incremental).toEqual(full);
  });

  it('a later deployment of the same commit in another service takes over an incident naming the commit', async () => {
    const web = new HistoryBuilder('acme/web');
    web.service('web', 'shop');
    web.push('2026-03-03T08:00', [['web-1', '2026-03-03T07:00']]);
    web.deploy('web-d1', 'web-1', '2026-03-03T09:00');
    // Names the commit by a sha prefix: the latest production deployment of it before the incident opened.
    web.incident('inc-sha', '2026-03-03T12:00', { service: 'web', deploymentIds: [sha('web-1').slice(0, 10)] });
    const edge = new HistoryBuilder('acme/web');
    edge.deploy('edge-d1', 'web-1', '2026-03-03T10:00', { service: 'edge' });
    const { incremental, full } = await twoBatches([web], [edge]);
    expect(full.filter((l) => l.incident_id === 'inc-sha').map((l) => l.deployment_id)).toEqual(['edge-d1']);
    expect(incremental).toEqual(full);
  });
});
