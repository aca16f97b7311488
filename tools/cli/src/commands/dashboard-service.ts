import { createLogger } from '@paved/ingest';
import { type HealthReport, loadConfig, type PavedRuntime, publicOriginsOf, registerRuntime } from '@paved/runtime';
import { metricSettingsOf, runTransform } from '@paved/transform';
import { surveyHttpContext } from '@paved/surveys';
import { buildDashboard, dashboardBuilt, dashboardHandler } from '../dashboard-app.js';
import { frontDoorApp, localUrlOf } from '../front-door.js';
import { createMetrics, opsRoutes, serveApp, warehouseCheck } from '../ops.js';
import { assertSafeBind, createAuthGate, openWarehouse } from '../setup.js';


/** `paved dashboard`: the Next.js dashboard as its own service, reading ClickHouse (CLICKHOUSE_URL). */
export async function dashboardService(options: { port?: number; host?: string }): Promise<void> {
  const log = createLogger('dashboard');
  const { config, env } = loadConfig();
  const host = options.host ?? env.HOST ?? config.server.host;
  const port = options.port ?? env.PORT ?? config.server.port;
  assertSafeBind(config, host);
  if (!dashboardBuilt()) await buildDashboard((line) => log('info', line));
  const warehouse = await openWarehouse(env, config, 'paved dashboard');
  const check = warehouseCheck(warehouse);
  const auth = createAuthGate(config, env, { host, port }, env.PAVED_ADMIN_TOKEN ?? null, log);
  const runtime: PavedRuntime = {
    warehouse,
    config,
    env,
    startedAt: new Date().toISOString(),
    demo: null,
    authRequired: Boolean(config.auth.oidc),
    sessionKey: auth?.sessionKey,
    adminToken: env.PAVED_ADMIN_TOKEN ?? null,
    runTransform: () => runTransform(warehouse, metricSettingsOf(config)),
    health: async (): Promise<HealthReport> => {
      const ping = await check.run();
      return {
        ok: ping.ok,
        warehouse: { ok: ping.ok, mode: warehouse.mode, detail: ping.detail },
        bus: { ok: true, kind: 'none', detail: 'the dashboard service does not use the bus', lag: null },
        schedule: { ok: true, lastRun: null, lastStatus: null, nextRun: null, detail: 'run by `paved transform`' },
      };
    },
  };
  registerRuntime(runtime);
  const ops = opsRoutes([check], createMetrics({}));
  const handleDashboard = await dashboardHandler({ hostname: host, port });
  const app = frontDoorApp({
    gate: auth?.gate ?? null, publicOrigins: publicOriginsOf(config), localUrl: localUrlOf(host, port), dashboard: handleDashboard,
    surveys: (request) => surveyHttpContext({ warehouse, config, env }, request),
    api: () => runtime,
  }, ops);
  const server = await serveApp(app, host, port, log);
  log('info', `paved dashboard at http://${host}:${port}`, { warehouse: warehouse.mode });
  const stop = async () => {
    await new Promise((resolve) => server.close(resolve));
    await warehouse.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
