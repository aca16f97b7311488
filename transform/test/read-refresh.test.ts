import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { doraMetrics } from '../src/metrics/dora.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { TransformSchedule } from '../src/schedule.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

/*
 * Refresh-ahead (ReadCache.refresh, called by TransformSchedule after each run): a scope read before
 * a transform is read again right after it, so the next read of it is a hit, and it already holds
 * what the transform changed (here: one more deployment).
 */
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
let schedule: TransformSchedule;
const query = { from: '2026-03-02', to: '2026-03-16', team: 'core' };

beforeAll(async () => {
  env = await openTestWarehouse();
  env.warehouse.enableReadCache({ maxAgeMs: 600_000 });
  schedule = new TransformSchedule(env.warehouse, defaultMetricSettings, '0 0 1 1 *', () => {});
  const shop = new HistoryBuilder('acme/shop');
  shop.service('shop', 'core');
  shop.push('2026-03-02T09:00', [['c1', '2026-03-02T06:00']]);
  shop.deploy('d1', 'c1', '2026-03-02T10:00');
  await env.ingest(shop.events);
  await schedule.runNow();
}, 120_000);
afterAll(async () => {
  await schedule?.stop();
  await env?.close();
});

describe('after a transform, what was being read is read again', () => {
  it('the next read of a scope read before is a hit holding the new numbers', async () => {
    const cache = env.warehouse.readCache!;
    expect((await doraMetrics(env.warehouse, query)).deploymentFrequency.deployments).toBe(1);
    const more = new HistoryBuilder('acme/shop');
    more.push('2026-03-03T09:00', [['c2', '2026-03-03T06:00']]);
    more.deploy('d2', 'c2', '2026-03-03T10:00');
    await env.ingest(more.events);
    const refreshed = cache.refreshed;
    await schedule.runNow();
    // The schedule reads it again in the background (nothing here asks it to).
    await vi.waitFor(() => expect(cache.refreshed).toBeGreaterThan(refreshed), { timeout: 10_000, interval: 20 });
    // Then wait for the rest of it (a refresh asked for while one runs is that one; after it, one that finds nothing stale).
    await cache.refresh();
    const { hits, misses } = cache;
    expect((await doraMetrics(env.warehouse, query)).deploymentFrequency.deployments).toBe(2);
    expect(cache.misses - misses).toBe(0);
    expect(cache.hits - hits).toBeGreaterThan(0);
  });
});
