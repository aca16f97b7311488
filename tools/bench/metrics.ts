/**
 * pnpm bench:metrics — DORA query latency on the embedded warehouse at large demo scale.
 * Loads the large demo once into BENCH_DATA_DIR (default .paved/bench-large; several minutes),
 * then times the dora query for one team over 90 days and for the whole organisation over a year.
 * Target: p95 under 300 ms for the team query.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_SHARED_PATHS, defaultNormaliseContext, loadDemo } from '@paved/ingest';
import { defaultMetricSettings, doraMetrics, doraSeries, ranking, runTransform } from '@paved/transform';
import { migrate, Warehouse } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { progress } from 'paved';
import { z } from 'zod';
import { BulkLoadBus } from './bulk-bus.js';
import { percentile } from './percentile.js';

const scale = (process.env.BENCH_SCALE ?? 'large') as 'small' | 'medium' | 'large';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? `.paved/bench-${scale}`);
const until = new Date('2026-11-23T00:00:00Z');
const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function time(label: string, run: () => Promise<unknown>, n: number) {
  await run(); // cold
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  const result = { label, n, p50: Math.round(percentile(samples, 0.5)), p95: Math.round(percentile(samples, 0.95)), max: Math.round(Math.max(...samples)) };
  console.log(`${label}: p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms (n=${n})`);
  return result;
}

const warehouse = await Warehouse.open({ dataDir, command: 'pnpm bench:metrics' });
await migrate(warehouse);
const Count = z.object({ n: z.coerce.number() });
const [existing] = await warehouse.query('SELECT count() AS n FROM {{db}}.deployment_statuses', {}, Count);
let load: Record<string, unknown> | null = null;
if ((existing?.n ?? 0) === 0) {
  // Same receive → normalise → validate → rows path as production, fed to the sink in 100k batches.
  const skipRaw = process.env.BENCH_KEEP_RAW !== '1';
  console.log(`loading the ${scale} demo into ${dataDir} (once; later runs reuse it)${skipRaw ? '; raw archive skipped (BENCH_KEEP_RAW=1 keeps it)' : ''}`);
  const bus = new BulkLoadBus({ batchSize: 100_000, skipRaw });
  bus.attach(new Sink(warehouse, bus, { log: () => {} }));
  const bar = progress(`demo ${scale}`, 1);
  const report = await loadDemo(bus, { scale, seed: 42, until }, defaultNormaliseContext, (done, total) => { bar.setTotal(total); bar.update(done); });
  await bus.close();
  bar.stop(`loaded ${report.deliveries} deliveries (${bus.events} canonical events) in ${Math.round(report.ms / 1000)} s`);
  const transform = await runTransform(warehouse, { ...defaultMetricSettings, sharedPaths: DEMO_SHARED_PATHS.map((s) => ({ repo: null, path: s.path })) });
  console.log(`transform: ${transform.totalMs} ms`, transform.steps);
  load = { deliveries: report.deliveries, canonicalEvents: bus.events, skippedRaw: bus.skippedRaw, loadMs: report.ms, transformMs: transform.totalMs, transformSteps: transform.steps };
}
const tables = ['commits', 'pushes', 'pull_requests', 'reviews', 'deployment_statuses', 'incident_updates'];
let events = 0;
for (const table of tables) events += (await warehouse.query(`SELECT count() AS n FROM {{db}}.${table}`, {}, Count))[0]!.n;
const [teamRow] = await warehouse.query(`SELECT team AS t, count() AS n FROM {{db}}.t_deployment_facts GROUP BY team ORDER BY n DESC LIMIT 1`, {}, z.object({ t: z.string(), n: z.coerce.number() }));
const team = teamRow!.t;
console.log(`warehouse: ${events} canonical entity rows; benchmarking team "${team}"`);

const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
const results = [
  await time('dora, one team, 90 days', () => doraMetrics(warehouse, { from: '2026-08-25', to: '2026-11-23', team }), iterations),
  await time('dora, organisation, 1 year', () => doraMetrics(warehouse, { from: '2025-11-23', to: '2026-11-23' }), Math.max(5, Math.round(iterations / 3))),
  await time('weekly series, one team, 90 days', () => doraSeries(warehouse, { from: '2026-08-25', to: '2026-11-23', team }), iterations),
  await time('service ranking, organisation, 90 days', () => ranking(warehouse, { from: '2026-08-25', to: '2026-11-23' }, 'service'), Math.max(5, Math.round(iterations / 3))),
];
clearInterval(sampler);
const report = { scale, dataDir, canonicalRows: events, load, results, memory: { rssBeforeMb: mb(rssBefore), peakRssMb: mb(peakRss) }, loadavg: loadavg(), at: new Date().toISOString() };
console.log(`memory: RSS ${mb(rssBefore)} MB before, peak ${mb(peakRss)} MB during queries; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
mkdirSync('test-artifacts', { recursive: true });
writeFileSync(join('test-artifacts', `bench-metrics-${scale}.json`), JSON.stringify(report, null, 2));
await warehouse.close();
