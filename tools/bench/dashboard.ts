/**
 * pnpm bench:dashboard — server response time of every dashboard page on `paved start`, from
 * request to the last byte of the HTML, at medium or large demo scale. Target (issue 18): p95 under
 * 250 ms warm at large scale, and the server under 1.5 GB RSS.
 *
 *   cold: the first request for a page on its own fresh `paved start` (Next.js's module and render
 *         caches and the engine's caches start empty), once the start-up transform is done (it
 *         reads the tables first, as on every real start);
 *   warm: BENCH_ITERATIONS further rounds over every page on one server (after one untimed
 *         request per page), p50/p95/max.
 * Every response must be a 200 with the page's data in it (no failure box, no empty state), so
 * an error page can never be timed. Writes test-artifacts/bench-dashboard-<scale>.json.
 *
 * Data: BENCH_SCALE=medium (default) loads the demo through `paved start --scale medium` into
 * BENCH_DATA_DIR (default .paved/bench-dashboard-medium; once, later runs reuse it; pages show the
 * last 90 days, so delete it to reload when the demo has aged out of them).
 * BENCH_SCALE=large serves the warehouse `BENCH_SCALE=large pnpm bench:metrics` loaded into
 * .paved/bench-large (bulk-loaded without the raw archive, so it is served with PAVED_DEMO=0), or any
 * other large warehouse named by BENCH_DATA_DIR (e.g. a copy of the one `pnpm bench:freshness` builds
 * at large scale, .paved/bench-freshness-large).
 * The dashboard is built into dashboard/$PAVED_DASHBOARD_DIST (default .next-bench) when missing.
 *
 * Every start runs the transform (about 80 s at large scale, so a large run takes about 25 min);
 * the scheduled transform is switched off so it never runs between samples.
 *
 * BENCH_ITERATIONS (20), BENCH_COLD (each: a fresh server per page, the default; off: no cold
 * samples, and the warm rounds run on the server that prepared the data), PAVED_EMBEDDED_MEMORY_MB
 * (passed to paved start; its default otherwise),
 * BENCH_PAGES (comma-separated page names, default all), BENCH_PORT (a free one),
 * BENCH_MIN_FREE_DISK_GB (10: a start whose transform spills the disk below it is stopped).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWarehouseLock } from '@paved/warehouse';
import { buildDashboard, dashboardBuilt } from 'paved';
import { z } from 'zod';
import { freePort, waitFor } from '../../scripts/loopback.js';
import { percentile } from './percentile.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scale = (process.env.BENCH_SCALE ?? 'medium') as 'small' | 'medium' | 'large';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? (scale === 'large' ? '.paved/bench-large' : `.paved/bench-dashboard-${scale}`));
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20);
const coldMode = process.env.BENCH_COLD === 'off' ? 'off' : 'each';
const dist = process.env.PAVED_DASHBOARD_DIST || '.next-bench';
process.env.PAVED_DASHBOARD_DIST = dist;
const TARGET_MS = 250;
const TARGET_RSS_MB = 1536;
const START_TIMEOUT_MS = 45 * 60_000;
/** A start-up transform that spills to disk is stopped before it fills it. */
const MIN_FREE_DISK_GB = Number(process.env.BENCH_MIN_FREE_DISK_GB ?? 10);
// Surveys and digests come with the demo; its platform pipeline bot must count as the platform
// (what `paved start` adds for the demo), and the 5-minute transform must not run between samples.
const CONFIG = `server:\n  host: 127.0.0.1\nmetrics:\n  platformPipelines:\n    creators: ['acme-pipelines[bot]']\n  transformSchedule: '0 0 1 1 *'\n`;

interface PageSpec {
  name: string;
  path: string;
  /** Each must occur in the HTML: the page's data, not its empty state. */
  expect: string[];
}

/** What an error or empty page says; none may appear in a timed response. */
const FORBIDDEN = ['class="failure"', 'Could not load', 'Could not show', 'Loading the demo organisation', 'Events have arrived, but no', 'No production deployments', 'No deployments for', 'No digests yet', 'Nothing to rank yet', 'No catalog services', 'This page could not be found'];

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));

/** The pages and the links the dashboard itself makes to them (default window: the last 90 days). */
function pagesFor(team: string): PageSpec[] {
  const week = mondayOf(addDays(new Date().toISOString().slice(0, 10), -21));
  const t = encodeURIComponent(team);
  return [
    { name: 'overview', path: '/', expect: ['class="card key-card"', 'Golden-path adoption'] },
    { name: 'overview team', path: `/?team=${t}`, expect: ['class="card key-card"'] },
    { name: 'dora', path: '/dora', expect: ['id="ranking"', 'Deployments per week', '<tbody>'] },
    { name: 'dora team', path: `/dora?team=${t}`, expect: ['id="ranking"', 'Deployments per week', '<tbody>'] },
    // The overview's lead-time card and a weekly bar of the explorer's deployments chart.
    { name: 'explain lead time', path: '/dora/explain?metric=leadTime', expect: ['id="changes"', 'data-sha='] },
    { name: 'explain week team', path: `/dora/explain?metric=deploymentFrequency&from=${week}&to=${addDays(week, 7)}&team=${t}`, expect: ['id="deployments"', '<tbody>'] },
    { name: 'flow', path: '/flow', expect: ['id="slowest"', '<tbody>'] },
    { name: 'adoption', path: '/adoption', expect: ['id="comparison"', ' commits'] },
    { name: 'health', path: '/health', expect: ['id="sources"', 'id="runs"', 'Re-drive'] },
    { name: 'surveys', path: '/surveys', expect: ['id="drivers"', 'id="enps"'] },
    { name: 'roadmap', path: '/roadmap', expect: ['class="roadmap-entry"'] },
    { name: 'roi', path: '/roi', expect: ['class="roi-grid"', 'id="assumptions"'] },
    { name: 'digests', path: '/digests', expect: ['id="archive"'] },
  ];
}

const round = (ms: number) => Math.round(ms);
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function nextBuildRunning(): boolean {
  try {
    // `next build` renames itself to "next-build".
    return execFileSync('pgrep', ['-f', 'next build|next-build'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

/** Ends a wait at once (anything else thrown by a probe is retried until the timeout). */
class Fatal extends Error {}

const Health = z.object({
  demo: z.object({ loaded: z.boolean(), message: z.string(), metricsReady: z.boolean() }).nullable().optional(),
  schedule: z.object({ lastStatus: z.string().nullable(), detail: z.string().optional() }),
});

function freeDiskGb(path: string): number {
  const stats = statfsSync(path);
  return (stats.bavail * stats.bsize) / 1024 ** 3;
}

/** The `paved start` under test. */
class PavedServer {
  /** Every server not yet stopped, so an interrupted bench stops them too. */
  static readonly live = new Set<PavedServer>();
  readonly base: string;
  output = '';
  readyMs = 0;
  /** Highest RSS seen since the spawn (start-up transform included), sampled every 250 ms. */
  peakRssMb = 0;
  /** Highest RSS seen until the server was ready (the start-up transform). */
  startPeakRssMb = 0;
  private readonly rssSampler: NodeJS.Timeout;
  transform = '';
  private constructor(private readonly child: ChildProcess, port: number, private readonly started: number) {
    this.base = `http://127.0.0.1:${port}`;
    PavedServer.live.add(this);
    this.rssSampler = setInterval(() => { this.peakRssMb = Math.max(this.peakRssMb, rssMb(this.pid) ?? 0); }, 250);
    const keep = (chunk: Buffer) => { this.output = (this.output + chunk.toString()).slice(-16_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<PavedServer> {
    const port = Number(process.env.BENCH_PORT) || (await freePort());
    const args = [join(ROOT, 'tools/cli/bin/paved.mjs'), 'start', '--port', String(port), ...(scale === 'large' ? [] : ['--scale', scale])];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const server = new PavedServer(child, port, performance.now());
    try {
      await server.ready(log);
    } catch (error) {
      await server.stop();
      throw new Error(`${(error as Error).message}\n--- paved start output ---\n${server.output.slice(-4000)}`);
    }
    return server;
  }

  /** Listening, the demo (if any) in, and the start-up transform finished. */
  private async ready(log: (line: string) => void): Promise<void> {
    let lastNote = Date.now();
    let state = 'starting';
    const health = await waitFor('paved start to finish its start-up transform', async () => {
      if (this.child.exitCode !== null) throw new Fatal(`paved start exited (${this.child.exitCode})`);
      if (Date.now() - lastNote > 30_000) {
        lastNote = Date.now();
        log(`  waiting (${Math.round((performance.now() - this.started) / 1000)} s): ${state}`);
      }
      const free = freeDiskGb(dataDir);
      if (free < MIN_FREE_DISK_GB) throw new Fatal(`only ${free.toFixed(1)} GB left on the disk of ${dataDir} while paved start got ready (a query spilling to ${join(dataDir, 'clickhouse', 'tmp')}?): stopped it`);
      // The embedded engine answers nothing while a transform statement runs: ask again rather than wait.
      const response = await fetch(`${this.base}/api/health`, { signal: AbortSignal.timeout(10_000) });
      const report = Health.parse(await response.json());
      if (report.schedule.lastStatus === 'failed') throw new Fatal(`the transform failed: ${report.schedule.detail}`);
      state = report.demo && !report.demo.loaded ? report.demo.message : `transform ${report.schedule.lastStatus ?? 'pending'}`;
      return (!report.demo || report.demo.metricsReady) && report.schedule.lastStatus === 'ok' ? report : null;
    }, START_TIMEOUT_MS, { everyMs: 250, isFatal: (error) => error instanceof Fatal });
    this.readyMs = round(performance.now() - this.started);
    this.peakRssMb = Math.max(this.peakRssMb, rssMb(this.pid) ?? 0);
    this.startPeakRssMb = this.peakRssMb;
    this.transform = health.schedule.detail ?? '';
  }

  async stop(): Promise<void> {
    PavedServer.live.delete(this);
    clearInterval(this.rssSampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<boolean>((r) => { this.child.once('exit', () => r(true)); setTimeout(() => r(false), 60_000); });
    const signal = (name: NodeJS.Signals) => { try { process.kill(-this.pid, name); } catch { /* already gone */ } };
    signal('SIGTERM');
    if (!(await exited)) signal('SIGKILL');
  }
}

interface Sample {
  ms: number;
  ttfbMs: number;
  bytes: number;
}

/** One request, timed to the last byte; throws unless it is the page with its data. */
async function request(base: string, page: PageSpec): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(base + page.path, { headers: { accept: 'text/html' } });
  const ttfb = performance.now() - started;
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${page.path} answered ${response.status}`);
  const missing = page.expect.filter((s) => !body.includes(s));
  const forbidden = FORBIDDEN.filter((s) => body.includes(s));
  if (missing.length || forbidden.length) {
    const dump = join(ROOT, 'test-artifacts', `bench-dashboard-${page.name.replaceAll(' ', '-')}.html`);
    writeFileSync(dump, body);
    throw new Error(`${page.path} is not the page with its data: ${[...missing.map((s) => `missing ${s}`), ...forbidden.map((s) => `has "${s}"`)].join(', ')} (saved to ${dump})`);
  }
  return { ms, ttfbMs: ttfb, bytes: Buffer.byteLength(body) };
}

function childEnv(configFile: string, adminToken: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing that would configure real sources (they switch the demo off) or another warehouse.
  for (const [key, value] of Object.entries(process.env)) {
    // (PAVED_EMBEDDED_MEMORY_MB passes: the engine's ceiling is part of what is measured.)
    if (key !== 'PAVED_EMBEDDED_MEMORY_MB' && /^(PAVED_|GITHUB_|PAGERDUTY_|OPSGENIE_|KAFKA_|CLICKHOUSE_|OIDC_|SMTP_|SLACK_|BENCH_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env, PAVED_DATA_DIR: dataDir, PAVED_CONFIG: configFile, PAVED_DASHBOARD_DIST: dist, PAVED_ADMIN_TOKEN: adminToken,
    // The large warehouse was bulk-loaded without the raw archive: with the demo on, start would load it again.
    ...(scale === 'large' ? { PAVED_DEMO: '0' } : {}),
    HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'info',
  };
}

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------
// preconditions: the data, the build, nobody else on the warehouse

if (scale === 'large' && !existsSync(join(dataDir, 'clickhouse'))) {
  console.error(`no large warehouse at ${dataDir}: load it first with \`BENCH_SCALE=large pnpm bench:metrics\` (several minutes), then run \`BENCH_SCALE=large pnpm bench:dashboard\``);
  process.exit(1);
}
const holder = readWarehouseLock(dataDir);
if (holder) {
  console.error(`${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt}): run the bench when it has finished`);
  process.exit(1);
}
if (!dashboardBuilt()) {
  // Two Next.js builds at once starve each other (and share node_modules/.cache).
  if (nextBuildRunning()) log('another next build is running: waiting for it to finish');
  await waitFor('the other next build', async () => (nextBuildRunning() ? null : true), 30 * 60_000, { everyMs: 5_000 });
  await buildDashboard((line) => log(line));
}

const work = mkdtempSync(join(tmpdir(), 'paved-bench-dashboard-'));
const configFile = join(work, 'paved.config.yaml');
writeFileSync(configFile, CONFIG);
const env = childEnv(configFile, randomBytes(18).toString('base64url'));
const adminToken = env.PAVED_ADMIN_TOKEN!;
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
const loadStart = load();
let server: PavedServer | null = null;
const stopOnSignal = () => void Promise.all([...PavedServer.live].map((s) => s.stop())).finally(() => process.exit(130));
process.on('SIGINT', stopOnSignal);
process.on('SIGTERM', stopOnSignal);

try {
  // ---------------------------------------------------------------------------------------------
  // preparation: the data (demo loaded on the first run), last week's digests, the busiest team

  const loading = scale !== 'large' && !existsSync(join(dataDir, 'clickhouse'));
  log(loading ? `loading the ${scale} demo into ${dataDir} through paved start (once; later runs reuse it)` : `serving ${dataDir} (${scale})`);
  server = await PavedServer.start(env, log);
  log(`ready in ${(server.readyMs / 1000).toFixed(1)} s; start-up transform ${server.transform}`);
  const digests = await fetch(`${server.base}/digests`).then((r) => r.text());
  if (digests.includes('No digests yet')) {
    // The scheduler catches up once its Monday slot has passed; before that, send last week's now.
    const sent = await fetch(`${server.base}/api/admin/digest`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    log(`sent last week's digests for the digests page: ${sent.status}`);
  }
  const to = addDays(new Date().toISOString().slice(0, 10), 1);
  const csv = await fetch(`${server.base}/api/v1/export/teams?from=${addDays(to, -90)}&to=${to}`).then((r) => r.text());
  const [header, ...rows] = csv.trim().split('\r\n').map((line) => line.split(','));
  const teamColumn = header!.indexOf('team');
  const deploymentsColumn = header!.indexOf('deployments');
  const busiest = rows.sort((a, b) => Number(b[deploymentsColumn]) - Number(a[deploymentsColumn]))[0];
  if (!busiest || teamColumn < 0) throw new Error(`no team with deployments in the last 90 days (export: ${csv.slice(0, 200)})`);
  const team = busiest[teamColumn]!;
  const only = process.env.BENCH_PAGES?.split(',').map((s) => s.trim());
  const pages = pagesFor(team).filter((p) => !only || only.includes(p.name));
  for (const page of pages) await request(server.base, page); // every page has its data before anything is timed
  // Without cold samples the warm rounds run on this server (one start-up transform fewer: minutes at large scale).
  const prepared = coldMode === 'off' ? server : null;
  if (!prepared) {
    await server.stop();
    server = null;
  }
  log(`team filter: ${team} (${busiest[deploymentsColumn]} deployments in 90 days); ${pages.length} pages`);

  // ---------------------------------------------------------------------------------------------
  // cold: each page as the first request of a fresh server

  const cold = new Map<string, Sample & { readyMs: number }>();
  if (coldMode === 'each') {
    for (const page of pages) {
      server = await PavedServer.start(env, log);
      const sample = await request(server.base, page);
      cold.set(page.name, { ...sample, readyMs: server.readyMs });
      log(`cold ${page.name}: ${round(sample.ms)} ms (server ready after ${(server.readyMs / 1000).toFixed(1)} s)`);
      await server.stop();
      server = null;
    }
  }
  const loadAfterCold = load();

  // ---------------------------------------------------------------------------------------------
  // warm: one server, one untimed request per page, then rounds over every page

  server = prepared ?? (await PavedServer.start(env, log));
  const rssReady = rssMb(server.pid);
  const startPeakRss = server.startPeakRssMb;
  const transform = server.transform;
  for (const page of pages) await request(server.base, page);
  let peakRss = Math.max(rssReady ?? 0, rssMb(server.pid) ?? 0);
  const pid = server.pid;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssMb(pid) ?? 0); }, 100);
  const warm = new Map<string, Sample[]>(pages.map((p) => [p.name, []]));
  for (let i = 0; i < iterations; i += 1) {
    for (const page of pages) warm.get(page.name)!.push(await request(server.base, page));
  }
  clearInterval(sampler);
  const rssEnd = rssMb(server.pid);
  // Steady: after 10 s without requests (the engine hands freed memory back to the system within seconds).
  await new Promise((r) => setTimeout(r, 10_000));
  const rssSteady = rssMb(server.pid);
  await server.stop();
  server = null;

  // ---------------------------------------------------------------------------------------------
  // report

  const results = pages.map((page) => {
    const samples = warm.get(page.name)!;
    const ms = samples.map((s) => s.ms);
    const c = cold.get(page.name);
    const p95 = round(percentile(ms, 0.95));
    return {
      name: page.name,
      path: page.path,
      cold: c ? { ms: round(c.ms), ttfbMs: round(c.ttfbMs), bytes: c.bytes, serverReadyMs: c.readyMs } : null,
      warm: { n: ms.length, p50: round(percentile(ms, 0.5)), p95, max: round(Math.max(...ms)), ttfbP50: round(percentile(samples.map((s) => s.ttfbMs), 0.5)), bytes: samples[0]!.bytes },
      meetsTarget: p95 < TARGET_MS,
    };
  });
  const otherBench = (() => {
    try {
      return execFileSync('pgrep', ['-f', 'tools/bench/metrics.ts'], { encoding: 'utf8' }).trim().length > 0;
    } catch {
      return false;
    }
  })();
  const report = {
    scale, dataDir, dist, iterations, team, coldMode, targetP95Ms: TARGET_MS, transform,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
    server: { rssStartPeakMb: startPeakRss, rssReadyMb: rssReady, rssPeakMb: peakRss, rssEndMb: rssEnd, rssSteadyMb: rssSteady, targetRssMb: TARGET_RSS_MB },
    loadavg: { start: loadStart, afterCold: loadAfterCold, end: load() },
    otherBenchRunningAtEnd: otherBench,
    pages: results,
    at: new Date().toISOString(),
  };
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(`\n${scale} scale, ${iterations} warm rounds, team filter "${team}"; times in ms to the last byte`);
  console.log(`${'page'.padEnd(20)}${pad('cold', 8)}${pad('warm p50', 10)}${pad('p95', 7)}${pad('max', 7)}${pad('ttfb p50', 10)}${pad('KB', 6)}  p95 < ${TARGET_MS}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(20)}${pad(r.cold?.ms ?? '-', 8)}${pad(r.warm.p50, 10)}${pad(r.warm.p95, 7)}${pad(r.warm.max, 7)}${pad(r.warm.ttfbP50, 10)}${pad(Math.round(r.warm.bytes / 1024), 6)}  ${r.meetsTarget ? 'yes' : 'NO'}`);
  }
  console.log(`server RSS: peak ${startPeakRss} MB during the start-up transform, ${rssReady} MB ready, peak ${peakRss} MB during the warm rounds, ${rssSteady} MB steady (10 s after them); target under ${TARGET_RSS_MB} MB; load average ${report.loadavg.end.join(' ')} (${cpus().length} cores)${otherBench ? '; bench:metrics was running at the same time' : ''}`);
  const out = join(ROOT, 'test-artifacts', `bench-dashboard-${scale}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`written to ${out}`);
} finally {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}
