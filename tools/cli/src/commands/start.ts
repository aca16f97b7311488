import { monitorEventLoopDelay } from 'node:perf_hooks';
import { catalogEventsFromConfig, catalogEventsFromFolders, createLogger, encodeEvent, InProcessBus, levelOf, loadDemo, WebhookReceiver } from '@paved/ingest';
import { Sink, type TableRows } from '@paved/pipeline';
import { ConnectJobs, hasConfiguredSources, type HealthReport, loadConfig, type PavedRuntime, publicOriginsOf, registerRuntime } from '@paved/runtime';
import { metricSettingsOf, Scheduler, TransformSchedule } from '@paved/transform';
import { migrate, updateWarehouseLock } from '@paved/warehouse';
import { DigestScheduler } from '@paved/insights';
import { surveyHttpContext } from '@paved/surveys';
import { z } from 'zod';
import { compareEnrichmentOf } from '../compare-enrichment.js';
import { buildDashboard, dashboardBuilt, dashboardHandler } from '../dashboard-app.js';
import { digestSurveySummary } from '../digest-survey.js';
import { frontDoorApp, localUrlOf } from '../front-door.js';
import { serveApp } from '../ops.js';
import { assertSafeBind, createAdminToken, createAuthGate, createBus, dataDirOf, normaliseContextOf, openWarehouse, sinkGroupOf, withDemoDefaults } from '../setup.js';

/**
 * The demo load in `paved start` shares one thread with the pages: its bus holds at most this many
 * messages for the sink (the generator waits for the sink beyond that), which bounds the memory the
 * load takes (200,000 deliveries with their payloads held about 2 GB) and keeps progress honest.
 */
const DEMO_BUS_HIGH_WATER = 25_000;
/** Messages per sink batch during the demo load: each batch is parsed and validated without a pause. */
const DEMO_SINK_BATCH = 5_000;
/** While the demo loads, the transform runs again this long after the previous run finished. */
const DEMO_TRANSFORM_EVERY_MS = 30_000;
/** After a failed transform following the demo load, the next try (the schedule also runs its own). */
const DEMO_TRANSFORM_RETRY_MS = 60_000;

export interface StartOptions {
  demo: boolean;
  scale: 'small' | 'medium' | 'large';
  seed: number;
  port?: number;
  host?: string;
}


/** `paved start`: the whole product in one process on the embedded warehouse. */
export async function start(options: StartOptions): Promise<void> {
  const log = createLogger('paved');
  const loaded = loadConfig();
  const { env, file } = loaded;
  const wantsDemo = options.demo && env.PAVED_DEMO !== '0' && env.PAVED_DEMO !== 'false' && !hasConfiguredSources(loaded.config, env);
  const config = wantsDemo ? withDemoDefaults(loaded.config) : loaded.config;
  const host = options.host ?? env.HOST ?? config.server.host;
  const port = options.port ?? env.PORT ?? config.server.port;
  const authRequired = Boolean(config.auth.oidc);
  assertSafeBind(config, host);
  log('info', 'starting Paved', { config: file ?? '(defaults: no paved.config.yaml)', dataDir: dataDirOf(env), warehouse: env.CLICKHOUSE_URL ? 'server' : 'embedded', bus: env.KAFKA_BROKERS ? 'kafka' : 'in-process' });

  if (!dashboardBuilt()) await buildDashboard((line) => log('info', line));

  const warehouse = await openWarehouse(env, config, 'paved start');
  const migrations = await migrate(warehouse);
  log('info', 'warehouse ready', { mode: warehouse.mode, applied: migrations.applied.map((m) => m.name), alreadyApplied: migrations.alreadyApplied });

  const bus = await createBus(env, config);
  // Each landed batch schedules an increment of the metrics (set once the schedule exists; earlier rows are in the first full run).
  let onLanded: ((rows: TableRows) => void) | null = null;
  const sink = new Sink(warehouse, bus, { groupId: sinkGroupOf(config), log: (entry) => log(levelOf(entry), String(entry.msg ?? 'sink'), entry), onLanded: (rows) => onLanded?.(rows) });
  await sink.start();
  if (bus instanceof InProcessBus && bus.recovered > 0) log('info', 'recovered deliveries acknowledged before the last stop but not yet in the warehouse', { records: bus.recovered });
  if (bus instanceof InProcessBus && bus.recovery && bus.recovery.skippedBytes + bus.recovery.unreadableFrames > 0) {
    // A torn tail is what a crash mid-write leaves (never acknowledged); anything else is damage to the disk.
    log('warn', 'the bus journal had bytes that were no intact record; they were skipped (see docs/operations.md)', { ...bus.recovery });
  }
  const catalog = catalogEventsFromConfig(config);
  if (config.catalog.backstagePaths.length) {
    const backstage = catalogEventsFromFolders(config.catalog.backstagePaths);
    for (const problem of backstage.problems) log('warn', 'catalog-info.yaml not used', { problem });
    catalog.push(...backstage.events);
    log('info', 'Backstage catalog read', { folders: config.catalog.backstagePaths, components: backstage.events.length, problems: backstage.problems.length });
  }
  if (catalog.length) await bus.publish(catalog.map(encodeEvent));

  const context = normaliseContextOf(config);
  const receiver = new WebhookReceiver({ bus, context, secrets: env, log: (entry) => log(levelOf(entry), String(entry.msg), entry) });
  const settings = metricSettingsOf(config);
  // While the demo loads, the start-up path below runs the transform as it goes (one at a time).
  // One scheduler for the transform schedule and the digests (one process: it is always the leader).
  const scheduler = new Scheduler({ log });
  const schedule = new TransformSchedule(warehouse, settings, config.metrics.transformSchedule, log, () => (demoState?.loading ? 'the demo organisation is loading' : null), { eventDriven: true, scheduler });
  onLanded = (rows) => schedule.noteLanded(rows);
  let transformInFlight: Promise<unknown> | null = null;
  /** One transform at a time: a request while one runs waits for it and then runs again. */
  const runTransformOnce = async (): Promise<unknown> => {
    while (transformInFlight) await transformInFlight.catch(() => {});
    const run = schedule.runNow();
    transformInFlight = run;
    try {
      return await run;
    } finally {
      transformInFlight = null;
    }
  };
  // New production deployments get GitHub's compare with the previous one within a minute (with GitHub credentials).
  const compares = await compareEnrichmentOf(config, env, { warehouse, bus, context, log: createLogger('compare-enrichment'), scheduler });
  // Digests wait for the demo and the first transform, so they never describe half-loaded data.
  const digests = new DigestScheduler({
    warehouse, config, env, log: createLogger('digest'), surveySummary: digestSurveySummary, scheduler,
    skipReason: () => (demoState?.loading ? 'the demo organisation is loading' : schedule.status.lastStatus === 'ok' || schedule.status.runs > 1 ? null : 'waiting for the first transform'),
  });
  const adminToken = createAdminToken(env);
  const auth = createAuthGate(config, env, { host, port }, adminToken, log);


  const demoState: NonNullable<PavedRuntime['demo']> | null = wantsDemo ? { loaded: false, loading: false, progress: 0, message: 'demo organisation pending', metricsReady: false } : null;
  // One number for "could a page be answered meanwhile": the longest the event loop was held, logged with the demo's progress.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });

  const runtime: PavedRuntime = {
    warehouse,
    bus,
    config,
    env,
    startedAt: new Date().toISOString(),
    demo: demoState,
    authRequired,
    sessionKey: auth?.sessionKey,
    adminToken,
    digests,
    runTransform: runTransformOnce,
    // Settings → Connect GitHub: the webhook secret goes into env, which the receiver reads.
    connections: new ConnectJobs(() => ({ warehouse, bus, config, env, runTransform: runTransformOnce, log: createLogger('connect') })),
    health: async (): Promise<HealthReport> => {
      const [warehouseHealth, busHealth] = await Promise.all([warehouse.ping(), bus.health()]);
      const scheduleOk = schedule.status.lastStatus !== 'failed';
      return {
        ok: warehouseHealth.ok && busHealth.ok && scheduleOk,
        warehouse: { ok: warehouseHealth.ok, mode: warehouse.mode, detail: warehouseHealth.detail },
        bus: { ok: busHealth.ok, kind: busHealth.kind, detail: busHealth.detail, lag: busHealth.lag },
        schedule: { ok: scheduleOk, lastRun: schedule.status.lastRun, lastStatus: schedule.status.lastStatus, nextRun: schedule.status.nextRun, detail: schedule.status.lastDetail },
        demo: demoState,
      };
    },
  };
  registerRuntime(runtime);

  const handleDashboard = await dashboardHandler({ hostname: host, port });
  const app = frontDoorApp({
    webhooks: receiver, gate: auth?.gate ?? null, publicOrigins: publicOriginsOf(config), localUrl: localUrlOf(host, port), dashboard: handleDashboard,
    surveys: (request) => surveyHttpContext({ warehouse, config, env }, request),
    api: () => runtime,
  });
  const server = await serveApp(app, host, port, log);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!env.CLICKHOUSE_URL) updateWarehouseLock(dataDirOf(env), url);
  log('info', `Paved is running: dashboard at ${url}`, { url, webhooks: `${url}/webhooks/github`, auth: auth ? `oidc (${config.auth.oidc?.issuer}; sign-in returns to ${auth.gate.callbackUrl})` : 'none (loopback only)' });
  if (auth) void auth.gate.configuration().catch((error: unknown) => log('warn', 'the OpenID Connect provider is not reachable yet; sign-in will retry', { issuer: config.auth.oidc?.issuer, error: (error as Error).message }));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: finishing the batch in hand', { signal });
    server.close();
    await schedule.stop();
    await compares?.stop();
    await digests.stop();
    await scheduler.stop();
    await sink.stop();
    await bus.close();
    await warehouse.close();
    log('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  scheduler.start();
  schedule.start();
  compares?.start();
  digests.start();
  if (demoState) {
    const [row] = await warehouse.query('SELECT count() AS n FROM {{db}}.raw_deliveries', {}, z.object({ n: z.coerce.number() }));
    const alreadyLoaded = (row?.n ?? 0) > 0;
    void (async () => {
      if (alreadyLoaded) {
        demoState.loaded = true;
        demoState.progress = 1;
        demoState.message = 'demo organisation loaded (from an earlier start)';
        log('info', 'demo organisation already in the warehouse; showing it (start with --no-demo or PAVED_DEMO=0 for an empty Paved)');
      } else {
        demoState.loading = true;
        log('info', `no sources configured: loading the demo organisation (scale ${options.scale}, seed ${options.seed}). Start with --no-demo or PAVED_DEMO=0 to skip.`);
        let lastLogged = 0;
        // Generated data needs no crash journal: it has its own bus and sink, and can be generated again.
        const demoBus = new InProcessBus({ highWaterMark: DEMO_BUS_HIGH_WATER, publishTimeoutMs: 3_600_000 });
        const demoSink = new Sink(warehouse, demoBus, { groupId: 'paved-demo-sink', maxBatchSize: DEMO_SINK_BATCH, log: () => {} });
        await demoSink.start();
        loopDelay.enable();
        demoState.transformsDuringLoad = 0;
        // The metrics of the part loaded so far, again and again, so the Overview fills in as the load goes.
        let loading = true;
        const progressive = (async () => {
          let nextAt = Date.now() + DEMO_TRANSFORM_EVERY_MS;
          while (loading) {
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            if (!loading || Date.now() < nextAt) continue;
            await runTransformOnce().then(() => { demoState.transformsDuringLoad = (demoState.transformsDuringLoad ?? 0) + 1; }, () => {});
            nextAt = Date.now() + DEMO_TRANSFORM_EVERY_MS;
          }
        })();
        const number = new Intl.NumberFormat('en-GB');
        const report = await loadDemo(demoBus, { scale: options.scale, seed: options.seed }, context, (done, total, historyUntil) => {
          demoState.progress = done / Math.max(1, total);
          demoState.deliveries = done;
          demoState.expectedDeliveries = total;
          if (historyUntil) demoState.historyUntil = historyUntil;
          demoState.message = `loading the demo organisation: ${number.format(done)} of about ${number.format(total)} deliveries${historyUntil ? ` (history up to ${historyUntil.slice(0, 10)})` : ''}`;
          if (Date.now() - lastLogged > 3_000) {
            lastLogged = Date.now();
            log('info', 'demo progress', { done, total, percent: Math.round((done / Math.max(1, total)) * 100), historyUntil, sinkMessages: demoSink.stats.messages, eventLoopMaxMs: Math.round(loopDelay.max / 1e6), eventLoopP99Ms: Math.round(loopDelay.percentile(99) / 1e6), rssMb: Math.round(process.memoryUsage.rss() / 1048576) });
            loopDelay.reset();
          }
        });
        await demoBus.drained(3_600_000);
        loading = false;
        await progressive;
        loopDelay.disable();
        await demoSink.stop();
        await demoBus.close();
        log('info', 'demo organisation loaded', { ...report, transformsDuringLoad: demoState.transformsDuringLoad });
        demoState.loading = false;
        demoState.loaded = true;
        demoState.progress = 1;
        demoState.message = 'demo organisation loaded';
      }
      // The metrics of the whole organisation: retried until one succeeds (a failure is on the schedule's status and Data health).
      while (!stopping) {
        try {
          await runTransformOnce();
          demoState.metricsReady = true;
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, DEMO_TRANSFORM_RETRY_MS));
        }
      }
    })().catch((error: unknown) => {
      demoState.loading = false;
      demoState.message = `demo failed: ${(error as Error).message}`;
      log('error', 'demo load failed', { error: (error as Error).message });
    });
  } else {
    void runTransformOnce().catch(() => {});
  }
}
