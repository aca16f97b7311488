import { createLogger, levelOf, WebhookReceiver } from '@paved/ingest';
import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { busCheck, createMetrics, notFound, opsRoutes, serveApp, warehouseCheck } from '../ops.js';
import { createBus, normaliseContextOf, openWarehouse, sinkGroupOf } from '../setup.js';

/** Stops on SIGINT/SIGTERM after `cleanup` (which finishes the batch in hand). */
export function onShutdown(log: ReturnType<typeof createLogger>, cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down', { signal });
    cleanup().then(() => { log('info', 'stopped'); process.exit(0); }, (error: unknown) => { log('error', 'shutdown failed', { error: (error as Error).message }); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** `paved ingest`: webhook receivers → Kafka. Stateless, scale horizontally. */
export async function ingestService(options: { port?: number; host?: string }): Promise<void> {
  const log = createLogger('ingest');
  const { config, env } = loadConfig();
  if (!env.KAFKA_BROKERS) throw new Error('paved ingest needs KAFKA_BROKERS (e.g. 127.0.0.1:9092): it hands deliveries to Kafka. For one process without Kafka, use `paved start`.');
  const bus = await createBus(env, config);
  const receiver = new WebhookReceiver({ bus, context: normaliseContextOf(config), secrets: env, log: (entry) => log(levelOf(entry), String(entry.msg), entry) });
  const app = opsRoutes([busCheck(bus)], createMetrics({ receiver, bus })).route('/', receiver.app);
  const host = options.host ?? env.HOST ?? '0.0.0.0';
  const port = options.port ?? env.PORT ?? 3000;
  const server = await serveApp(notFound(app, 'paved ingest serves /webhooks/*, /healthz, /readyz and /metrics'), host, port);
  log('info', 'paved ingest listening', { host, port, brokers: env.KAFKA_BROKERS });
  onShutdown(log, async () => {
    await new Promise((resolve) => server.close(resolve));
    await bus.close();
  });
}

/** `paved sink`: Kafka → ClickHouse, one consumer group; scale by partitions. */
export async function sinkService(options: { port?: number; host?: string; batchSize?: number }): Promise<void> {
  const log = createLogger('sink');
  const { config, env } = loadConfig();
  if (!env.KAFKA_BROKERS) throw new Error('paved sink needs KAFKA_BROKERS (e.g. 127.0.0.1:9092). For one process without Kafka, use `paved start`.');
  const warehouse = await openWarehouse(env, config, 'paved sink');
  await migrate(warehouse);
  const bus = await createBus(env, config);
  const sink = new Sink(warehouse, bus, { groupId: sinkGroupOf(config), maxBatchSize: options.batchSize ?? 5_000, log: (entry) => log(levelOf(entry), String(entry.msg ?? 'sink'), entry) });
  // The broker may still be starting: retry the subscription instead of exiting.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sink.start();
      break;
    } catch (error) {
      if (attempt >= 30) throw error;
      log('warn', 'Kafka not reachable yet; retrying', { attempt, error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
  const app = opsRoutes([warehouseCheck(warehouse), busCheck(bus)], createMetrics({ sink, bus }));
  const host = options.host ?? env.HOST ?? '0.0.0.0';
  const port = options.port ?? env.PORT ?? 3001;
  const server = await serveApp(notFound(app, 'paved sink serves /healthz, /readyz and /metrics'), host, port);
  log('info', 'paved sink consuming', { host, port, brokers: env.KAFKA_BROKERS, warehouse: warehouse.mode });
  onShutdown(log, async () => {
    await sink.stop();
    await new Promise((resolve) => server.close(resolve));
    await bus.close();
    await warehouse.close();
  });
}
