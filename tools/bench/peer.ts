/**
 * pnpm bench:peer — Paved beside PostgreSQL on the same derived rows, in one interleaved run.
 *
 * Reads the warehouse `pnpm bench:metrics` loaded (BENCH_SCALE, default large, into
 * .paved/bench-<scale>; BENCH_DATA_DIR to point elsewhere), exports the rows the DORA query reads
 * (deployment facts, changes, incidents, the service catalog's inputs) into PostgreSQL
 * (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; skipped with a message when
 * none answers), at 1× and at each further multiple in BENCH_MULTIPLES (default "1,10": the rows
 * copied with shifted ids, on both sides), then for each query (one team over 90 days, the
 * organisation over a year):
 *   - checks that Paved's answer (DoraResult) and the answer computed from PostgreSQL's rows by the
 *     same code (doraResultOf) are identical, and that the HTTP API answers the same JSON;
 *   - times, interleaved round by round (BENCH_ITERATIONS, default 30): PostgreSQL (both statements,
 *     prepared, on two pooled connections, as Paved runs its two statements side by side); Paved
 *     direct (doraMetrics without the result cache: what a first read costs); Paved through
 *     GET /api/v1/metrics/dora with the result cache warm (a repeated read) and cold (cleared before
 *     each request: the first read after a transform).
 * The API is served in this process by the built dashboard (PAVED_DASHBOARD_DIST, default
 * .next-bench; built when missing) behind the same front door as `paved start`; BENCH_HTTP=off
 * leaves it out. Writes test-artifacts/bench-peer-<scale>.json and prints the table.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type DoraQuery, type DoraRow, doraMetrics, doraResultOf, type PerServiceRow } from '@paved/transform';
import { currentRuntime, loadConfig, publicOriginsOf, registerRuntime } from '@paved/runtime';
import { migrate, Warehouse } from '@paved/warehouse';
import { buildDashboard, dashboardBuilt, dashboardHandler, frontDoor } from 'paved';
import pg from 'pg';
import { z } from 'zod';
import { percentile } from './percentile.js';
import { copyDerivedRows, DAY_MS, isoDay } from './scale-copies.js';

const scale = process.env.BENCH_SCALE ?? 'large';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? `.paved/bench-${scale}`);
const pgUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
const multiples = (process.env.BENCH_MULTIPLES ?? '1,10').split(',').map((s) => Number(s.trim()));
const withHttp = process.env.BENCH_HTTP !== 'off';
process.env.PAVED_DASHBOARD_DIST ||= '.next-bench';

if (multiples.some((m) => !Number.isInteger(m) || m < 1)) throw new Error(`BENCH_MULTIPLES must list whole numbers ≥ 1 (got "${process.env.BENCH_MULTIPLES}")`);
if (!existsSync(join(dataDir, 'clickhouse'))) {
  console.error(`no warehouse at ${dataDir}: load it first with \`BENCH_SCALE=${scale} pnpm bench:metrics\` (several minutes at large scale)`);
  process.exit(1);
}

const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const loadStart = load();
const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------
// PostgreSQL: reachable or skipped

const pool = new pg.Pool({ connectionString: pgUrl, max: 2, connectionTimeoutMillis: 3_000 });
pool.on('error', () => {});
let postgres: string | null = null;
try {
  const { rows } = await pool.query<{ version: string }>('SELECT version()');
  postgres = rows[0]!.version.split(' on ')[0]!;
  await pool.query(`SET TimeZone = 'UTC'`);
} catch (error) {
  console.log(`PostgreSQL skipped: nothing answers at ${pgUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}). Set BENCH_POSTGRES_URL to a PostgreSQL to compare with; Paved alone is timed.`);
  await pool.end().catch(() => {});
}
pool.on('connect', (client) => void client.query(`SET TimeZone = 'UTC'`));

// ---------------------------------------------------------------------------------------------
// The warehouse and its copies at each multiple

const warehouse = await Warehouse.open({ dataDir, command: 'pnpm bench:peer' });
await migrate(warehouse);
const Count = z.object({ n: z.coerce.number() });
const [facts] = await warehouse.query('SELECT count() AS n FROM {{db}}.t_deployment_facts', {}, Count);
if (!facts?.n) {
  console.error(`${dataDir} holds no deployment facts: load it with \`BENCH_SCALE=${scale} pnpm bench:metrics\``);
  process.exit(1);
}
const [{ last }] = await warehouse.query('SELECT toString(toDate(max(deployed_at))) AS last FROM {{db}}.t_deployment_facts', {}, z.object({ last: z.string() })) as [{ last: string }];
const to = isoDay(Date.parse(`${last}T00:00:00Z`) + DAY_MS);
const teamFrom = isoDay(Date.parse(`${to}T00:00:00Z`) - 90 * DAY_MS);
const yearFrom = isoDay(Date.parse(`${to}T00:00:00Z`) - 365 * DAY_MS);
const [busiest] = await warehouse.query(
  `SELECT team AS t FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} GROUP BY team ORDER BY count() DESC, team LIMIT 1`,
  { from: `${teamFrom} 00:00:00.000` }, z.object({ t: z.string() }),
);
const team = busiest!.t;
const queries: { name: string; query: DoraQuery }[] = [
  { name: 'one team, 90 days', query: { from: teamFrom, to, team } },
  { name: 'organisation, 1 year', query: { from: yearFrom, to } },
];
log(`${dataDir}: ${facts.n} deployment facts, last deployment ${last}; team "${team}"; multiples ${multiples.join(', ')}`);

const copies = new Map<number, { database: string; rows: Record<string, number> }>();
for (const multiple of multiples) copies.set(multiple, await copyDerivedRows(warehouse, multiple, log));

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the same rows, indexed for the queries

const PG_TABLES: { name: string; source: string; columns: [string, string][] ; indexes: string[] }[] = [
  {
    name: 'deployment_facts',
    source: `SELECT id, service, team, golden_path, toString(deployed_at) AS deployed_at, failed, recovery_hours, rework FROM {{db}}.t_deployment_facts`,
    columns: [['id', 'text'], ['service', 'text'], ['team', 'text'], ['golden_path', 'boolean'], ['deployed_at', 'timestamp(3)'], ['failed', 'boolean'], ['recovery_hours', 'float8'], ['rework', 'boolean']],
    indexes: ['(team, deployed_at) INCLUDE (service, failed, recovery_hours, rework)', '(deployed_at) INCLUDE (team, service, failed, recovery_hours, rework)'],
  },
  {
    name: 'changes',
    source: `SELECT deployment_id, sha, service, team, golden_path, toString(deployed_at) AS deployed_at, lead_hours FROM {{db}}.t_changes`,
    columns: [['deployment_id', 'text'], ['sha', 'text'], ['service', 'text'], ['team', 'text'], ['golden_path', 'boolean'], ['deployed_at', 'timestamp(3)'], ['lead_hours', 'float8']],
    indexes: ['(team, deployed_at) INCLUDE (lead_hours)', '(deployed_at) INCLUDE (team, lead_hours)'],
  },
  {
    name: 'incidents',
    source: `SELECT id, service, team, golden_path, toString(opened_at) AS opened_at, toString(resolved_at) AS resolved_at FROM {{db}}.t_incidents`,
    columns: [['id', 'text'], ['service', 'text'], ['team', 'text'], ['golden_path', 'boolean'], ['opened_at', 'timestamp(3)'], ['resolved_at', 'timestamp(3)']],
    indexes: ['(team, opened_at) INCLUDE (resolved_at)', '(opened_at) INCLUDE (team, resolved_at)'],
  },
  {
    // The catalog's own services (catalog.ts), as its CTE reads them.
    name: 'catalog_services',
    source: `SELECT service, ifNull(team, 'unassigned') AS team, (source_template IS NOT NULL OR mapContains(annotations, 'backstage.io/source-template')) AS golden_path
             FROM {{db}}.catalog_entities FINAL WHERE ifNull(lifecycle, '') != 'deprecated'`,
    columns: [['service', 'text'], ['team', 'text'], ['golden_path', 'boolean']],
    indexes: ['(service)'],
  },
  {
    // Successful production deployments, which add the services the catalog does not name.
    name: 'production_deployments',
    source: `SELECT service, team, golden_path, toString(deployed_at) AS deployed_at FROM {{db}}.t_deployments WHERE is_production AND status = 'success' AND service != 'unknown'`,
    columns: [['service', 'text'], ['team', 'text'], ['golden_path', 'boolean'], ['deployed_at', 'timestamp(3)']],
    indexes: ['(deployed_at) INCLUDE (service, team, golden_path)'],
  },
];

const schemaOf = (multiple: number) => `paved_bench_x${multiple}`;

/** Copies the rows of `database` into the PostgreSQL schema for `multiple` (once: a marker says what it holds). */
async function exportToPostgres(multiple: number, database: string, rows: Record<string, number>): Promise<void> {
  const schema = schemaOf(multiple);
  const marker = JSON.stringify({ dataDir, rows, format: 2 });
  const existing = await pool.query<{ marker: string }>(`SELECT marker FROM ${schema}.export_marker`).catch(() => null);
  if (existing?.rows[0]?.marker === marker) {
    log(`PostgreSQL ${schema}: already holds these rows`);
    return;
  }
  const started = performance.now();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.query(`CREATE SCHEMA ${schema}`);
  const view = warehouse.withDatabase(database);
  for (const table of PG_TABLES) {
    await pool.query(`CREATE TABLE ${schema}.${table.name} (${table.columns.map(([c, t]) => `${c} ${t}`).join(', ')})`);
    const [{ n }] = await view.query(`SELECT count() AS n FROM (${table.source})`, {}, Count) as [{ n: number }];
    const chunks = Math.max(1, Math.ceil(n / 200_000));
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      // Rows by chunk of a hash of the first two columns, so no chunk holds more than about 200k rows in memory.
      // (Not cityHash64(*): over this subquery the engine answered 39 of 720 rows for `cityHash64(*) % 1 = 0`.)
      const key = table.columns.slice(0, 2).map(([c]) => `s.${c}`).join(', ');
      const part = await view.query(`SELECT * FROM (${table.source}) AS s WHERE cityHash64(${key}) % {chunks:UInt32} = {chunk:UInt32}`, { chunks, chunk }, z.record(z.string(), z.unknown()));
      const arrays = table.columns.map(([c]) => part.map((r) => r[c] ?? null));
      const unnest = table.columns.map(([, t], i) => `$${i + 1}::${t.replace('(3)', '')}[]`).join(', ');
      await pool.query(`INSERT INTO ${schema}.${table.name} SELECT * FROM unnest(${unnest})`, arrays);
    }
    for (const [i, index] of table.indexes.entries()) await pool.query(`CREATE INDEX ${table.name}_${i} ON ${schema}.${table.name} ${index}`);
  }
  // Visibility map and statistics, so PostgreSQL plans index-only scans as it would on a settled table.
  for (const table of PG_TABLES) await pool.query(`VACUUM ANALYZE ${schema}.${table.name}`);
  await pool.query(`CREATE TABLE ${schema}.export_marker (marker text)`);
  await pool.query(`INSERT INTO ${schema}.export_marker VALUES ($1)`, [marker]);
  log(`PostgreSQL ${schema}: exported ${Object.entries(rows).map(([t, c]) => `${c} ${t}`).join(', ')} in ${Math.round((performance.now() - started) / 1000)} s`);
}

if (postgres) for (const [multiple, copy] of copies) await exportToPostgres(multiple, copy.database, copy.rows);

// ---------------------------------------------------------------------------------------------
// The same two statements in PostgreSQL's SQL

const FIRST_MONDAY = `(CASE WHEN extract(isodow FROM $1::date) = 1 THEN $1::date ELSE date_trunc('week', $1::date)::date + 7 END)`;
const WEEKS = `SELECT ${FIRST_MONDAY} + 7 * n AS week FROM generate_series(0, greatest(0, ($2::date - ${FIRST_MONDAY}) / 7) - 1) AS n`;

function pgDoraSql(schema: string, scoped: boolean): string {
  const scope = scoped ? ' AND team = $3' : '';
  return `
WITH f AS (SELECT deployed_at, failed, recovery_hours, rework FROM ${schema}.deployment_facts WHERE deployed_at >= $1 AND deployed_at < $2${scope}),
weeks AS (${WEEKS}),
dd AS (SELECT date_trunc('week', deployed_at)::date AS week, count(DISTINCT deployed_at::date) AS days FROM f GROUP BY 1),
d AS (SELECT count(*) AS deployments, count(*) FILTER (WHERE failed) AS failed_deployments,
             count(*) FILTER (WHERE failed AND recovery_hours IS NOT NULL) AS recovered_failures,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY recovery_hours) FILTER (WHERE failed AND recovery_hours IS NOT NULL) AS recovery_p50,
             count(*) FILTER (WHERE rework) AS rework_deployments FROM f),
w AS (SELECT CASE WHEN count(*) = 0 THEN NULL ELSE percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(dd.days, 0)) END AS deploy_days_p50
      FROM weeks LEFT JOIN dd ON dd.week = weeks.week),
l AS (SELECT count(*) AS changes, CASE WHEN count(*) = 0 THEN ARRAY[]::float8[] ELSE percentile_cont(ARRAY[0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY lead_hours) END AS lead_quantiles
      FROM ${schema}.changes WHERE deployed_at >= $1 AND deployed_at < $2${scope} AND lead_hours > 0),
r AS (SELECT count(*) AS incidents, percentile_cont(0.5) WITHIN GROUP (ORDER BY (extract(epoch FROM resolved_at - opened_at) * 1000)::float8 / 3600000) AS restore_p50
      FROM ${schema}.incidents WHERE opened_at >= $1 AND opened_at < $2 AND resolved_at IS NOT NULL${scope})
SELECT * FROM d, w, l, r`;
}

function pgPerServiceSql(schema: string, scoped: boolean): string {
  const scope = scoped ? ' AND team = $3' : '';
  return `
WITH catalog AS (
    SELECT service, (array_agg(team ORDER BY from_catalog DESC, team))[1] AS team
    FROM (SELECT service, team, 1 AS from_catalog FROM ${schema}.catalog_services
          UNION ALL
          SELECT service, min(team), 0 FROM ${schema}.production_deployments
          WHERE deployed_at >= least($1::timestamp, $2::timestamp - interval '12 months') AND deployed_at < $2 GROUP BY service) AS u
    GROUP BY service),
weeks AS (${WEEKS}),
s AS (SELECT service FROM catalog WHERE true${scope}),
sw AS (SELECT service, date_trunc('week', deployed_at)::date AS week, count(*) AS n, count(DISTINCT deployed_at::date) AS days
       FROM ${schema}.deployment_facts WHERE deployed_at >= $1 AND deployed_at < $2${scope} GROUP BY 1, 2),
dep AS (SELECT service, sum(n) AS deployments FROM sw GROUP BY service),
days AS (SELECT s.service, percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(sw.days, 0)) AS days_p50
         FROM s CROSS JOIN weeks LEFT JOIN sw ON sw.service = s.service AND sw.week = weeks.week GROUP BY s.service),
per AS (SELECT s.service, coalesce(dep.deployments, 0) AS deployments, days.days_p50 FROM s LEFT JOIN dep ON dep.service = s.service LEFT JOIN days ON days.service = s.service)
SELECT count(*) AS services, CASE WHEN count(*) = 0 THEN NULL ELSE percentile_cont(0.5) WITHIN GROUP (ORDER BY deployments) END AS deployments_p50,
       CASE WHEN count(*) = 0 OR (SELECT count(*) FROM weeks) = 0 THEN NULL ELSE percentile_cont(0.5) WITHIN GROUP (ORDER BY days_p50) END AS deploy_days_p50
FROM per`;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

async function postgresDora(multiple: number, query: DoraQuery) {
  const schema = schemaOf(multiple);
  const scoped = Boolean(query.team);
  const params = [`${query.from} 00:00:00`, `${query.to} 00:00:00`, ...(scoped ? [query.team] : [])];
  const key = `${schema}_${scoped ? 'team' : 'org'}`;
  const [dora, perService] = await Promise.all([
    pool.query({ name: `dora_${key}`, text: pgDoraSql(schema, scoped), values: params }),
    pool.query({ name: `per_service_${key}`, text: pgPerServiceSql(schema, scoped), values: params }),
  ]);
  const d = dora.rows[0]!;
  const row: DoraRow = {
    deployments: Number(d.deployments), deploy_days_p50: num(d.deploy_days_p50), changes: Number(d.changes), lead_quantiles: (d.lead_quantiles as number[]).map(Number),
    failed_deployments: Number(d.failed_deployments), incidents: Number(d.incidents), restore_p50: num(d.restore_p50),
    recovered_failures: Number(d.recovered_failures), recovery_p50: num(d.recovery_p50), rework_deployments: Number(d.rework_deployments),
  };
  const p = perService.rows[0]!;
  const per: PerServiceRow = { services: Number(p.services), deployments_p50: num(p.deployments_p50), deploy_days_p50: num(p.deploy_days_p50) };
  return doraResultOf(query, row, per, '2023');
}

// ---------------------------------------------------------------------------------------------
// The HTTP API, served in this process

let server: Server | null = null;
let base = '';
// Default settings (benchmark profile 2023, loopback only), whatever paved.config.yaml the shell points at.
const configFile = join(mkdtempSync(join(tmpdir(), 'paved-bench-peer-')), 'paved.config.yaml');
writeFileSync(configFile, 'server:\n  host: 127.0.0.1\n');
const { config, env } = loadConfig({ ...process.env, PAVED_CONFIG: configFile, PAVED_DATA_DIR: dataDir });
const registerFor = (view: Warehouse) => registerRuntime({
  warehouse: view, config, env, startedAt: new Date().toISOString(), demo: null, authRequired: false, runTransform: async () => null,
  health: async () => ({
    ok: true, warehouse: { ok: true, mode: view.mode, detail: 'bench' }, bus: { ok: true, kind: 'none', detail: 'bench', lag: null },
    schedule: { ok: true, lastRun: null, lastStatus: null, nextRun: null, detail: 'bench' },
  }),
});
if (withHttp) {
  if (!dashboardBuilt()) await buildDashboard(log);
  const dashboard = await dashboardHandler({ hostname: '127.0.0.1', port: 0 });
  // One front door for the server's life, as `paved start` builds it (not one per request).
  const door = frontDoor({ gate: null, publicOrigins: publicOriginsOf(config), localUrl: 'http://127.0.0.1', dashboard, api: () => currentRuntime()! });
  server = createServer((request, response) => void door(request, response));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function overHttp(query: DoraQuery): Promise<unknown> {
  const search = new URLSearchParams({ from: query.from, to: query.to, ...(query.team ? { team: query.team } : {}) });
  const response = await fetch(`${base}/api/v1/metrics/dora?${search}`);
  const body: unknown = await response.json();
  if (response.status !== 200) throw new Error(`GET /api/v1/metrics/dora?${search} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

// ---------------------------------------------------------------------------------------------
// One interleaved run

type Engine = 'postgres' | 'pavedDirect' | 'httpWarm' | 'httpCold';
interface Result {
  multiple: number;
  query: string;
  rows: Record<string, number>;
  identical: { postgres: boolean | null; http: boolean | null };
  answer: unknown;
  ms: Partial<Record<Engine, { p50: number; p95: number; max: number; n: number }>>;
}
const results: Result[] = [];
const stable = (value: unknown) => JSON.stringify(value);

// Next.js installs a handler that keeps the process alive after an uncaught error: end it here instead.
process.on('uncaughtException', (error) => { console.error(error); process.exit(1); });
process.on('unhandledRejection', (error) => { console.error(error); process.exit(1); });

for (const [multiple, copy] of copies) {
  const direct = warehouse.withDatabase(copy.database);
  const served = warehouse.withDatabase(copy.database);
  registerFor(served);
  for (const { name, query } of queries) {
    const paved = await doraMetrics(direct, query);
    const fromPostgres = postgres ? await postgresDora(multiple, query) : null;
    const fromHttp = withHttp ? await overHttp(query) : null;
    const identical = { postgres: fromPostgres ? stable(fromPostgres) === stable(paved) : null, http: fromHttp ? stable(fromHttp) === stable(paved) : null };
    if (identical.postgres === false) {
      console.error(`${multiple}× ${name}: PostgreSQL's numbers differ from Paved's\n  Paved:      ${stable(paved)}\n  PostgreSQL: ${stable(fromPostgres)}`);
      process.exitCode = 1;
    }
    if (identical.http === false) {
      console.error(`${multiple}× ${name}: the HTTP API answered other numbers\n  direct: ${stable(paved)}\n  HTTP:   ${stable(fromHttp)}`);
      process.exitCode = 1;
    }
    const runs: [Engine, () => Promise<unknown>][] = [['pavedDirect', () => doraMetrics(direct, query)]];
    if (postgres) runs.push(['postgres', () => postgresDora(multiple, query)]);
    if (withHttp) {
      runs.push(['httpWarm', () => overHttp(query)]);
      runs.push(['httpCold', () => { served.readCache!.clear(); return overHttp(query); }]);
    }
    for (const [, run] of runs) await run(); // warm-up: plans, prepared statements, page cache
    const samples = new Map<Engine, number[]>(runs.map(([engine]) => [engine, []]));
    for (let i = 0; i < iterations; i += 1) {
      // Rotate the order each round so no engine always runs right after another's work.
      for (let j = 0; j < runs.length; j += 1) {
        const [engine, run] = runs[(i + j) % runs.length]!;
        const started = performance.now();
        await run();
        samples.get(engine)!.push(performance.now() - started);
      }
    }
    const ms: Result['ms'] = {};
    for (const [engine, values] of samples) {
      ms[engine] = { p50: Number(percentile(values, 0.5).toFixed(1)), p95: Number(percentile(values, 0.95).toFixed(1)), max: Number(Math.max(...values).toFixed(1)), n: values.length };
    }
    results.push({ multiple, query: name, rows: copy.rows, identical, answer: paved, ms });
    const cell = (engine: Engine) => (ms[engine] ? `${ms[engine]!.p50} / ${ms[engine]!.p95}` : '-');
    log(`${multiple}× ${name}: PostgreSQL ${cell('postgres')} · Paved direct ${cell('pavedDirect')} · HTTP warm ${cell('httpWarm')} · HTTP cold ${cell('httpCold')} ms (p50 / p95); same numbers: PostgreSQL ${identical.postgres ?? 'n/a'}, HTTP ${identical.http ?? 'n/a'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const report = {
  scale, dataDir, team, window: { team: queries[0]!.query, organisation: queries[1]!.query }, iterations, postgres, postgresUrl: postgres ? pgUrl.replace(/:[^:@/]*@/, ':***@') : null,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
  loadavg: { start: loadStart, end: load() }, results, at: new Date().toISOString(),
};
mkdirSync('test-artifacts', { recursive: true });
const out = join('test-artifacts', `bench-peer-${scale}.json`);
writeFileSync(out, JSON.stringify(report, null, 2));
const cell = (r: Result, engine: Engine) => (r.ms[engine] ? `${r.ms[engine]!.p50} / ${r.ms[engine]!.p95}` : '–');
console.log(`\n| rows | query | PostgreSQL p50 / p95 | Paved direct (cold) | Paved HTTP API, warm | Paved HTTP API, cold | same numbers |`);
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.multiple}× (${r.rows.t_deployment_facts} deployments) | ${r.query} | ${cell(r, 'postgres')} | ${cell(r, 'pavedDirect')} | ${cell(r, 'httpWarm')} | ${cell(r, 'httpCold')} | ${r.identical.postgres === null ? 'not compared' : r.identical.postgres ? 'yes' : 'NO'} |`);
}
console.log(`\nms, ${iterations} interleaved rounds; ${cpus().length} × ${cpus()[0]?.model}; ${postgres ?? 'no PostgreSQL'}; load average ${report.loadavg.start.join(' ')} at the start, ${report.loadavg.end.join(' ')} at the end; written to ${out}`);

server?.close();
if (postgres) await pool.end();
await warehouse.close();
process.exit();
