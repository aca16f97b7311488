import { readFileSync } from 'node:fs';
import { type SourceRegistry, sources } from '@paved/ingest';
import type { EventSource } from '@paved/schemas';
import { ConfigError } from '@paved/runtime';
import { WarehouseLockedError } from '@paved/warehouse';
import { Command, InvalidArgumentError, Option } from 'commander';
import { backfillCommand } from './commands/backfill.js';
import { type ConnectGithubOptions, connectGithubCommand } from './commands/connect.js';
import { type ConnectOpsgenieOptions, type ConnectPagerdutyOptions, connectOpsgenieCommand, connectPagerdutyCommand } from './commands/connect-pagerduty.js';
import { dashboardService } from './commands/dashboard-service.js';
import { demo } from './commands/demo.js';
import { digestCommand } from './commands/digest.js';
import { dlqReplay } from './commands/dlq.js';
import { metricsDora } from './commands/metrics.js';
import { migrateCommand } from './commands/migrate.js';
import { replayCommand } from './commands/replay.js';
import { ingestService, sinkService } from './commands/services.js';
import { start } from './commands/start.js';
import { type CreateOptions, surveyClose, surveyCreate, surveyImport, surveyInvite, surveyList, surveyResults } from './commands/survey.js';
import { transformRun } from './commands/transform.js';
import { transformService } from './commands/transform-service.js';

/** The version of this CLI, from its package.json (the workspace's release version). */
export function pavedVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return parsed;
};

/** The `paved` program; `registry`: the sources whose `paved backfill` subcommands and `replay --source` choices it offers (tests add one). */
export function program(registry: SourceRegistry = sources): Command {
  const cli = new Command('paved')
    .description('Paved: DORA metrics, platform adoption and developer surveys for platform teams')
    .version(pavedVersion(), '-V, --version', 'print the version of paved')
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
    .description('the five DORA keys for a window [from, to) (default: the last 90 days, today included)')
    .option('--from <date>', 'YYYY-MM-DD (inclusive; default: 90 days before --to)')
    .option('--to <date>', 'YYYY-MM-DD (exclusive; default: 90 days after --from, else tomorrow)')
    .option('--team <team>', 'only this team')
    .option('--service <service>', 'only this service')
    .addOption(new Option('--profile <profile>', 'benchmark profile').choices(['2023', '2024']))
    .option('--json', 'print the API JSON')
    .action((options: { from?: string; to?: string; team?: string; service?: string; profile?: '2023' | '2024'; json?: boolean }) => metricsDora(options));

  const survey = cli.command('survey').description('developer-survey campaigns: create, invite, close, results, import');
  survey.command('list')
    .description('campaigns with their status and response counts')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => surveyList(options));
  survey.command('create')
    .description('create a campaign: a survey version sent to teams between two dates')
    .requiredOption('--id <id>', 'campaign id, e.g. dx-2026-q1')
    .option('--title <title>', 'shown to respondents (default: the id)')
    .option('--survey <ref>', 'survey id[@version] (default: the shipped developer-experience template)')
    .option('--definition <file>', 'a YAML survey definition to use (stored with the campaign)')
    .option('--teams <a,b>', 'audience: teams from the catalog')
    .option('--all-teams', 'audience: every team in the catalog')
    .requiredOption('--opens <date>', 'first day, YYYY-MM-DD (UTC)')
    .requiredOption('--closes <date>', 'last day answers are accepted, YYYY-MM-DD (UTC)')
    .option('--reminders <dates>', 'reminder days, comma-separated YYYY-MM-DD')
    .action((options: CreateOptions) => surveyCreate(options));
  survey.command('invite')
    .description('one single-use link per person: --send e-mails each over SMTP_URL, else prints CSV email,team,link; --remind sends (or prints) the reminder instead')
    .requiredOption('--campaign <id>', 'campaign id')
    .requiredOption('--emails <file>', 'CSV with the columns email and team')
    .option('--send', 'e-mail the invitations (or, with --remind, the reminder) over SMTP_URL; nothing is printed or kept')
    .option('--remind', 'the reminder (no links): printed per address, or e-mailed with --send, and recorded')
    .action((options: { campaign: string; emails: string; remind?: boolean; send?: boolean }) => surveyInvite(options));
  survey.command('close')
    .description('close a campaign now: links stop accepting answers')
    .requiredOption('--campaign <id>', 'campaign id')
    .action((options: { campaign: string }) => surveyClose(options));
  survey.command('results')
    .description('results with anonymity applied (groups under surveys.minGroupSize are hidden)')
    .option('--campaign <id>', 'campaign id (default: the newest with responses)')
    .addOption(new Option('--by <dimension>', 'breakdown').choices(['team', 'tenure', 'role']).default('team'))
    .option('--json', 'print the API JSON')
    .option('--csv', 'print the CSV export')
    .action((options: { campaign?: string; by?: 'team' | 'tenure' | 'role'; json?: boolean; csv?: boolean }) => surveyResults(options));
  survey.command('import')
    .description('import responses collected elsewhere: CSV with team, tenure, role and one column per question id')
    .requiredOption('--campaign <id>', 'campaign id')
    .argument('<file>', 'the CSV file')
    .option('--json', 'print the validation report as JSON')
    .action((file: string, options: { campaign: string; json?: boolean }) => surveyImport({ ...options, file }));

  const backfill = cli.command('backfill')
    .description('history the webhooks never delivered, through the source API');
  // One subcommand per source plugin that declares a backfill command (ingest/src/sources/index.ts): adding a source adds nothing here.
  for (const source of registry.sources) {
    const declared = source.backfill?.cli;
    if (!declared) continue;
    const command = backfill.command(source.id).description(declared.description);
    for (const option of declared.options) {
      const repeatable = option.repeatable;
      if (!repeatable) command.option(option.flags, option.description);
      else {
        command.option(option.flags, option.description, (value: string, previous: string[]) => {
          if (!repeatable.pattern.test(value)) throw new InvalidArgumentError(repeatable.expected);
          return [...previous, value];
        }, [] as string[]);
      }
    }
    command.action((options: Record<string, unknown>) => backfillCommand(source.id, declared, options));
  }

  const connect = cli.command('connect')
    .description('connect a source in one step: check permissions, create its webhook, backfill, then see Data health');
  connect.command('github')
    .description('check a token\'s or GitHub App\'s permissions (naming what is missing and why), create or update the organisation\'s (or each repository\'s) webhook with the right events and secret, backfill the history with progress, and print the Data health URL')
    .option('--org <org>', 'the organisation (default: sources.github.org)')
    .option('--repo <owner/name>', 'webhooks on this repository instead of the organisation, and backfill only it (repeatable)', (value: string, previous: string[]) => {
      if (!/^[^/\s]+\/[^/\s]+$/.test(value)) throw new InvalidArgumentError('expected owner/name');
      return [...previous, value];
    }, [] as string[])
    .option('--url <url>', 'Paved\'s public address GitHub posts to (default: server.publicUrl); the webhook is <url>/webhooks/github')
    .option('--allow-loopback', 'accept a loopback --url (tests; GitHub.com cannot reach one)')
    .option('--check', 'only check the permissions: create nothing, fetch nothing (exit 1 when some are missing)')
    .option('--no-backfill', 'create the webhook only; run `paved backfill github` later')
    .option('--since <date>', 'backfill only what changed after this date (YYYY-MM-DD)')
    .option('--token-stdin', 'read the token from stdin instead of GITHUB_TOKEN (keeps it out of the shell history)')
    .option('--app-id <id>', 'a GitHub App instead of a token (default: GITHUB_APP_ID when --private-key is given)')
    .option('--private-key <file>', 'the GitHub App\'s private key (.pem; default: GITHUB_APP_PRIVATE_KEY)')
    .option('--installation-id <id>', 'the App\'s installation (default: the one on the organisation)', integer('--installation-id'))
    .option('--json', 'print the outcome (permissions, webhooks, backfill counts) as JSON')
    .action((options: ConnectGithubOptions) => connectGithubCommand(options));
  connect.command('pagerduty')
    .description('create (or update) the PagerDuty V3 webhook subscription posting incident events to Paved, and keep its signing secret (0600) for verification')
    .option('--url <url>', 'Paved\'s public address PagerDuty posts to (default: server.publicUrl); the webhook is <url>/webhooks/pagerduty')
    .option('--allow-loopback', 'accept a loopback --url (tests)')
    .option('--check', 'only check that the API key can read webhook subscriptions')
    .option('--api-key-stdin', 'read the API key from stdin instead of PAGERDUTY_API_KEY')
    .option('--api-url <url>', 'PagerDuty REST API (EU accounts: https://api.eu.pagerduty.com)', 'https://api.pagerduty.com')
    .action((options: ConnectPagerdutyOptions) => connectPagerdutyCommand(options));
  connect.command('opsgenie')
    .description('create (or update) the Opsgenie Webhook integration "Paved" posting alert actions to Paved with the token it verifies (OPSGENIE_WEBHOOK_TOKEN, else generated 0600)')
    .option('--url <url>', 'Paved\'s public address Opsgenie posts to (default: server.publicUrl); the webhook is <url>/webhooks/opsgenie')
    .option('--allow-loopback', 'accept a loopback --url (tests)')
    .option('--api-key-stdin', 'read the API key from stdin instead of OPSGENIE_API_KEY')
    .option('--api-url <url>', 'Opsgenie API (EU accounts: https://api.eu.opsgenie.com)', 'https://api.opsgenie.com')
    .action((options: ConnectOpsgenieOptions) => connectOpsgenieCommand(options));

  cli.command('replay')
    .description('re-normalise the raw archive with the current normalisers and settings, then recompute the metrics (no duplicates)')
    .option('--from <date>', 'only deliveries received from this date (YYYY-MM-DD or ISO 8601)')
    .addOption(new Option('--source <source>', 'only deliveries of this source').choices(registry.sources.map((source) => source.id)))
    .action((options: { from?: string; source?: EventSource }) => replayCommand(options));

  cli.command('digest')
    .description('send the weekly digests of an ISO week that are not sent yet (Slack, email, archive); --dry-run prints them')
    .option('--week <week>', 'ISO week, e.g. 2026-W47 (default: the last complete week)')
    .option('--team <team>', "only this team's digest")
    .option('--org', "only the organisation's digest")
    .addOption(new Option('--channel <channel>', 'only this channel').choices(['slack', 'email', 'archive']))
    .option('--dry-run', 'print what the messages will say; send and record nothing')
    .option('--force', 'send again even if sent, given up or possibly sent (uncertain)')
    .action((options: { week?: string; team?: string; org?: boolean; channel?: 'slack' | 'email' | 'archive'; dryRun?: boolean; force?: boolean }) => digestCommand(options));

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

  cli.command('dlq')
    .description('dead letters')
    .command('replay')
    .description('re-drive dead letters that were not replayed yet back onto the bus, oldest first')
    .option('--limit <n>', 'at most this many', integer('--limit'), 10_000)
    .action((options: { limit: number }) => dlqReplay(options));

  cli.command('dashboard')
    .description('production: the dashboard alone (next start) against CLICKHOUSE_URL; /healthz, /readyz, /metrics')
    .option('--port <port>', 'port (default PORT or 3000)', integer('--port'))
    .option('--host <host>', 'interface (default 127.0.0.1; others need auth.oidc)')
    .action((options: { port?: number; host?: string }) => dashboardService(options));

  return cli;
}

export async function main(argv: string[]): Promise<void> {
  // Everything Paved writes (journal, raw archive, secrets, the embedded warehouse) is owner-only.
  process.umask(0o077);
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
