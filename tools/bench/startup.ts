/**
 * pnpm bench:startup — what a user sees during the first `paved start`: the demo organisation
 * loading from an empty data directory while every page and /api/health are asked for, over and
 * over, until the start-up transform after the load has finished.
 *
 * Reports, with the machine and its load average:
 *   - time to listening, to the demo loaded, to the first Overview showing DORA numbers, to ready
 *     (demo in and the transform after it finished);
 *   - every page's and /api/health's latency while the demo loads (p50 / p95 / max, requests that
 *     took longer than the target, timeouts), and after ready;
 *   - what the Overview said at each sample (numbers, a loading state, or "No events received yet");
 *   - the server's peak RSS (VmHWM) during the load and at ready.
 * Targets (issue #19 / #18): every page and /api/health under 2 s during the load on 2 cores;
 * demo load peak RSS under 1.5 GB at medium scale.
 *
 * BENCH_SCALE=medium (default; small, large), BENCH_SEED, BENCH_DATA_DIR (default
 * .paved/bench-startup-<scale>, emptied first), BENCH_PORT, BENCH_REQUEST_TIMEOUT_MS (30,000),
 * PAVED_DASHBOARD_DIST (default .next-bench; built when missing). Writes
 * test-artifacts/bench-startup-<scale>.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWarehouseLock } from '@paved/warehouse';
import { buildDashboard, dashboardBuilt } from 'paved';
import { z } from 'zod';
import { freePort } from '../../scripts/loopback.js';
import { percentile } from './percentile.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scale = (process.env.BENCH_SCALE ?? 'medium') as 'small' | 'medium' | 'large';
const seed = process.env.BENCH_SEED ?? '42';
const dataDir = resolve(process.env.BENCH_DATA_DIR ?? `.paved/bench-startup-${scale}`);
const dist = process.env.PAVED_DASHBOARD_DIST || '.next-bench';
process.env.PAVED_DASHBOARD_DIST = dist;
const TARGET_MS = 2_000;
const RSS_TARGET_MB = 1_536;
const REQUEST_TIMEOUT_MS = Number(process.env.BENCH_REQUEST_TIMEOUT_MS ?? 30_000);
const START_TIMEOUT_MS = 60 * 60_000;

/** The pages a user clicks through while waiting (default window), plus the health endpoint. */
const PAGES: { name: string; path: string }[] = [
  { name: 'overview', path: '/' },
  { name: 'dora', path: '/dora' },
  { name: 'explain lead time', path: '/dora/explain?metric=leadTime' },
  { name: 'flow', path: '/flow' },
  { name: 'incidents', path: '/incidents' },
  { name: 'adoption', path: '/adoption' },
  { name: 'health', path: '/health' },
  { name: 'surveys', path: '/surveys' },
  { name: 'roadmap', path: '/roadmap' },
  { name: 'roi', path: '/roi' },
  { name: 'digests', path: '/digests' },
];

const Health = z.object({
  demo: z.object({ loaded: z.boolean(), loading: z.boolean(), progress: z.number(), message: z.string(), metricsReady: z.boolean() }).nullable().optional(),
  schedule: z.object({ lastRun: z.string().nullable(), lastStatus: z.string().nullable(), detail: z.string().optional() }),
});

interface Sample {
  name: string;
  /** Seconds since the spawn when the request was sent. */
  at: number;
  ms: number;
  status: number | 'timeout' | 'error';
  phase: Phase;
  /** Overview only: what it showed. */
  overview?: 'numbers' | 'loading' | 'no events' | 'empty' | 'failure' | 'other';
}

type Phase = 'starting' | 'loading' | 'computing' | 'ready';

const round = (ms: number) => Math.round(ms);
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

function memoryOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

function overviewState(html: string): Sample['overview'] {
  if (html.includes('class="failure"')) return 'failure';
  if (html.includes('class="card key-card"')) return 'numbers';
  if (html.includes('No events received yet')) return 'no events';
  if (html.includes('Loading the demo organisation') || html.includes('demo-loading')) return 'loading';
  if (html.includes('class="empty')) return 'empty';
  return 'other';
}

function childEnv(configFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing that would configure real sources (they switch the demo off) or another warehouse.
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(PAVED_|GITHUB_|GITLAB_|JIRA_|PAGERDUTY_|OPSGENIE_|KAFKA_|CLICKHOUSE_|OIDC_|SMTP_|SLACK_|BENCH_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, PAVED_DATA_DIR: dataDir, PAVED_CONFIG: configFile, PAVED_DASHBOARD_DIST: dist, HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'info' };
}

async function timed(url: string, accept: string): Promise<{ ms: number; status: number | 'timeout' | 'error'; body: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    return { ms: performance.now() - started, status: response.status, body };
  } catch (error) {
    const name = (error as Error).name;
    return { ms: performance.now() - started, status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error', body: '' };
  }
}

function summary(samples: Sample[]) {
  const ms = samples.map((s) => s.ms);
  if (ms.length === 0) return null;
  return {
    n: ms.length,
    p50: round(percentile(ms, 0.5)),
    p95: round(percentile(ms, 0.95)),
    max: round(Math.max(...ms)),
    overTarget: samples.filter((s) => s.ms >= TARGET_MS || typeof s.status !== 'number').length,
    failed: samples.filter((s) => s.status !== 200).length,
  };
}

const log = (line: string) => console.log(line);

const holder = readWarehouseLock(dataDir);
if (holder) {
  console.error(`${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt}): run the bench when it has finished`);
  process.exit(1);
}
if (!dashboardBuilt()) await buildDashboard(log);
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dirname(dataDir), { recursive: true });

const work = mkdtempSync(join(tmpdir(), 'paved-bench-startup-'));
const configFile = join(work, 'paved.config.yaml');
writeFileSync(configFile, 'server:\n  host: 127.0.0.1\n');
const port = Number(process.env.BENCH_PORT) || (await freePort());
const base = `http://127.0.0.1:${port}`;
const loadStart = load();
const spawned = performance.now();
const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'tools/cli/bin/paved.mjs'), 'start', '--port', String(port), '--scale', scale, '--seed', seed], {
  cwd: ROOT, env: childEnv(configFile), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
});
let output = '';
// The server's own log (demo progress with the event loop's longest pause, transform runs) beside the report.
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
const serverLog = createWriteStream(join(ROOT, 'test-artifacts', `bench-startup-${scale}.server.log`));
const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-32_000); serverLog.write(chunk); };
child.stdout?.on('data', keep);
child.stderr?.on('data', keep);
const pid = child.pid!;
const since = () => (performance.now() - spawned) / 1000;

async function stop(): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<boolean>((r) => { child.once('exit', () => r(true)); setTimeout(() => r(false), 60_000); });
  try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
  if (!(await exited)) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
}
process.on('SIGINT', () => void stop().finally(() => process.exit(130)));
process.on('SIGTERM', () => void stop().finally(() => process.exit(143)));

let phase: Phase = 'starting';
const marks: Record<string, number | null> = { listening: null, demoLoaded: null, overviewNumbers: null, ready: null };
let lastMessage = '';
let peakRssMb = 0;
let peakRssLoadingMb = 0;
const rssTimeline: { at: number; rssMb: number }[] = [];
const memoryTimer = setInterval(() => {
  const m = memoryOf(pid);
  if (!m) return;
  peakRssMb = Math.max(peakRssMb, m.rssMb);
  if (phase === 'loading' || phase === 'computing') peakRssLoadingMb = Math.max(peakRssLoadingMb, m.rssMb);
  if (rssTimeline.length === 0 || since() - rssTimeline.at(-1)!.at >= 5) rssTimeline.push({ at: Math.round(since()), rssMb: m.rssMb });
}, 200);

const samples: Sample[] = [];
const healthSamples: Sample[] = [];
let done = false;

/** /api/health once a second, on its own: the phase, and its own latency. */
async function healthLoop(): Promise<void> {
  while (!done) {
    const at = since();
    const result = await timed(`${base}/api/health`, 'application/json');
    if (result.status === 'error' && marks.listening === null) {
      if (child.exitCode !== null) throw new Error(`paved start exited (${child.exitCode}) before it listened`);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    marks.listening ??= at;
    healthSamples.push({ name: '/api/health', at, ms: result.ms, status: result.status, phase });
    // 503 is a report too (something unhealthy, e.g. the bus behind while the demo loads).
    if (result.status === 200 || result.status === 503) {
      const report = Health.safeParse((() => { try { return JSON.parse(result.body) as unknown; } catch { return null; } })());
      if (report.success) {
        const { demo, schedule } = report.data;
        if (schedule.lastStatus === 'failed') throw new Error(`the transform failed: ${schedule.detail}`);
        if (demo?.message && demo.message !== lastMessage) lastMessage = demo.message;
        if (demo?.loading) phase = 'loading';
        if (demo?.loaded) {
          if (marks.demoLoaded === null) { marks.demoLoaded = at; phase = 'computing'; }
          if (demo.metricsReady) {
            marks.ready = at;
            phase = 'ready';
            return;
          }
        }
      }
    }
    if (child.exitCode !== null) throw new Error(`paved start exited (${child.exitCode})`);
    if (at * 1000 > START_TIMEOUT_MS) throw new Error('not ready within the start timeout');
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Rounds over every page, one request at a time (as one user clicking around), until ready. */
async function pageLoop(): Promise<void> {
  let lastNote = 0;
  while (marks.listening === null && !done) await new Promise((r) => setTimeout(r, 250));
  while (!done) {
    const roundPhase = phase;
    for (const page of PAGES) {
      if (done) return;
      const at = since();
      const samplePhase = phase;
      const result = await timed(base + page.path, 'text/html');
      const sample: Sample = { name: page.name, at, ms: result.ms, status: result.status, phase: samplePhase };
      if (page.name === 'overview' && result.status === 200) {
        sample.overview = overviewState(result.body);
        if (sample.overview === 'numbers' && marks.overviewNumbers === null) marks.overviewNumbers = at;
      }
      samples.push(sample);
      if (since() - lastNote > 20) {
        lastNote = since();
        log(`  ${Math.round(since())} s: ${phase}; ${lastMessage}; last ${page.name} ${round(result.ms)} ms${sample.overview ? ` (${sample.overview})` : ''}; RSS ${memoryOf(pid)?.rssMb ?? '?'} MB; load ${load().join(' ')}`);
      }
    }
    if (roundPhase === 'ready') return;
  }
}

let failure: Error | null = null;
try {
  log(`paved start --scale ${scale} from an empty ${dataDir} (dashboard ${dist}); pages and /api/health asked for until ready`);
  const pages = pageLoop();
  await healthLoop();
  // One full round after ready, as the user who waited sees it.
  await pages;
  done = true;
} catch (error) {
  failure = error as Error;
  done = true;
} finally {
  clearInterval(memoryTimer);
}
const hwm = memoryOf(pid);
await stop();
rmSync(work, { recursive: true, force: true });
if (failure) {
  console.error(`${failure.message}\n--- paved start output ---\n${output.slice(-6000)}`);
  process.exit(1);
}

const during = (s: Sample) => s.phase === 'loading' || s.phase === 'computing';
const pageResults = PAGES.map((page) => ({
  name: page.name,
  path: page.path,
  duringLoad: summary(samples.filter((s) => s.name === page.name && during(s))),
  afterReady: summary(samples.filter((s) => s.name === page.name && s.phase === 'ready')),
}));
const overviewStates: Record<string, number> = {};
for (const s of samples.filter((x) => x.name === 'overview' && during(x))) overviewStates[s.overview ?? String(s.status)] = (overviewStates[s.overview ?? String(s.status)] ?? 0) + 1;
const healthDuring = summary(healthSamples.filter(during));
const allDuring = samples.filter(during);
const report = {
  scale, seed, dataDir, dist, targetMs: TARGET_MS, rssTargetMb: RSS_TARGET_MB,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / 1024 / 1024), node: process.version },
  seconds: Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, v === null ? null : Number(v.toFixed(1))])),
  memory: { peakRssMb, peakRssLoadingMb, vmHwmMb: hwm?.hwmMb ?? null, rssReadyMb: hwm?.rssMb ?? null, timeline: rssTimeline },
  health: healthDuring,
  pagesDuringLoad: summary(allDuring),
  overviewStates,
  pages: pageResults,
  loadavg: { start: loadStart, end: load() },
  samples: [...samples, ...healthSamples].sort((a, b) => a.at - b.at).map((s) => ({ ...s, at: Number(s.at.toFixed(1)), ms: round(s.ms) })),
  at: new Date().toISOString(),
};

const pad = (s: string | number, n: number) => String(s).padStart(n);
const sec = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(1)} s`);
console.log(`\n${scale} demo from an empty data directory; ${cpus().length} cores (${report.machine.cpu}); load average ${loadStart.join(' ')} at start, ${report.loadavg.end.join(' ')} at end`);
console.log(`listening ${sec(marks.listening)} · demo loaded ${sec(marks.demoLoaded)} · Overview shows numbers ${sec(marks.overviewNumbers)} · ready ${sec(marks.ready)}`);
console.log(`Overview while loading: ${Object.entries(overviewStates).map(([k, v]) => `${k} ×${v}`).join(', ') || 'not sampled'}`);
console.log(`${'during the load'.padEnd(20)}${pad('n', 5)}${pad('p50', 8)}${pad('p95', 8)}${pad('max', 8)}${pad(`>=${TARGET_MS / 1000}s`, 7)}${pad('after: p50', 12)}`);
for (const r of [{ name: '/api/health', duringLoad: healthDuring, afterReady: null }, ...pageResults]) {
  const d = r.duringLoad;
  console.log(`${r.name.padEnd(20)}${pad(d?.n ?? 0, 5)}${pad(d?.p50 ?? '-', 8)}${pad(d?.p95 ?? '-', 8)}${pad(d?.max ?? '-', 8)}${pad(d?.overTarget ?? '-', 7)}${pad(r.afterReady?.p50 ?? '-', 12)}`);
}
console.log(`server RSS: peak ${peakRssMb} MB (${peakRssLoadingMb} MB while loading/computing), VmHWM ${hwm?.hwmMb ?? '?'} MB, ${hwm?.rssMb ?? '?'} MB at ready (target < ${RSS_TARGET_MB} MB)`);
mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
const out = join(ROOT, 'test-artifacts', `bench-startup-${scale}.json`);
writeFileSync(out, JSON.stringify(report, null, 2));
console.log(`written to ${out}`);
if (existsSync(dataDir) && process.env.BENCH_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
