import { type Delivery, defaultNormaliseContext, receiveDelivery } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { archivedPayload, replayRawDeliveries } from '@paved/pipeline';
import { openTestWarehouse } from './harness.js';

const TABLES = ['raw_deliveries', 'commits', 'pushes', 'pull_requests', 'reviews', 'deployment_statuses', 'incident_updates', 'dead_letters'];

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
beforeAll(async () => { env = await openTestWarehouse(); }, 60_000);
afterAll(async () => env?.close());

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    await env.warehouse.command(`OPTIMIZE TABLE {{db}}.${table} FINAL`);
    const [row] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.${table}`, {}, z.object({ n: z.coerce.number() }));
    out[table] = row!.n;
  }
  return out;
}

const repository = { full_name: 'acme/payments-api', name: 'payments-api' };
const outage: Delivery = {
  source: 'github', event: 'issues', deliveryId: 'd-outage-1', receivedAt: '2026-02-03T10:00:00.000Z',
  payload: {
    action: 'closed', repository,
    issue: {
      number: 77, title: 'Checkout down', labels: [{ name: 'outage' }, { name: 'sev1' }], state: 'closed', body: 'deployment: github:acme/payments-api:9',
      created_at: '2026-02-03T09:00:00Z', updated_at: '2026-02-03T10:00:00Z', closed_at: '2026-02-03T10:00:00Z', html_url: 'https://github.com/acme/payments-api/issues/77',
    },
  },
};
const deployment: Delivery = {
  source: 'github', event: 'deployment_status', deliveryId: 'd-deploy-9', receivedAt: '2026-02-03T08:30:00.000Z',
  payload: {
    action: 'created', repository,
    deployment: { id: 9, sha: 'a'.repeat(40), ref: 'main', environment: 'production', created_at: '2026-02-03T08:20:00Z' },
    deployment_status: { id: 91, state: 'success', created_at: '2026-02-03T08:30:00Z', updated_at: '2026-02-03T08:30:00Z' },
  },
};
const push: Delivery = {
  source: 'github', event: 'push', deliveryId: 'd-push-1', receivedAt: '2026-02-03T08:00:00.000Z',
  payload: {
    ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40), repository,
    commits: [{ id: 'a'.repeat(40), message: 'ship it', timestamp: '2026-02-03T07:00:00Z', author: { name: 'Ana', email: 'ana@acme.test', username: 'ana' } }],
  },
};

describe('paved replay', () => {
  it('re-normalises the archive with the current settings: an issue ignored under the old incident label becomes an incident', async () => {
    for (const delivery of [push, deployment, outage]) {
      await receiveDelivery(delivery, JSON.stringify(delivery.payload), env.bus, defaultNormaliseContext);
    }
    await env.bus.drained();
    const before = await counts();
    expect(before).toMatchObject({ raw_deliveries: 3, incident_updates: 0, deployment_statuses: 1, commits: 1, pushes: 1 });
    const [archived] = await env.warehouse.query(`SELECT outcome FROM {{db}}.raw_deliveries FINAL WHERE delivery_id = 'd-outage-1'`, {}, z.object({ outcome: z.string() }));
    expect(archived?.outcome).toBe('ignored');

    const progress: [number, number][] = [];
    const report = await replayRawDeliveries(env.warehouse, env.bus, { ...defaultNormaliseContext, incidentLabel: 'Outage' }, { pageSize: 2 }, (done, total) => progress.push([done, total]));
    await env.bus.drained();
    expect(report).toMatchObject({ deliveries: 3, ok: 3, ignored: 0, deadLettered: 0, changedOutcome: 1, events: 4 });
    expect(progress.at(-1)).toEqual([3, 3]);

    const after = await counts();
    expect(after).toEqual({ ...before, incident_updates: 1 });
    const incidents = await env.warehouse.query(`SELECT id, severity, status FROM {{db}}.incident_updates FINAL`, {}, z.object({ id: z.string(), severity: z.string(), status: z.string() }));
    expect(incidents).toEqual([{ id: 'github:acme/payments-api#77', severity: 'critical', status: 'resolved' }]);

    await runTransform(env.warehouse, defaultMetricSettings);
    const linked = await env.warehouse.query(`SELECT id, linked_deployment_ids FROM {{db}}.t_incidents`, {}, z.object({ id: z.string(), linked_deployment_ids: z.array(z.string()) }));
    expect(linked).toEqual([{ id: 'github:acme/payments-api#77', linked_deployment_ids: ['github:acme/payments-api:9'] }]);
  });

  it('replaying twice changes no counts (same event ids, same rows)', async () => {
    const before = await counts();
    await replayRawDeliveries(env.warehouse, env.bus, { ...defaultNormaliseContext, incidentLabel: 'outage' });
    await env.bus.drained();
    expect(await counts()).toEqual(before);
  });

  it('--from and --source narrow what is replayed', async () => {
    const from = await replayRawDeliveries(env.warehouse, env.bus, defaultNormaliseContext, { from: '2026-02-03T08:15:00Z' });
    expect(from.deliveries).toBe(2);
    const other = await replayRawDeliveries(env.warehouse, env.bus, defaultNormaliseContext, { source: 'pagerduty' });
    expect(other.deliveries).toBe(0);
    await expect(replayRawDeliveries(env.warehouse, env.bus, defaultNormaliseContext, { from: 'yesterday' })).rejects.toThrow(/--from "yesterday" is not a date/);
    await env.bus.drained();
  });

  it('reads GitHub form-encoded bodies from the archive', () => {
    expect(archivedPayload(`payload=${encodeURIComponent('{"zen":"ok"}')}`)).toEqual({ zen: 'ok' });
    expect(archivedPayload('{"a":1}')).toEqual({ a: 1 });
    expect(archivedPayload('not json')).toBeUndefined();
  });
});
