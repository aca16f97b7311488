import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptionMetrics } from '../src/metrics/adoption.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

// Paved's history starts with the first production deployment it saw: 2026-03-02 10:00 (service "legacy").
let env: Awaited<ReturnType<typeof openTestWarehouse>>;

const legacy = new HistoryBuilder('acme/legacy');
legacy.service('legacy', 'core', { template: 'node-service', createdAt: '2024-06-01T09:00' });
legacy.push('2026-03-02T09:00', [['l-c1', '2026-03-02T08:00']]);
legacy.deploy('legacy-d1', 'l-c1', '2026-03-02T10:00');

const fresh = new HistoryBuilder('acme/fresh');
fresh.service('fresh', 'core', { template: 'node-service', createdAt: '2026-03-03T10:00' });
fresh.push('2026-03-04T09:00', [['f-c1', '2026-03-04T08:00']]);
fresh.deploy('fresh-d1', 'f-c1', '2026-03-04T10:00');

const handmade = new HistoryBuilder('acme/handmade');
handmade.service('handmade', 'edge', { createdAt: '2026-03-03T00:00' });
handmade.push('2026-03-04T23:00', [['h-c1', '2026-03-04T22:00']]);
handmade.deploy('handmade-d1', 'h-c1', '2026-03-05T00:00');
handmade.push('2026-03-05T23:00', [['h-c2', '2026-03-05T22:00']]);
handmade.deploy('handmade-d2', 'h-c2', '2026-03-06T00:00');

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([legacy, fresh, handmade].flatMap((h) => h.events));
  await runTransform(env.warehouse, defaultMetricSettings);
});
afterAll(async () => env?.close());

describe('platform adoption', () => {
  it('shares of services and deployments on the golden path', async () => {
    const result = await adoptionMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09' });
    expect(result.headline).toMatchObject({ services: 3, goldenServices: 2, deployments: 4, goldenDeploymentShare: 0.5 });
    expect(result.comparison.goldenPath.deploymentFrequency.deployments).toBe(2);
    expect(result.comparison.other.deploymentFrequency.deployments).toBe(2);
  });

  it('time to first production deployment leaves out services created before the history starts', async () => {
    const result = await adoptionMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09' });
    // fresh: created 03-03 10:00, first deployed 03-04 10:00 = 24 h; handmade: 03-03 00:00 → 03-05 00:00 = 48 h.
    // legacy was created in 2024: its first deployment predates what Paved saw, so it is counted apart.
    expect(result.timeToFirstDeployment).toEqual([
      { golden_path: true, services: 1, p50_hours: 24, before_history: 1 },
      { golden_path: false, services: 1, p50_hours: 48, before_history: 0 },
    ]);
  });

  it('per team', async () => {
    const result = await adoptionMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-09', team: 'edge' });
    expect(result.headline).toMatchObject({ services: 1, goldenServices: 0, deployments: 2 });
    expect(result.timeToFirstDeployment).toEqual([{ golden_path: false, services: 1, p50_hours: 48, before_history: 0 }]);
  });
});
