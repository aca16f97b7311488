import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '@paved/transform/runtime/config';
import { WarehouseLockedError } from '@paved/transform/warehouse/lock';
import { demo } from './commands/demo.js';
import { metricsDora } from './commands/metrics.js';
import { migrateCommand } from './commands/migrate.js';
import { dashboardService } from './commands/dashboard-service.js';
import { ingestService, sinkService } from './commands/services.js';
import { transformService } from './commands/transform-service.js';
import { start } from './commands/start.js';
import { transformRun } from './commands/transform.js';

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return parsed;
};

export function program(): Command {
  const cli = new Command('paved')
    .description('Paved: DORA metrics, platform adoption and developer surveys for platform teams')
    .showHelpAfterError('(run `paved help <command>` for usage)');

  cli.command('start')
    .description('run the whole product in one process: warehouse, webhooks, sink, transforms and dashboard')
    .option('--no-demo', 'start empty, ready for real webhooks (same as PAVED_DEMO=0)')
    .addOption(new Option('--scale <scale>', 'demo organisation size').choices(['small', 'medium', 'large']).default('medium'))
    .option('--seed <n>', 'demo seed', integer('--seed'), 42)
    .option('--port <port>', 'port (default PORT or 3000)', integer('--port'))
    .option('--host <host>', 'interface (default 127.0.0.1)')
    .action((options: { demo: boolean; scale: 'small' | 'medium' | 'large'; seed: number; port?: number; host?: string }) => start(options));

  cli.command('migrate')
    .description('apply pending warehouse migrations (idempotent)')
    .action(() => migrateCommand());

  cli.command('demo')
    .description('generate the demo organisation into the warehouse (deterministic for a seed)')
    .addOption(new Option('--scale <scale>', 'size').choices(['small', 'medium', 'large']).default('medium'))
    .option('--seed <n>', 'seed', integer('--seed'), 42)
    .action((options: { scale: 'small' | 'medium' | 'large'; seed: number }) => demo(options));

  const transform = cli.command('transform')
    .description('production: the metric schedule as a service (one leader among replicas via Kafka); `transform run` recomputes now')
    .option('--port <port>', 'ops port (default PORT or 3002)', integer('--port'))
    .option('--host <host>', 'interface (default 0.0.0.0)')
    .action((options: { port?: number; host?: string }) => transformService(options));
  transform.command('run')
    .description('recompute every derived table and metric now')
    .action(() => transformRun());

  const metrics = cli.command('metrics').description('query metrics');
  metrics.command('dora')
    .description('the five DORA keys for a window [from, to)')
    .requiredOption('--from <date>', 'YYYY-MM-DD (inclusive)')
    .requiredOption('--to <date>', 'YYYY-MM-DD (exclusive)')
    .option('--team <team>', 'only this team')
    .option('--service <service>', 'only this service')
    .addOption(new Option('--profile <profile>', 'benchmark profile').choices(['2023', '2024']))
    .option('--json', 'print the API JSON')
    .action((options: { from: string; to: string; team?: string; service?: string; profile?: '2023' | '2024'; json?: boolean }) => metricsDora(options));

  cli.command('ingest')
    .description('production: webhook receivers handing deliveries to Kafka (KAFKA_BROKERS); /healthz, /readyz, /metrics')
    .option('--port <port>', 'port (default PORT or 3000)', integer('--port'))
    .option('--host <host>', 'interface (default 0.0.0.0)')
    .action((options: { port?: number; host?: string }) => ingestService(options));

  cli.command('sink')
    .description('production: Kafka consumer group inserting into ClickHouse; /healthz, /readyz, /metrics')
    .option('--port <port>', 'ops port (default PORT or 3001)', integer('--port'))
    .option('--host <host>', 'interface (default 0.0.0.0)')
    .option('--batch-size <n>', 'rows per insert', integer('--batch-size'))
    .action((options: { port?: number; host?: string; batchSize?: number }) => sinkService(options));

  cli.command('dashboard')
    .description('production: the dashboard alone (next start) against CLICKHOUSE_URL; /healthz, /readyz, /metrics')
    .option('--port <port>', 'port (default PORT or 3000)', integer('--port'))
    .option('--host <host>', 'interface (default 127.0.0.1; others need auth.oidc)')
    .action((options: { port?: number; host?: string }) => dashboardService(options));

  return cli;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`paved: configuration error\n${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof WarehouseLockedError) {
      process.stderr.write(`paved: ${error.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`paved: ${(error as Error).message}\n`);
    if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  }
}
