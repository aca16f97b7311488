import { createLogger, electLeader, type Leadership } from '@paved/ingest';
import { kafkaBrokersFromEnv } from '@paved/ingest/kafka';
import { DigestScheduler } from '@paved/insights';
import { describeWarehouseError, migrate } from '@paved/warehouse';
import { loadConfig } from '@paved/runtime';
import { metricSettingsOf, Scheduler, TransformSchedule } from '@paved/transform';
import { compareEnrichmentOf, githubCredentialsConfigured } from '../compare-enrichment.js';
import { digestSurveySummary } from '../digest-survey.js';
import { type Check, createMetrics, notFound, opsRoutes, serveApp, warehouseCheck } from '../ops.js';
import { createBus, normaliseContextOf, openWarehouse } from '../setup.js';

/**
 * `paved transform`: the metric schedule as its own service. With KAFKA_BROKERS, replicas elect
 * one leader through a Kafka consumer group, so two replicas never run the same job twice.
 * It starts even while ClickHouse is unreachable and reports not-ready with the reason.
 */
export async function transformService(options: { port?: number; host?: string }): Promise<void> {
  const log = createLogger('transform');
  const { config, env } = loadConfig();
  const warehouse = await openWarehouse(env, config, 'paved transform');
  let migrated = false;
  let lastWarehouseError = 'not checked yet';
  let leadership: Leadership | null = null;
  // One scheduler for every job of this process: its ticks fire on every replica, and only the
  // leader (setLeadership below; or the only process) runs them, once the warehouse is ready.
  const scheduler = new Scheduler({ log, skipReason: () => (migrated ? null : `warehouse not ready: ${lastWarehouseError}`) });
  const schedule = new TransformSchedule(warehouse, metricSettingsOf(config), config.metrics.transformSchedule, log, () => null, { scheduler });

  // Digests follow the same leader; the delivery ledger still keeps a second sender from doubling any.
  const digests = new DigestScheduler({ warehouse, config, env, log: createLogger('digest'), surveySummary: digestSurveySummary, scheduler });

  const ensureMigrated = async () => {
    if (migrated) return;
    try {
      await migrate(warehouse);
      migrated = true;
      log('info', 'warehouse ready');
    } catch (error) {
      lastWarehouseError = describeWarehouseError(error);
      log('warn', 'warehouse not reachable; will retry', { error: lastWarehouseError });
    }
  };
  await ensureMigrated();
  const retry = setInterval(() => void ensureMigrated(), 5_000);

  const brokers = kafkaBrokersFromEnv(env.KAFKA_BROKERS);
  if (brokers) {
    leadership = await electLeader({ brokers, topicPrefix: config.bus.topicPrefix, job: 'transform', onChange: (leader) => log('info', leader ? 'this replica now runs the transform schedule' : 'another replica runs the transform schedule') });
    scheduler.setLeadership(leadership);
  }
  // With Kafka, the leader also fetches GitHub's compare for new production deployments (the sink stores it).
  const bus = brokers && githubCredentialsConfigured(config, env) ? await createBus(env, config) : null;
  const compares = bus ? await compareEnrichmentOf(config, env, {
    warehouse, bus, context: normaliseContextOf(config), log: createLogger('compare-enrichment'), scheduler,
  }) : null;
  scheduler.start();
  schedule.start();
  digests.start();
  compares?.start();

  const checks: Check[] = [
    { name: 'warehouse', run: async () => { const ping = await warehouseCheck(warehouse).run(); return ping.ok && !migrated ? { ok: false, detail: 'migrations not applied yet' } : ping; } },
    { name: 'schedule', run: async () => ({ ok: schedule.status.lastStatus !== 'failed', detail: `last ${schedule.status.lastStatus ?? 'never'} ${schedule.status.lastDetail}; next ${schedule.status.nextRun ?? '-'}; ${leadership ? (leadership.isLeader() ? 'leader' : 'standby') : 'single replica'}` }) },
  ];
  const app = opsRoutes(checks, createMetrics({ jobs: () => ({ runs: schedule.status.runs, failures: schedule.status.failures }) }));
  const host = options.host ?? env.HOST ?? '0.0.0.0';
  const port = options.port ?? env.PORT ?? 3002;
  const server = await serveApp(notFound(app, 'paved transform serves /healthz, /readyz and /metrics'), host, port);
  log('info', 'paved transform running', { host, port, schedule: config.metrics.transformSchedule, warehouse: warehouse.mode });

  const stop = async () => {
    clearInterval(retry);
    await schedule.stop();
    await digests.stop();
    await scheduler.stop();
    await compares?.stop();
    await bus?.close();
    await leadership?.stop();
    await new Promise((resolve) => server.close(resolve));
    await warehouse.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
