import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DELIVERY_HEADER, defaultNormaliseContext, encodeEvent, encodeRaw, InProcessBus, RECEIVED_AT_HEADER, WebhookReceiver } from '@paved/ingest';
import { CanonicalEvent } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Sink } from '../src/sink.js';
import { migrate, Warehouse } from '@paved/warehouse';
import { event } from '../../test/harness.js';

/*
 * Idempotency across restarts (issue 15): a delivery id seen before, in any process life, is
 * acknowledged and changes nothing, whatever the new body. Each "process life" below opens the
 * same data directory afresh (warehouse, journal) with a new receiver, bus and sink.
 */
const SECRET = 'restart-secret';
// chdb holds one data directory per process: every test's process lives share this one, with their own ids.
let dataDir: string;
beforeAll(() => { dataDir = mkdtempSync(join(tmpdir(), 'paved-restart-')); });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Life {
  send: (deliveryId: string, payload: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;
  warehouse: Warehouse;
  bus: InProcessBus;
  sink: Sink;
  stop: () => Promise<void>;
}

/** One process life on `dataDir`: embedded warehouse, in-process bus (journaled unless `journal` is false, as a stateless ingest in front of Kafka), sink, receiver. */
async function life(journal: 'journal' | 'no journal'): Promise<Life> {
  const warehouse = await Warehouse.open({ dataDir, command: 'vitest' });
  await migrate(warehouse);
  const bus = new InProcessBus(journal === 'journal' ? { journalDir: join(dataDir, 'bus') } : {});
  const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {} });
  await sink.start();
  const receiver = new WebhookReceiver({ bus, secrets: { GITHUB_WEBHOOK_SECRET: SECRET }, context: defaultNormaliseContext });
  const server: Server = createServer((req, res) => void receiver.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    warehouse, bus, sink,
    send: async (deliveryId, payload) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${base}/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json', 'x-github-event': 'deployment_status', 'x-github-delivery': deliveryId,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      const answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
      await bus.drained(10_000);
      return answer;
    },
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      await sink.stop();
      await bus.close();
      await warehouse.close();
    },
  };
}

const deploymentStatus = (repo: string, id: number, state: string) => ({
  action: 'created', repository: { full_name: repo, name: repo.split('/')[1] },
  deployment: { id, sha: 'a'.repeat(40), environment: 'production', created_at: '2026-03-02T10:00:00Z' },
  deployment_status: { id: id * 10, state, created_at: '2026-03-02T10:05:00Z', updated_at: '2026-03-02T10:05:00Z' },
});

/** What the warehouse holds of one repository's deliveries (count() without FINAL: a second row shows even before a merge). */
async function stored(warehouse: Warehouse, repo: string): Promise<{ raw: number; statuses: { id: string; state: string }[] }> {
  const [raw] = await warehouse.query('SELECT count() AS n FROM {{db}}.raw_deliveries WHERE position(payload, {repo:String}) > 0', { repo: `"${repo}"` }, z.object({ n: z.coerce.number() }));
  const statuses = await warehouse.query('SELECT id, status AS state FROM {{db}}.deployment_statuses WHERE repo = {repo:String} ORDER BY id', { repo }, z.object({ id: z.string(), state: z.string() }));
  return { raw: raw!.n, statuses };
}

describe('a delivery id seen before a restart', () => {
  it('embedded (journaled bus): the redelivery with another body is acknowledged as a duplicate and changes nothing', async () => {
    const first = await life('journal');
    try {
      expect((await first.send('embedded-1', deploymentStatus('acme/shop', 7, 'success'))).status).toBe(202);
    } finally {
      await first.stop();
    }
    const second = await life('journal');
    try {
      const before = await stored(second.warehouse, 'acme/shop');
      expect(before).toEqual({ raw: 1, statuses: [{ id: 'github:acme/shop:7', state: 'success' }] });
      const answer = await second.send('embedded-1', deploymentStatus('acme/shop', 8, 'failure'));
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ accepted: true, duplicate: true, events: 0 });
      expect(await stored(second.warehouse, 'acme/shop')).toEqual(before);
      // A new id is still taken.
      expect((await second.send('embedded-2', deploymentStatus('acme/shop', 9, 'success'))).body.duplicate).toBe(false);
      expect((await stored(second.warehouse, 'acme/shop')).raw).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('a bus that remembers nothing (as `paved ingest` in front of Kafka): acknowledged, and the sink drops it, so nothing changes', async () => {
    const first = await life('no journal');
    try {
      expect((await first.send('stateless-1', deploymentStatus('acme/api', 7, 'success'))).status).toBe(202);
    } finally {
      await first.stop();
    }
    const second = await life('no journal');
    try {
      const before = await stored(second.warehouse, 'acme/api');
      expect(before).toEqual({ raw: 1, statuses: [{ id: 'github:acme/api:7', state: 'success' }] });
      expect((await second.send('stateless-1', deploymentStatus('acme/api', 8, 'failure'))).status).toBe(202);
      expect(await stored(second.warehouse, 'acme/api')).toEqual(before);
      expect(second.sink.stats.laterCopiesDropped).toBe(2); // its raw record and its event
    } finally {
      await second.stop();
    }
  });

  it('the sink keeps the copy received first when both reach it in one batch, and records without delivery headers are never dropped', async () => {
    const warehouse = await Warehouse.open({ dataDir, command: 'vitest' });
    await migrate(warehouse);
    const bus = new InProcessBus();
    const raw = (receivedAt: string, payload: string) => {
      const record = encodeRaw({ source: 'github', delivery_id: 'same', event: 'ping', received_at: receivedAt, payload, outcome: 'ignored', reason: '' });
      record.headers = { ...record.headers, [DELIVERY_HEADER]: 'github:same', [RECEIVED_AT_HEADER]: receivedAt };
      return record;
    };
    // The later copy is published first: arrival order on the bus does not decide, reception time does.
    await bus.publish([raw('2026-03-02T10:00:01.000Z', 'later'), raw('2026-03-02T10:00:00.000Z', 'first')]);
    await bus.publish([encodeEvent(CanonicalEvent.parse(event('catalog_entity', { service: 'shop', team: 'payments', repo: 'acme/shop', updated_at: '2026-03-02T10:00:00.000Z' })))]);
    const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {} });
    await sink.start();
    await bus.drained(10_000);
    const payloads = await warehouse.query("SELECT payload FROM {{db}}.raw_deliveries WHERE delivery_id = 'same'", {}, z.object({ payload: z.string() }));
    expect(payloads).toEqual([{ payload: 'first' }]);
    expect(sink.stats.laterCopiesDropped).toBe(1);
    const [catalog] = await warehouse.query("SELECT count() AS n FROM {{db}}.catalog_entities WHERE service = 'shop'", {}, z.object({ n: z.coerce.number() }));
    expect(catalog!.n).toBe(1);
    await sink.stop();
    await bus.close();
    await warehouse.close();
  });
});
