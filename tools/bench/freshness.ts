/**
 * pnpm bench:freshness — how fresh the metrics are (docs/operations.md, "Freshness").
 *
 * 1. Increment cost: on the embedded warehouse, BENCH_INCREMENTS times, 1,000 canonical events of
 *    the warehouse's own mix (pushes and their commits, pull requests, reviews, deployments,
 *    incidents, on services drawn from its production deployments) land through the sink, and one
 *    increment applies them: its transform time. Target at large scale: under 2 s.
 * 2. Freshness: `paved start` on the same warehouse (dashboard built into
 *    dashboard/$PAVED_DASHBOARD_DIST) under steady load — signed GitHub push
 *    webhooks across the warehouse's repositories at BENCH_RATE canonical events/s (default 100) —
 *    while BENCH_PROBES times a new production deployment is posted to /webhooks/deployments: the
 *    time from its 202 until /api/v1/metrics/dora counts it, and until the explain API (what the
 *    explain page shows) lists it. Target at large scale: p99 under 10 s.
 *
 * Data: BENCH_SCALE=medium (default) bulk-loads the medium demo (seed 42) into BENCH_DATA_DIR
 * (default .paved/bench-freshness-medium) once. BENCH_SCALE=large copies that warehouse to
 * .paved/bench-freshness-large once and multiplies its entity rows 25× (5 copies of the services
 * under new names × 5 years of history, each year with its own shas: 300 services, 5 years each),
 * because generating the large demo takes about 90 minutes on a 2-core machine; the report says so.
 * BENCH_MODE=http (the default when dashboard/$PAVED_DASHBOARD_DIST, default .next-incremental, is
 * built) measures through `paved start` and /api/v1; BENCH_MODE=in-process wires the same receiver,
 * journal, sink, schedule and read cache in the bench's process and reads through the functions the
 * API routes call. BENCH_PROBES (30), BENCH_RATE (100 events/s), BENCH_INCREMENTS (5), BENCH_PROFILE (1: each
 * increment's 12 slowest statements; all: every statement in order); BENCH_ONLY=data
 * prepares the warehouse (load, scale up, full rebuild) and stops, BENCH_ONLY=increments stops after part 1,
 * BENCH_ONLY=rebuild runs one full rebuild on the prepared warehouse and reports each step's time and the
 * process's peak RSS during it (engine included: chdb runs in this process), and each derived table's
 * rows and checksum (XOR of every row's hash), in test-artifacts/bench-freshness-<scale>-rebuild.json.
 * Run it under `flock /tmp/paved/bench.lock`; load averages and the busiest other processes are in
 * the report (test-artifacts/bench-freshness-<scale>.json).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultNormaliseContext, DEMO_SHARED_PATHS, encodeEvent, InProcessBus, loadDemo, WebhookReceiver } from '@paved/ingest';
import { CanonicalEvent, SCHEMA_VERSION, type CanonicalEventInput } from '@paved/schemas';
import { changesOfRows, DERIVED_TABLES, defaultMetricSettings, definitionsFingerprint, doraMetrics, emptyChanges, explain, mergeChanges, type MetricSettings, runIncrement, runTransform, TransformSchedule } from '@paved/transform';
import { Sink } from '@paved/pipeline';
import { migrate, readWarehouseLock, Warehouse } from '@paved/warehouse';
import { buildDashboard, dashboardBuilt } from 'paved';
import { freePort, waitFor } from '../../scripts/loopback.js';
import { BulkLoadBus } from './bulk-bus.js';
import { percentile } from './percentile.js';

/** Every table the full rebuild writes (the fingerprint of BENCH_ONLY=rebuild). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scale = (process.env.BENCH_SCALE ?? 'medium') as 'medium' | 'large';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? `.paved/bench-freshness-${scale}`);
const increments = Number(process.env.BENCH_INCREMENTS ?? 5);
const probes = Number(process.env.BENCH_PROBES ?? 30);
const rate = Number(process.env.BENCH_RATE ?? 100);
const COMMITS_PER_PUSH = 3;
const dist = process.env.PAVED_DASHBOARD_DIST || '.next-incremental';
process.env.PAVED_DASHBOARD_DIST = dist;
// What `paved start` adds for the demo, so the same definitions apply as in the bulk load's transform.
const settings: MetricSettings = { ...defaultMetricSettings, sharedPaths: DEMO_SHARED_PATHS.map((s) => ({ repo: null, path: s.path })), platformCreators: ['acme-pipelines[bot]'] };
const CONFIG = `server:\n  host: 127.0.0.1\ncatalog:\n  sharedPaths:\n${DEMO_SHARED_PATHS.map((s) => `    - path: ${s.path}\n`).join('')}metrics:\n  platformPipelines:\n    creators: ['acme-pipelines[bot]']\n  transformSchedule: '0 0 1 1 *'\n`;

const log = (line: string) => console.log(line);
const loads = () => loadavg().map((l) => Number(l.toFixed(2)));
const round = (n: number) => Math.round(n);
const summary = (samples: number[]) => samples.length
  ? { n: samples.length, p50: round(percentile(samples, 0.5)), p95: round(percentile(samples, 0.95)), p99: round(percentile(samples, 0.99)), max: round(Math.max(...samples)) }
  : { n: 0 };
function busiestProcesses(): string[] {
  try {
    return execFileSync('ps', ['-eo', 'pcpu,rss,args', '--sort=-pcpu'], { encoding: 'utf8' }).split('\n').slice(1, 9).map((l) => l.trim().slice(0, 140)).filter(Boolean);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// the data

if (!existsSync(join(dataDir, 'clickhouse'))) {
  if (scale === 'large') {
    const source = resolve(existsSync(resolve('.paved/bench-freshness-medium/clickhouse')) ? '.paved/bench-freshness-medium' : '.paved/bench-large');
    if (!existsSync(join(source, 'clickhouse'))) throw new Error(`no warehouse to scale up at ${source}: run \`pnpm bench:freshness\` (medium) first`);
    const holder = readWarehouseLock(source);
    if (holder) throw new Error(`${source} is in use by ${holder.command} (pid ${holder.pid}): run the bench when it has finished`);
    log(`copying ${source} to ${dataDir} (once: the bench adds rows)`);
    cpSync(source, dataDir, { recursive: true });
  }
}
const holder = readWarehouseLock(dataDir);
if (holder) throw new Error(`${dataDir} is in use by ${holder.command} (pid ${holder.pid})`);

const Count = z.object({ n: z.coerce.number() });
const report: Record<string, unknown> = { scale, dataDir, rate, probes, embeddedMemoryMb: process.env.PAVED_EMBEDDED_MEMORY_MB ?? 'default', loadAtStart: loads(), busiestAtStart: busiestProcesses(), at: new Date().toISOString() };
const memoryMb = process.env.PAVED_EMBEDDED_MEMORY_MB ? Number(process.env.PAVED_EMBEDDED_MEMORY_MB) : undefined;
const warehouse = await Warehouse.open({ dataDir, command: 'pnpm bench:freshness', memoryMb });
await migrate(warehouse);
const [statuses] = await warehouse.query('SELECT count() AS n FROM {{db}}.deployment_statuses', {}, Count);
if ((statuses?.n ?? 0) === 0) {
  log(`loading the ${scale} demo into ${dataDir} (once; later runs reuse it; raw archive skipped)`);
  const bus = new BulkLoadBus({ batchSize: 100_000, skipRaw: true });
  bus.attach(new Sink(warehouse, bus, { log: () => {} }));
  const loaded = await loadDemo(bus, { scale, seed: 42 }, defaultNormaliseContext, () => {});
  await bus.close();
  log(`loaded ${loaded.deliveries} deliveries (${bus.events} canonical events) in ${Math.round(loaded.ms / 1000)} s`);
}

/**
 * Large scale without generating the large demo (about 90 minutes on this machine): the medium
 * demo's entity rows copied SERVICE_COPIES × YEAR_COPIES times — each service copy under new repo,
 * service, team and id names, each year copy shifted a year back with its own shas — so there are 5×
 * the services, each with 5 years of history (the large demo has 300 services and 2 years).
 */
const SERVICE_COPIES = 5;
const YEAR_COPIES = 5;
async function scaleUp(wh: Warehouse): Promise<void> {
  const sha = (x: string) => `if(match(${x}, '^0*$'), ${x}, lower(hex(SHA1(concat(${x}, {suffix:String})))))`;
  const nsha = (x: string) => `if(${x} IS NULL, NULL, ${sha(`assumeNotNull(${x})`)})`;
  const shas = (x: string) => `arrayMap(v -> ${sha('v')}, ${x})`;
  const repo = (x: string) => `if({s:UInt8} = 0, ${x}, concat(${x}, '-c', toString({s:UInt8})))`;
  const nrepo = (x: string) => `if(${x} IS NULL, NULL, ${repo(`assumeNotNull(${x})`)})`;
  const back = (x: string) => `${x} - toIntervalDay({t:UInt8} * 365)`;
  const nback = (x: string) => `if(${x} IS NULL, NULL, ${back(`assumeNotNull(${x})`)})`;
  const id = (x: string) => `concat(${x}, {suffix:String})`;
  const number = (x: string) => `${x} + ({s:UInt8} * ${YEAR_COPIES} + {t:UInt8}) * 1000000`;
  const replacements: Record<string, string> = {
    commits: `${repo('repo')} AS repo, ${sha('sha')} AS sha, ${back('authored_at')} AS authored_at, ${back('committed_at')} AS committed_at, ${shas('parents')} AS parents, ${nsha('reverts_sha')} AS reverts_sha, ${id('event_id')} AS event_id`,
    pushes: `${repo('repo')} AS repo, ${sha('before')} AS before, ${sha('after')} AS after, ${back('pushed_at')} AS pushed_at, ${shas('commits')} AS commits, ${id('event_id')} AS event_id`,
    pull_requests: `${repo('repo')} AS repo, ${number('number')} AS number, ${nsha('head_sha')} AS head_sha, ${nsha('merge_commit_sha')} AS merge_commit_sha, ${back('opened_at')} AS opened_at,
      ${nback('first_commit_at')} AS first_commit_at, ${nback('first_review_at')} AS first_review_at, ${nback('approved_at')} AS approved_at, ${nback('merged_at')} AS merged_at,
      ${nback('closed_at')} AS closed_at, ${back('updated_at')} AS updated_at, ${id('event_id')} AS event_id`,
    pull_request_commits: `${repo('repo')} AS repo, ${number('number')} AS number, ${sha('sha')} AS sha`,
    reviews: `${repo('repo')} AS repo, ${number('pr_number')} AS pr_number, ${id('id')} AS id, ${back('submitted_at')} AS submitted_at, ${id('event_id')} AS event_id`,
    deployment_statuses: `${id('id')} AS id, ${repo('repo')} AS repo, ${nrepo('service')} AS service, ${nsha('sha')} AS sha, ${back('started_at')} AS started_at,
      ${nback('finished_at')} AS finished_at, ${back('status_at')} AS status_at, ${id('event_id')} AS event_id`,
    incident_updates: `${id('id')} AS id, ${nrepo('service')} AS service, ${nrepo('repo')} AS repo, ${back('opened_at')} AS opened_at, ${nback('acknowledged_at')} AS acknowledged_at,
      ${nback('resolved_at')} AS resolved_at, arrayMap(v -> ${id('v')}, linked_deployment_ids) AS linked_deployment_ids, ${shas('linked_shas')} AS linked_shas, ${back('updated_at')} AS updated_at, ${id('event_id')} AS event_id`,
    commit_files: `${repo('repo')} AS repo, ${sha('sha')} AS sha, ${id('event_id')} AS event_id`,
    compares: `${repo('repo')} AS repo, ${sha('base')} AS base, ${sha('head')} AS head, ${shas('commits')} AS commits, ${id('event_id')} AS event_id`,
    catalog_entities: `${repo('service')} AS service, ${nrepo('team')} AS team, ${nrepo('repo')} AS repo, ${id('event_id')} AS event_id`,
  };
  for (const [table, replace] of Object.entries(replacements)) {
    const started = performance.now();
    await wh.command(`DROP TABLE IF EXISTS {{db}}.bench_source`);
    await wh.command(`CREATE TABLE {{db}}.bench_source ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM {{db}}.${table}`);
    for (let s = 0; s < SERVICE_COPIES; s += 1) {
      for (let t = 0; t < YEAR_COPIES; t += 1) {
        if (s === 0 && t === 0) continue;
        // The catalog has one entry per service copy (a year copy is the same service).
        if (table === 'catalog_entities' && t > 0) continue;
        await wh.command(`INSERT INTO {{db}}.${table} SELECT * REPLACE (${replace}) FROM {{db}}.bench_source`, { s, t, suffix: `:c${s}y${t}` });
      }
    }
    log(`  ${table}: ${SERVICE_COPIES * YEAR_COPIES}x in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  await wh.command(`DROP TABLE IF EXISTS {{db}}.bench_source`);
  await wh.insert('transform_state', [{ name: 'bench_scaled', value: `${SERVICE_COPIES}x services, ${YEAR_COPIES}x years of the medium demo`, set_at: new Date().toISOString() }]);
}

const DefinitionsRow = z.object({ value: z.string() });
if (scale === 'large') {
  const [scaled] = await warehouse.query(`SELECT value FROM {{db}}.transform_state FINAL WHERE name = 'bench_scaled'`, {}, DefinitionsRow);
  const [services] = await warehouse.query(`SELECT uniqExact(service) AS n FROM {{db}}.catalog_entities FINAL`, {}, Count);
  if (!scaled && (services?.n ?? 0) < 100) {
    log(`scaling ${dataDir} up to large: ${SERVICE_COPIES} copies of the services x ${YEAR_COPIES} years of history (once)`);
    await scaleUp(warehouse);
    // The derived tables still describe the medium rows.
    await warehouse.insert('transform_state', [{ name: 'definitions', value: 'scaled up: rebuild', set_at: new Date().toISOString() }]);
  }
  report.synthetic = scaled?.value ?? `${SERVICE_COPIES}x services, ${YEAR_COPIES}x years of the medium demo`;
  // Scaled up after the last full rebuild (an earlier run stopped before it finished): the derived tables are stale.
  const At = z.object({ scaled: z.string(), built: z.string() });
  const [at] = await warehouse.query(`SELECT toString(maxIf(set_at, name = 'bench_scaled')) AS scaled, toString(maxIf(set_at, name = 'definitions')) AS built FROM {{db}}.transform_state`, {}, At);
  if (at && at.scaled > at.built) await warehouse.insert('transform_state', [{ name: 'definitions', value: 'scaled up: rebuild', set_at: new Date().toISOString() }]);
}
const [built] = await warehouse.query(`SELECT value FROM {{db}}.transform_state FINAL WHERE name = 'definitions'`, {}, DefinitionsRow);
if (built?.value !== definitionsFingerprint(settings)) {
  log('full rebuild (the derived tables were not built with these definitions yet)');
  const full = await runTransform(warehouse, settings);
  report.fullRebuild = { ms: full.totalMs, steps: full.steps, load: loads() };
  log(`full rebuild: ${full.totalMs} ms (load ${loads().join(' ')})`);
}
if (process.env.BENCH_ONLY === 'rebuild') {
  // The memory to plan for is the full rebuild's: its peak resident memory per step, sampled every 50 ms.
  const rssMb = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
  const peaks = new Map<string, number>();
  let current = 'start';
  const sample = () => peaks.set(current, Math.max(peaks.get(current) ?? 0, rssMb()));
  const timer = setInterval(sample, 50);
  const loadBefore = loads();
  const full = await runTransform(warehouse, settings, (label) => { sample(); current = label; });
  sample();
  clearInterval(timer);
  const steps = full.steps.map((step) => ({ ...step, peakRssMb: peaks.get(step.label) ?? 0 }));
  for (const step of steps) log(`  ${step.label}: ${step.ms} ms, peak RSS ${step.peakRssMb} MB`);
  const peakRssMb = Math.max(...steps.map((step) => step.peakRssMb));
  log(`full rebuild: ${full.totalMs} ms, peak RSS ${peakRssMb} MB (ceiling ${memoryMb ?? 'default'} MiB; load ${loadBefore.join(' ')} -> ${loads().join(' ')})`);
  // What the rebuild wrote, as rows and an order-free checksum per table: two runs with other memory
  // settings (a ceiling, join algorithms) must write the same.
  const Fingerprint = z.object({ rows: z.coerce.number(), checksum: z.coerce.string() });
  const tables: Record<string, z.infer<typeof Fingerprint>> = {};
  for (const table of DERIVED_TABLES) {
    const [fingerprint] = await warehouse.query(`SELECT count() AS rows, toString(groupBitXor(cityHash64(formatRow('TSV', *)))) AS checksum FROM {{db}}.${table}`, {}, Fingerprint);
    tables[table] = fingerprint!;
    log(`  ${table}: ${fingerprint!.rows} rows, checksum ${fingerprint!.checksum}`);
  }
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'test-artifacts', `bench-freshness-${scale}-rebuild.json`), `${JSON.stringify({ ...report, rebuild: { ms: full.totalMs, peakRssMb, steps, loadBefore, loadAfter: loads(), tables } }, null, 2)}\n`);
  await warehouse.close();
  process.exit(0);
}
let canonicalRows = 0;
for (const table of ['commits', 'pushes', 'pull_requests', 'reviews', 'deployment_statuses', 'incident_updates']) {
  canonicalRows += (await warehouse.query(`SELECT count() AS n FROM {{db}}.${table}`, {}, Count))[0]!.n;
}
report.canonicalRows = canonicalRows;
const Target = z.object({ service: z.string(), repo: z.string(), deployments: z.coerce.number() });
const targets = await warehouse.query(`
  SELECT service, any(d.repo) AS repo, count() AS deployments FROM {{db}}.t_deployments AS d
  WHERE d.is_production AND d.status = 'success' AND d.repo NOT IN ('', 'unknown') GROUP BY service ORDER BY service`, {}, Target);
const repos = [...new Set(targets.map((t) => t.repo))];
log(`${dataDir}: ${canonicalRows} canonical entity rows, ${targets.length} services, ${repos.length} repositories`);
if (process.env.BENCH_ONLY === 'data') {
  // Prepare the warehouse (load, scale up, full rebuild) and stop: later runs measure on it.
  await warehouse.close();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// 1. the transform time of an increment of 1,000 events

const Mix = z.object({ t: z.string(), n: z.coerce.number() });
const mixRows = await warehouse.query(`
  SELECT 'push' AS t, count() AS n FROM {{db}}.pushes UNION ALL SELECT 'pr', count() FROM {{db}}.pull_requests
  UNION ALL SELECT 'review', count() FROM {{db}}.reviews UNION ALL SELECT 'deployment', count() FROM {{db}}.deployment_statuses
  UNION ALL SELECT 'incident', count() FROM {{db}}.incident_updates`, {}, Mix);
const mix = new Map(mixRows.map((r) => [r.t, r.n]));
let serial = 0;
/** Ids, pull request numbers and incidents are new in every run (a run on the same warehouse must not update the last run's). */
const runTag = Date.now().toString(36);
const prBase = 1_000_000 + (Date.now() % 1_000_000) * 100;
const envelope = (type: CanonicalEventInput['type'], data: unknown): CanonicalEventInput => {
  serial += 1;
  const now = new Date().toISOString();
  return { id: `bench-freshness:${type}:${runTag}:${serial}`, source: 'generic', type, occurred_at: now, received_at: now, schema_version: SCHEMA_VERSION, raw: { delivery_id: `bf${serial}`, event: type }, data } as CanonicalEventInput;
};
const shaOf = () => randomBytes(20).toString('hex');
const actor = { login: 'bench', name: 'bench', email: 'bench@example.com', bot: false };

/** About `count` canonical events in the warehouse's own proportions, on random production services. */
function thousandEvents(count: number): CanonicalEventInput[] {
  const events: CanonicalEventInput[] = [];
  const total = [...mix.values()].reduce((a, b) => a + b, 0) + (mix.get('push') ?? 0) * COMMITS_PER_PUSH;
  const share = (kind: string, weight = 1) => ((mix.get(kind) ?? 0) * weight) / total;
  while (events.length < count) {
    const target = targets[Math.floor(Math.random() * targets.length)]!;
    const roll = Math.random();
    const now = new Date().toISOString();
    if (roll < share('push', 1 + COMMITS_PER_PUSH)) {
      const shas = Array.from({ length: COMMITS_PER_PUSH }, shaOf);
      for (const sha of shas) events.push(envelope('commit', { repo: target.repo, sha, author: actor, authored_at: now, committed_at: now, message: 'bench', parents: [], reverts_sha: null, files: null }));
      events.push(envelope('push', { repo: target.repo, ref: 'refs/heads/main', before: shaOf(), after: shas.at(-1)!, pushed_at: now, pusher: actor, commits: shas, forced: false }));
    } else if (roll < share('push', 1 + COMMITS_PER_PUSH) + share('pr')) {
      events.push(envelope('pull_request', {
        number: prBase + serial, repo: target.repo, title: 'bench', author: actor, labels: [], state: 'merged', base_ref: 'main', head_sha: shaOf(), merge_commit_sha: shaOf(),
        opened_at: now, first_commit_at: null, first_review_at: null, approved_at: null, merged_at: now, closed_at: now, commit_shas: [], updated_at: now,
      }));
    } else if (roll < share('push', 1 + COMMITS_PER_PUSH) + share('pr') + share('review')) {
      events.push(envelope('review', { id: `bench-${runTag}-${serial}`, repo: target.repo, pr_number: prBase + serial, reviewer: actor, state: 'approved', submitted_at: now }));
    } else if (roll < 1 - share('incident')) {
      const id = `bench-deploy-${runTag}-${serial}`;
      const base = { id, repo: target.repo, service: target.service, path: null, environment: 'production', sha: shaOf(), ref: 'main', started_at: now, creator: actor, workflow_name: 'deploy', source_system: 'bench', url: null };
      events.push(envelope('deployment', { ...base, status: 'in_progress', finished_at: null, status_at: now }));
      events.push(envelope('deployment', { ...base, status: 'success', finished_at: now, status_at: now }));
    } else {
      events.push(envelope('incident', {
        id: `bench-incident-${runTag}-${serial}`, source: 'generic', service: target.service, repo: target.repo, severity: 'high', title: 'bench', status: 'open', opened_at: now,
        acknowledged_at: null, resolved_at: null, linked_deployment_ids: [], linked_shas: [], url: null, updated_at: now,
      }));
    }
  }
  return events;
}

const incrementRuns: Record<string, unknown>[] = [];
{
  let landed = emptyChanges();
  const bus = new InProcessBus();
  const sink = new Sink(warehouse, bus, { maxBatchWaitMs: 0, log: () => {}, onLanded: (rows) => mergeChanges(landed, changesOfRows(rows)) });
  await sink.start();
  for (let i = 0; i < increments; i += 1) {
    await bus.publish(thousandEvents(1_000).map((e) => encodeEvent(CanonicalEvent.parse(e))));
    await bus.drained();
    const changes = landed;
    landed = emptyChanges();
    const loadBefore = loads();
    const started = performance.now();
    const statements: { ms: number; sql: string }[] = [];
    // BENCH_PROFILE=1: the increment's 12 slowest statements (what to make cheaper next); BENCH_PROFILE=all: every statement, in order.
    const timed = process.env.BENCH_PROFILE ? new Proxy(warehouse, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || !['query', 'command', 'insert', 'insertColumns'].includes(String(key))) return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const at = performance.now();
          try { return await value.apply(target, args); } finally { statements.push({ ms: Math.round(performance.now() - at), sql: `${String(key)} ${String(args[0]).replace(/\s+/g, ' ').slice(0, 160)}` }); }
        };
      },
    }) : warehouse;
    const result = await runIncrement(timed, settings, changes);
    if (process.env.BENCH_PROFILE) for (const st of (process.env.BENCH_PROFILE === 'all' ? statements : statements.sort((a, b) => b.ms - a.ms).slice(0, 12))) log(`    ${st.ms} ms ${st.sql}`);
    const ms = round(performance.now() - started);
    if (result.kind === 'full_needed') {
      log(`increment ${i + 1}: full rebuild needed (${result.reason})`);
      const full = await runTransform(warehouse, settings);
      incrementRuns.push({ rows: changes.rows, fullNeeded: result.reason, fullMs: full.totalMs, load: loadBefore });
      continue;
    }
    incrementRuns.push({ rows: changes.rows, ms, services: result.services, ofServices: result.totalServices, steps: result.steps, load: loadBefore });
    log(`increment ${i + 1}: ${changes.rows} rows, ${result.services} of ${result.totalServices} services re-walked, ${ms} ms (load ${loadBefore.join(' ')}): ${result.steps.map((s) => `${s.label} ${s.ms}`).join(', ')}`);
  }
  await sink.stop();
  await bus.close();
}
const incrementMs = incrementRuns.map((r) => r.ms).filter((ms): ms is number => typeof ms === 'number');
report.increments = { of1000Events: summary(incrementMs), runs: incrementRuns, targetMs: 2_000 };
await warehouse.close();
if (process.env.BENCH_ONLY === 'increments') {
  log(`increments of 1,000 events: ${JSON.stringify(summary(incrementMs))}`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// 2. freshness under steady load

/** Ends a wait at once (anything else a probe throws is retried until the timeout). */
class Fatal extends Error {}

/** What the bench talks to: webhooks in, the DORA numbers and the explain rows out. */
interface Target {
  base: string;
  doraCount(service: string): Promise<number>;
  explainHas(service: string, id: string): Promise<boolean>;
  increments(): { ms: number; rows: number; services: number }[];
  fullReasons(): string[];
  stop(): Promise<void>;
}
const today = new Date().toISOString().slice(0, 10);
const day = (offset: number) => new Date(Date.parse(today) + offset * 86_400_000).toISOString().slice(0, 10);
const window = { from: day(-7), to: day(1) };
const githubSecret = randomBytes(16).toString('hex');
const deployToken = randomBytes(16).toString('hex');

/** `paved start` as a process (needs the dashboard built): the figure a user sees through /api/v1. */
async function startPaved(): Promise<Target> {
  if (!dashboardBuilt()) await buildDashboard(log);
  const work = mkdtempSync(join(tmpdir(), 'paved-bench-freshness-'));
  const configFile = join(work, 'paved.config.yaml');
  writeFileSync(configFile, CONFIG);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(PAVED_|GITHUB_|PAGERDUTY_|OPSGENIE_|KAFKA_|CLICKHOUSE_|OIDC_|SMTP_|SLACK_|BENCH_)/.test(key)) childEnv[key] = value;
  Object.assign(childEnv, {
    PAVED_DATA_DIR: dataDir, PAVED_CONFIG: configFile, PAVED_DASHBOARD_DIST: dist, PAVED_DEMO: '0', HOST: '127.0.0.1', PORT: String(port),
    GITHUB_WEBHOOK_SECRET: githubSecret, PAVED_WEBHOOK_TOKEN: deployToken, NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'debug',
    // The engine's memory ceiling, as the bench's own process had it (large histories need more than the default).
    ...(process.env.PAVED_EMBEDDED_MEMORY_MB ? { PAVED_EMBEDDED_MEMORY_MB: process.env.PAVED_EMBEDDED_MEMORY_MB } : {}),
  });
  let output = '';
  const increments: { ms: number; rows: number; services: number }[] = [];
  const fullReasons: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'tools/cli/bin/paved.mjs'), 'start', '--port', String(port)], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = async () => {
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 3_000));
  };
  process.on('SIGINT', () => void stop().finally(() => process.exit(130)));
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('increment applied') && !line.includes('full rebuild instead')) continue;
      try {
        const entry = JSON.parse(line) as { msg: string; ms?: number; rows?: number; services?: number; reason?: string };
        if (entry.msg === 'increment applied') increments.push({ ms: entry.ms ?? 0, rows: entry.rows ?? 0, services: entry.services ?? 0 });
        else fullReasons.push(entry.reason ?? '?');
      } catch { /* not JSON */ }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000); });
  const Health = z.object({ schedule: z.object({ lastStatus: z.string().nullable(), detail: z.string().optional() }) });
  await waitFor('paved start to finish its start-up transform', async () => {
    if (child.exitCode !== null) throw new Fatal(`paved start exited (${child.exitCode}):\n${output.slice(-3000)}`);
    const health = Health.parse(await (await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(10_000) })).json());
    if (health.schedule.lastStatus === 'failed') throw new Fatal(`start-up transform failed: ${health.schedule.detail}`);
    return health.schedule.lastStatus === 'ok' ? health : null;
  }, 60 * 60_000, { everyMs: 500, isFatal: (e) => e instanceof Fatal, detail: () => output.slice(-2000) });
  const query = `from=${window.from}&to=${window.to}`;
  const DoraBody = z.object({ deploymentFrequency: z.object({ deployments: z.number() }) });
  return {
    base,
    doraCount: async (service) => DoraBody.parse(await (await fetch(`${base}/api/v1/metrics/dora?${query}&service=${encodeURIComponent(service)}`)).json()).deploymentFrequency.deployments,
    explainHas: async (service, id) => (await (await fetch(`${base}/api/v1/metrics/dora/explain?metric=deploymentFrequency&${query}&service=${encodeURIComponent(service)}&limit=50`)).text()).includes(id),
    increments: () => increments,
    fullReasons: () => fullReasons,
    stop,
  };
}

/**
 * The same pipeline in this process, wired as `paved start` wires it (receiver with its journal
 * on disk, sink, event-driven schedule, read cache), read through the functions the API routes
 * call: everything but Next.js's routing.
 */
async function inProcess(): Promise<Target> {
  const wh = await Warehouse.open({ dataDir, command: 'pnpm bench:freshness', memoryMb });
  wh.enableReadCache({ maxAgeMs: 300_000, maxEntries: 300, maxRows: 5_000 });
  const bus = new InProcessBus({ journalDir: mkdtempSync(join(tmpdir(), 'paved-bench-freshness-bus-')) });
  const increments: { ms: number; rows: number; services: number }[] = [];
  const fullReasons: string[] = [];
  const scheduleLog = (level: string, msg: string, fields?: Record<string, unknown>) => {
    if (msg === 'increment applied') increments.push({ ms: Number(fields?.ms ?? 0), rows: Number(fields?.rows ?? 0), services: Number(fields?.services ?? 0) });
    if (msg === 'full rebuild instead of an increment') fullReasons.push(String(fields?.reason));
    if (level === 'error') log(`schedule: ${msg} ${JSON.stringify(fields)}`);
  };
  const schedule = new TransformSchedule(wh, settings, '0 0 1 1 *', scheduleLog, () => null, { eventDriven: true });
  const sink = new Sink(wh, bus, { log: () => {}, onLanded: (rows) => schedule.noteLanded(rows) });
  await sink.start();
  const receiver = new WebhookReceiver({ bus, context: defaultNormaliseContext, secrets: { GITHUB_WEBHOOK_SECRET: githubSecret, PAVED_WEBHOOK_TOKEN: deployToken }, log: () => {} });
  const server = createServer((req, res) => {
    void receiver.handle(req, res).then((handled) => { if (!handled) res.writeHead(404).end(); });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    doraCount: async (service) => (await doraMetrics(wh, { ...window, service })).deploymentFrequency.deployments,
    explainHas: async (service, id) => (await explain(wh, { ...window, service }, 'deploymentFrequency', { limit: 50 })).deployments.some((d) => d.id.includes(id)),
    increments: () => increments,
    fullReasons: () => fullReasons,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await schedule.stop();
      await sink.stop();
      await bus.close();
      await wh.close();
    },
  };
}

const mode = process.env.BENCH_MODE ?? (dashboardBuilt() ? 'http' : 'in-process');
report.mode = mode;
log(mode === 'http' ? 'freshness through paved start and /api/v1' : `freshness in process (no dashboard build in dashboard/${dist}; BENCH_MODE=http builds one)`);
const startedAt = performance.now();
const target = mode === 'http' ? await startPaved() : await inProcess();
const base = target.base;
try {
  report.startUpMs = round(performance.now() - startedAt);
  log(`ready in ${Math.round((performance.now() - startedAt) / 1000)} s; load ${loads().join(' ')}`);

  // Steady load: signed GitHub pushes round-robin over the repositories.
  const heads = new Map<string, string>();
  let deliveries = 0;
  let loadErrors = 0;
  const sendPush = async () => {
    const repo = repos[deliveries % repos.length]!;
    deliveries += 1;
    const shas = Array.from({ length: COMMITS_PER_PUSH }, shaOf);
    const now = new Date().toISOString();
    const body = JSON.stringify({
      ref: 'refs/heads/main', before: heads.get(repo) ?? '0'.repeat(40), after: shas.at(-1), repository: { full_name: repo, name: repo.split('/')[1] },
      commits: shas.map((id, k) => ({ id, message: `bench ${deliveries}.${k}`, timestamp: now, author: { name: 'Bench', email: 'bench@example.com', username: 'bench' } })),
      pusher: { name: 'bench' }, sender: { login: 'bench', type: 'User' },
    });
    heads.set(repo, shas.at(-1)!);
    const signature = `sha256=${createHmac('sha256', githubSecret).update(body).digest('hex')}`;
    const response = await fetch(`${base}/webhooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `bench-freshness-${Date.now()}-${deliveries}`, 'x-hub-signature-256': signature } }).catch(() => null);
    if (response?.status !== 202) loadErrors += 1;
    await response?.arrayBuffer();
  };
  const perDelivery = 1 + COMMITS_PER_PUSH;
  const intervalMs = (1000 * perDelivery) / rate;
  let inFlight = 0;
  let skippedTicks = 0;
  const loadTimer = setInterval(() => {
    if (inFlight > 50) { skippedTicks += 1; return; }
    inFlight += 1;
    void sendPush().finally(() => { inFlight -= 1; });
  }, intervalMs);
  await new Promise((r) => setTimeout(r, 10_000)); // reach steady state first

  const fresh: { dora: number[]; explain: number[] } = { dora: [], explain: [] };
  const probeTargets = targets.filter((t) => t.deployments > 5);
  const loadsDuring: number[][] = [];
  const loadStarted = performance.now();
  for (let i = 0; i < probes; i += 1) {
    const target_ = probeTargets[(i * 7) % probeTargets.length]!;
    const before = await target.doraCount(target_.service);
    const id = `bench-probe-${Date.now()}-${i}`;
    const now = new Date().toISOString();
    const body = JSON.stringify({ id, service: target_.service, repo: target_.repo, environment: 'production', sha: heads.get(target_.repo) ?? shaOf(), status: 'success', started_at: now, finished_at: now, creator: 'bench', pipeline: 'deploy', source_system: 'bench' });
    const response = await fetch(`${base}/webhooks/deployments`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${deployToken}`, 'idempotency-key': id } });
    const acceptedAt = performance.now();
    if (response.status !== 202) throw new Error(`the probe deployment was answered ${response.status}: ${await response.text()}`);
    const seen = { dora: 0, explain: 0 };
    await waitFor(`probe ${id} in the DORA numbers and the explain rows`, async () => {
      if (!seen.dora && (await target.doraCount(target_.service)) > before) seen.dora = performance.now() - acceptedAt;
      if (!seen.explain && (await target.explainHas(target_.service, id))) seen.explain = performance.now() - acceptedAt;
      return seen.dora && seen.explain ? true : null;
    }, 600_000, { everyMs: 100 });
    fresh.dora.push(seen.dora);
    fresh.explain.push(seen.explain);
    loadsDuring.push(loads());
    log(`probe ${i + 1}/${probes} (${target_.service}): DORA after ${round(seen.dora)} ms, explain after ${round(seen.explain)} ms; load ${loads().join(' ')}; ${deliveries} pushes sent`);
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1_500));
  }
  clearInterval(loadTimer);
  const seconds = (performance.now() - loadStarted) / 1000 + 10;
  const increments_ = target.increments();
  report.freshness = {
    doraMs: summary(fresh.dora), explainMs: summary(fresh.explain), targetP99Ms: 10_000,
    load: { targetEventsPerSecond: rate, achievedEventsPerSecond: Number(((deliveries * perDelivery) / seconds).toFixed(1)), pushDeliveries: deliveries, errors: loadErrors, skippedTicks },
    incrementsDuringLoad: { ...summary(increments_.map((l) => l.ms)), rowsP50: round(percentile(increments_.map((l) => l.rows), 0.5) || 0), servicesP50: round(percentile(increments_.map((l) => l.services), 0.5) || 0) },
    fullRebuildsDuringLoad: target.fullReasons(), loadAverages: loadsDuring,
  };
  log(`freshness: DORA p50 ${round(percentile(fresh.dora, 0.5))} ms, p99 ${round(percentile(fresh.dora, 0.99))} ms; explain p50 ${round(percentile(fresh.explain, 0.5))} ms, p99 ${round(percentile(fresh.explain, 0.99))} ms (n=${probes})`);
  log(`increments under load: ${JSON.stringify((report.freshness as Record<string, unknown>).incrementsDuringLoad)}; full rebuilds: ${target.fullReasons().length}; ${(report.freshness as { load: unknown }).load ? JSON.stringify((report.freshness as { load: unknown }).load) : ''}`);
} finally {
  await target.stop();
}
report.loadAtEnd = loads();
report.busiestAtEnd = busiestProcesses();
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
const out = join(ROOT, 'test-artifacts', `bench-freshness-${scale}.json`);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
log(`load average at the end ${loads().join(' ')}; wrote ${out}`);
process.exit(0);
