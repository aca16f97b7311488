import type { Bus } from '@paved/ingest';
import type { InProcessBus } from '@paved/ingest';
import { emptyCursor, type CursorStore } from '@paved/ingest';
import { BackfillAbortedError, GithubApi, type GithubAuth } from '@paved/ingest';
import { backfillGithub, type BackfillResult } from '@paved/ingest';
import { createLogger, type Logger } from '@paved/ingest';
import { parseInstant, type PavedConfig, type PavedEnv } from '@paved/schemas';
import { WarehouseCursorStore } from '@paved/transform';
import { metricSettingsOf } from '@paved/transform';
import { runTransform } from '@paved/transform';
import { loadConfig } from '@paved/transform';
import { Sink } from '@paved/transform';
import type { Warehouse } from '@paved/transform';
import { migrate } from '@paved/transform';
import { progress } from '../progress.js';
import { createBus, normaliseContextOf, openWarehouse } from '../setup.js';

export interface BackfillGithubOptions {
  since?: string;
  repo: string[];
  /** Ignore saved cursors: fetch everything again (the warehouse deduplicates). */
  full?: boolean;
  json?: boolean;
}

/** What every `paved backfill <source>` hands its collect step: where deliveries go and where cursors live. */
export interface BackfillRun {
  warehouse: Warehouse;
  bus: Bus;
  cursors: CursorStore;
  /** Aborted on Ctrl-C: the collect step stops between requests and the run can be resumed. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * The wiring every `paved backfill <source>` shares: it writes to the warehouse itself (so while
 * `paved start` holds the embedded warehouse it stops with the WarehouseLockedError message, exit 3),
 * keeps its cursors there, stops cleanly on Ctrl-C (exit 130, resumable) and recomputes the metrics
 * when done. `collect` returns the number of requests made when it was stopped, or null when it finished.
 */
export async function runBackfill(source: string, config: PavedConfig, env: PavedEnv, full: boolean, collect: (run: BackfillRun) => Promise<{ stoppedAfter: number } | null>): Promise<void> {
  const warehouse = await openWarehouse(env, config, `paved backfill ${source}`);
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  const log = createLogger('backfill', { write: (line) => process.stderr.write(`${line}\n`) });
  try {
    await migrate(warehouse);
    await sink?.start();
    const stopped = await collect({ warehouse, bus, cursors: cursorStore(warehouse, bus, full), signal: controller.signal, log });
    if (stopped) {
      process.stderr.write(`stopped after ${stopped.stoppedAfter} requests; run the same command again to go on where it stopped\n`);
      await drain(bus);
      process.exitCode = 130;
      return;
    }
    await afterIngest(warehouse, bus, config);
  } finally {
    process.off('SIGINT', stop);
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}

/** `--since` as an instant, or null; a value that is not a date names the formats. */
export function sinceOf(value: string | undefined): string | null {
  if (!value) return null;
  const since = parseInstant(value);
  if (!since) throw new Error(`--since "${value}" is not a date: use YYYY-MM-DD or an ISO 8601 time`);
  return since;
}

/** Catalog problems and what the API did not show, on stderr after a run. */
export function reportSkipped(catalogProblems: { file: string; document: number | null; problem: string }[], missing: string[], what: (name: string) => string): void {
  for (const problem of catalogProblems) process.stderr.write(`catalog: ${problem.file}${problem.document !== null ? ` (document ${problem.document + 1})` : ''}: ${problem.problem}\n`);
  for (const name of missing) process.stderr.write(`${what(name)}\n`);
}

/**
 * `paved backfill github`. Posting to the running server's webhooks instead would need the webhook
 * secret, and an admin route for it would move a long GitHub crawl into the server process.
 */
export async function backfillGithubCommand(options: BackfillGithubOptions): Promise<void> {
  const { config, env } = loadConfig();
  const github = config.sources.github;
  const repos = options.repo.length ? options.repo : github?.repos ?? [];
  const org = github?.org;
  if (!repos.length && !org) throw new Error('nothing to backfill: set sources.github.org or sources.github.repos in paved.config.yaml, or pass --repo owner/name');
  const since = sinceOf(options.since);
  const auth = githubAuthOf(env, org, repos);

  await runBackfill('github', config, env, options.full === true, async ({ bus, cursors, signal, log }) => {
    const api = await GithubApi.connect({ apiUrl: github?.apiUrl ?? 'https://api.github.com', auth, signal, log });
    const bar = progress('backfill github', 1);
    let result: BackfillResult;
    try {
      result = await backfillGithub({
        api, bus, cursors, context: normaliseContextOf(config), org, repos, since, catalogFromRepos: config.catalog.backstageFromRepos, log,
        productionEnvironment: new RegExp(config.metrics.productionPattern, 'i'),
        commitFiles: { requests: github?.commitFileRequests ?? 1000, repos: monorepos(config) },
        onProgress: (state) => {
          bar.setTotal(Math.max(1, state.total));
          const where = state.repo ? `${state.repo} ${state.kind}` : 'listing repositories';
          bar.update(state.done, `${where} · ${state.requests} requests · rate limit ${state.rateLimitRemaining ?? '?'} left`);
        },
      });
    } catch (error) {
      bar.stop();
      if (error instanceof BackfillAbortedError) return { stoppedAfter: api.stats.requests };
      throw error;
    }
    bar.stop(summary(result));
    reportSkipped(result.catalogProblems, result.missingRepos, (repo) => `GitHub does not show ${repo} (missing, or the token has no access): skipped`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return null;
  });
}

/** Repositories whose commits' files decide which services they count for (a service under a path, or a shared path). */
export function monorepos(config: PavedConfig): string[] {
  const repos = new Set<string>();
  for (const service of config.catalog.services) if (service.path && service.path.replace(/^\/+|\/+$/g, '') !== '') repos.add(service.repo);
  for (const shared of config.catalog.sharedPaths) if (shared.repo) repos.add(shared.repo);
  return [...repos];
}

/** Token first; otherwise the GitHub App installed on the organisation (or the first repository). */
export function githubAuthOf(env: PavedEnv, org: string | undefined, repos: string[]): GithubAuth {
  if (env.GITHUB_TOKEN) return { kind: 'token', token: env.GITHUB_TOKEN };
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY) {
    const installationOf = org ? { org } : { repo: repos[0]! };
    return { kind: 'app', appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY, installationOf };
  }
  throw new Error('backfill needs GitHub credentials: set GITHUB_TOKEN (repo and read:org scopes), or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY of an app installed on the organisation');
}

/**
 * Cursors live in the warehouse. With the in-process bus, events wait in memory until the sink
 * inserted them: a cursor moves only after the bus drained, so a crash never skips what was fetched.
 */
export function cursorStore(warehouse: Warehouse, bus: Bus, full: boolean): CursorStore {
  const store = new WarehouseCursorStore(warehouse, () => drain(bus));
  if (!full) return store;
  return { load: async () => emptyCursor(), save: (key, cursor) => store.save(key, cursor) };
}

export async function drain(bus: Bus): Promise<void> {
  if (bus.kind === 'in-process') await (bus as InProcessBus).drained(3_600_000);
}

/** In-process: wait for the sink, then recompute the metrics. Kafka: `paved sink` inserts and the schedule recomputes. */
export async function afterIngest(warehouse: Warehouse, bus: Bus, config: PavedConfig): Promise<void> {
  if (bus.kind !== 'in-process') {
    process.stderr.write('published to Kafka: `paved sink` inserts the events and the scheduled transform picks them up\n');
    return;
  }
  await drain(bus);
  const bar = progress('transform', 0);
  const report = await runTransform(warehouse, metricSettingsOf(config), (label, index, total) => {
    bar.setTotal(total);
    bar.update(index, label);
  });
  bar.stop(`transform finished in ${report.totalMs} ms`);
}

function summary(result: BackfillResult): string {
  const f = result.fetched;
  const perThousand = result.requestsPer1000PullRequests === null ? '' : ` (${result.requestsPer1000PullRequests} per 1,000 pull requests)`;
  return [
    `backfilled ${result.repos.length} repositories in ${Math.round(result.ms / 1000)} s: ${f.pullRequests} pull requests (${f.reviews} reviews, ${f.pullRequestCommits} commits), `
      + `${f.commits} default-branch commits, ${f.deployments} deployments (${f.deploymentStatuses} statuses), ${f.workflowRuns} deployment workflow runs, `
      + `${f.compares} compares between production deployments, ${f.incidentIssues} incident issues, ${f.releases} releases, ${f.catalogFiles} catalog files`,
    `${result.deliveries} deliveries → ${result.events} events (${result.deadLettered} dead-lettered, ${result.ignored} ignored)`,
    `${result.requests} requests${perThousand}, ${result.notModified} answered 304 (free), ${result.rateLimited} rate-limited and retried, ${result.serverErrors} server errors; rate limit left: ${result.rateLimitRemaining ?? 'unknown'}`,
  ].join('\n');
}
