/**
 * pnpm bench:scale — what the metric queries cost as history grows: the derived rows of the loaded
 * demo (BENCH_SCALE, default large, loaded by `pnpm bench:metrics` into .paved/bench-<scale>)
 * copied at each multiple in BENCH_MULTIPLES (default "1,3,10"; scale-copies.ts: ids shifted, same
 * services, teams and times), and for each: the rows and their size on disk, and p50/p95 of the
 * DORA query (one team over 90 days, the organisation over a year), the weekly series and the
 * service ranking, without the result cache (a first read). BENCH_ITERATIONS (default 15).
 * The engine runs with PAVED_EMBEDDED_MEMORY_MB (default 4096 here, as for a large history).
 * Writes test-artifacts/bench-scale-<scale>.json.
 *
 * To stand in for the large demo from a smaller one, give the multiples of that one: the large
 * demo's derived rows are about 23 × the medium demo's (800 developers over 24 months at 2.2 × the
 * pace, against 150 over 12), so BENCH_SCALE=medium BENCH_MULTIPLES=23,69,230 is 1×, 3× and 10× large.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { doraMetrics, doraSeries, ranking } from '@paved/transform';
import { migrate, Warehouse } from '@paved/warehouse';
import { z } from 'zod';
import { percentile } from './percentile.js';
import { COPIED_TABLES, copyDerivedRows, DAY_MS, isoDay } from './scale-copies.js';

const scale = process.env.BENCH_SCALE ?? 'large';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? `.paved/bench-${scale}`);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 15);
const multiples = (process.env.BENCH_MULTIPLES ?? '1,3,10').split(',').map((s) => Number(s.trim()));
if (multiples.some((m) => !Number.isInteger(m) || m < 1)) throw new Error(`BENCH_MULTIPLES must list whole numbers ≥ 1 (got "${process.env.BENCH_MULTIPLES}")`);
if (!existsSync(join(dataDir, 'clickhouse'))) {
  console.error(`no warehouse at ${dataDir}: load it first with \`BENCH_SCALE=${scale} pnpm bench:metrics\``);
  process.exit(1);
}
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const loadStart = load();
const log = (line: string) => console.log(line);

// The engine's ceiling as a node sized for this much history would set it (PAVED_EMBEDDED_MEMORY_MB, default 4096 here).
const memoryMb = Number(process.env.PAVED_EMBEDDED_MEMORY_MB ?? 4096);
const warehouse = await Warehouse.open({ dataDir, command: 'pnpm bench:scale', memoryMb });
await migrate(warehouse);
const [{ last }] = await warehouse.query('SELECT toString(toDate(max(deployed_at))) AS last FROM {{db}}.t_deployment_facts', {}, z.object({ last: z.string() })) as [{ last: string }];
const to = isoDay(Date.parse(`${last}T00:00:00Z`) + DAY_MS);
const teamFrom = isoDay(Date.parse(`${to}T00:00:00Z`) - 90 * DAY_MS);
const yearFrom = isoDay(Date.parse(`${to}T00:00:00Z`) - 365 * DAY_MS);
const [busiest] = await warehouse.query(
  `SELECT team AS t FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} GROUP BY team ORDER BY count() DESC, team LIMIT 1`,
  { from: `${teamFrom} 00:00:00.000` }, z.object({ t: z.string() }),
);
const team = busiest!.t;
log(`${dataDir}: last deployment ${last}; team "${team}"; multiples ${multiples.join(', ')}`);

async function time(run: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return { p50: Number(percentile(samples, 0.5).toFixed(1)), p95: Number(percentile(samples, 0.95).toFixed(1)), max: Number(Math.max(...samples).toFixed(1)) };
}

const Size = z.object({ table: z.string(), rows: z.coerce.number(), bytes: z.coerce.number() });
const results = [];
for (const multiple of multiples) {
  const copy = await copyDerivedRows(warehouse, multiple, log);
  const view = warehouse.withDatabase(copy.database);
  const sizes = await warehouse.query(
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = {db:String} AND table IN {tables:Array(String)} GROUP BY table`,
    { db: copy.database, tables: COPIED_TABLES.map((t) => t.table) }, Size,
  );
  const rssBefore = process.memoryUsage().rss;
  const queries = {
    doraTeam90: await time(() => doraMetrics(view, { from: teamFrom, to, team })),
    doraOrg1y: await time(() => doraMetrics(view, { from: yearFrom, to })),
    seriesTeam90: await time(() => doraSeries(view, { from: teamFrom, to, team })),
    rankingOrg90: await time(() => ranking(view, { from: teamFrom, to }, 'service')),
  };
  const result = { multiple, database: copy.database, rows: copy.rows, sizes, queries, rssMb: Math.round(Math.max(rssBefore, process.memoryUsage().rss) / 1024 / 1024), loadavg: load() };
  results.push(result);
  log(`${multiple}×: ${copy.rows.t_deployment_facts} deployment facts, ${copy.rows.t_changes} changes, ${(sizes.reduce((s, r) => s + r.bytes, 0) / 1024 ** 2).toFixed(0)} MB on disk; `
    + Object.entries(queries).map(([k, v]) => `${k} ${v.p50} / ${v.p95} ms`).join(', ') + `; load ${result.loadavg.join(' ')}`);
}

const report = {
  scale, dataDir, team, iterations, memoryMb, window: { team: { from: teamFrom, to }, organisation: { from: yearFrom, to } },
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
  loadavg: { start: loadStart, end: load() }, results, at: new Date().toISOString(),
};
mkdirSync('test-artifacts', { recursive: true });
const out = join('test-artifacts', `bench-scale-${scale}.json`);
writeFileSync(out, JSON.stringify(report, null, 2));
console.log(`\n| multiple | deployment facts | changes | on disk | DORA team 90 d p50 / p95 | DORA org 1 y | weekly series team | ranking org 90 d |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const c = (q: { p50: number; p95: number }) => `${q.p50} / ${q.p95}`;
  console.log(`| ${r.multiple}× | ${r.rows.t_deployment_facts} | ${r.rows.t_changes} | ${(r.sizes.reduce((s, x) => s + x.bytes, 0) / 1024 ** 2).toFixed(0)} MB | ${c(r.queries.doraTeam90)} | ${c(r.queries.doraOrg1y)} | ${c(r.queries.seriesTeam90)} | ${c(r.queries.rankingOrg90)} |`);
}
console.log(`\nms, ${iterations} rounds each, no result cache; load average ${report.loadavg.start.join(' ')} at the start, ${report.loadavg.end.join(' ')} at the end; written to ${out}`);
await warehouse.close();
