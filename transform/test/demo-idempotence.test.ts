import { defaultNormaliseContext, loadDemo } from '@paved/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { doraMetrics } from '../src/metrics/dora.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { openTestWarehouse } from './harness.js';

const TABLES = ['raw_deliveries', 'commits', 'pushes', 'pull_requests', 'reviews', 'deployment_statuses', 'incident_updates', 'catalog_entities', 'adoption_events', 'survey_definitions', 'survey_responses', 'dead_letters'];
const DEMO = { scale: 'small' as const, seed: 7, until: new Date('2026-06-01T00:00:00Z') };

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
beforeAll(async () => { env = await openTestWarehouse(); }, 60_000);
afterAll(async () => env?.close());

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    // Every row after merges: FINAL collapses redeliveries, OPTIMIZE makes it physical.
    await env.warehouse.command(`OPTIMIZE TABLE {{db}}.${table} FINAL`);
    const [row] = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.${table}`, {}, z.object({ n: z.coerce.number() }));
    out[table] = row!.n;
  }
  return out;
}

describe('demo organisation', () => {
  it('enters through the ingestion path, and loading it twice does not duplicate a single row', async () => {
    const first = await loadDemo(env.bus, DEMO, defaultNormaliseContext);
    await env.bus.drained();
    expect(first.deadLettered).toBe(0);
    const once = await counts();
    expect(once.raw_deliveries).toBe(first.deliveries);
    expect(once.deployment_statuses).toBeGreaterThan(100);
    await runTransform(env.warehouse, defaultMetricSettings);
    const metricsOnce = await doraMetrics(env.warehouse, { from: '2026-03-01', to: '2026-06-01' });

    await loadDemo(env.bus, DEMO, defaultNormaliseContext);
    await env.bus.drained();
    expect(await counts()).toEqual(once);
    await runTransform(env.warehouse, defaultMetricSettings);
    expect(await doraMetrics(env.warehouse, { from: '2026-03-01', to: '2026-06-01' })).toEqual(metricsOnce);
    expect(metricsOnce.deploymentFrequency.deployments).toBeGreaterThan(50);
    expect(metricsOnce.changeFailureRate.rate).toBeLessThan(0.5);
  }, 120_000);
});
