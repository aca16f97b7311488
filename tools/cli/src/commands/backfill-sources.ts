import { GitlabApi, GitlabBackfillAbortedError } from '@paved/ingest/gitlab/api';
import { backfillGitlab, type GitlabBackfillResult } from '@paved/ingest/gitlab/backfill';
import { JiraApi, backfillJira, type JiraBackfillResult } from '@paved/ingest/jira/backfill';
import { createLogger } from '@paved/ingest/log';
import { parseInstant, type PavedConfig } from '@paved/schemas';
import { Sink } from '@paved/transform/sink/sink';
import { loadConfig } from '@paved/transform/runtime/config';
import { migrate } from '@paved/transform/warehouse/migrate';
import { progress } from '../progress.js';
import { createBus, normaliseContextOf, openWarehouse } from '../setup.js';
import { afterIngest, cursorStore, drain } from './backfill.js';

/*
 * `paved backfill gitlab` and `paved backfill jira`: like `paved backfill github`, they write to the
 * warehouse themselves (so not while `paved start` holds the embedded one), keep their cursors there,
 * and recompute the metrics when done. docs/commands.md, docs/sources/gitlab.md and jira.md.
 */

export interface BackfillGitlabOptions {
  since?: string;
  project: string[];
  full?: boolean;
  json?: boolean;
}

export async function backfillGitlabCommand(options: BackfillGitlabOptions): Promise<void> {
  const { config, env } = loadConfig();
  const gitlab = config.sources.gitlab;
  const projects = options.project.length ? options.project : gitlab?.projects ?? [];
  const groups = options.project.length ? [] : gitlab?.groups ?? [];
  if (!projects.length && !groups.length) throw new Error('nothing to backfill: set sources.gitlab.projects or sources.gitlab.groups in paved.config.yaml, or pass --project group/project');
  const since = sinceOf(options.since);
  const tokenEnv = gitlab?.tokenEnv ?? 'GITLAB_TOKEN';
  const token = process.env[tokenEnv] || (tokenEnv === 'GITLAB_TOKEN' ? env.GITLAB_TOKEN : undefined);
  if (!token) throw new Error(`backfill needs a GitLab token: set ${tokenEnv} to a personal, group or project access token with the read_api scope`);

  const warehouse = await openWarehouse(env, config, 'paved backfill gitlab');
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  const log = createLogger('backfill', { write: (line) => process.stderr.write(`${line}\n`) });
  const api = new GitlabApi({ apiUrl: gitlab?.apiUrl ?? 'https://gitlab.com/api/v4', token, signal: controller.signal, log });
  try {
    await migrate(warehouse);
    await sink?.start();
    const bar = progress('backfill gitlab', 1);
    let result: GitlabBackfillResult;
    try {
      result = await backfillGitlab({
        api, bus, cursors: cursorStore(warehouse, bus, options.full === true), context: normaliseContextOf(config), projects, groups, since, log,
        catalogFromRepos: config.catalog.backstageFromRepos,
        productionEnvironment: new RegExp(config.metrics.productionPattern, 'i'),
        onProgress: (state) => {
          bar.setTotal(Math.max(1, state.total));
          bar.update(state.done, `${state.project ? `${state.project} ${state.kind}` : 'listing projects'} · ${state.requests} requests · rate limit ${state.rateLimitRemaining ?? '?'} left`);
        },
      });
    } catch (error) {
      bar.stop();
      if (error instanceof GitlabBackfillAbortedError) return await stopped(api.stats.requests, bus);
      throw error;
    }
    const f = result.fetched;
    const perThousand = result.requestsPer1000MergeRequests === null ? '' : ` (${result.requestsPer1000MergeRequests} per 1,000 merge requests)`;
    bar.stop([
      `backfilled ${result.projects.length} projects in ${Math.round(result.ms / 1000)} s: ${f.mergeRequests} merge requests (${f.mergeRequestCommits} commits, ${f.approvals} approvals, ${f.notes} notes), `
        + `${f.commits} default-branch commits, ${f.deployments} deployments in ${f.environments} environments, ${f.compares} compares between production deployments, ${f.incidents} incidents, ${f.releases} releases, ${f.catalogFiles} catalog files`,
      `${result.deliveries} deliveries → ${result.events} events (${result.deadLettered} dead-lettered, ${result.ignored} ignored)`,
      `${result.requests} requests${perThousand}, ${result.rateLimited} rate-limited and retried, ${result.throttled} waits for RateLimit-Reset, ${result.serverErrors} server errors; rate limit left: ${result.rateLimitRemaining ?? 'unknown'}`,
    ].join('\n'));
    for (const problem of result.catalogProblems) process.stderr.write(`catalog: ${problem.file}${problem.document !== null ? ` (document ${problem.document + 1})` : ''}: ${problem.problem}\n`);
    for (const project of result.missingProjects) process.stderr.write(`GitLab does not show ${project} (missing, or the token has no access): skipped\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await afterIngest(warehouse, bus, config);
  } finally {
    process.off('SIGINT', stop);
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}

export interface BackfillJiraOptions {
  since?: string;
  full?: boolean;
  json?: boolean;
}

export async function backfillJiraCommand(options: BackfillJiraOptions): Promise<void> {
  const { config, env } = loadConfig();
  const jira = config.sources.jira;
  if (!jira?.baseUrl) throw new Error('backfill needs sources.jira.baseUrl in paved.config.yaml (your site, e.g. https://acme.atlassian.net)');
  if (!env.JIRA_EMAIL || !env.JIRA_API_TOKEN) throw new Error('backfill needs JIRA_EMAIL and JIRA_API_TOKEN (an API token of an account that can browse the incident projects)');
  const since = sinceOf(options.since);

  const warehouse = await openWarehouse(env, config, 'paved backfill jira');
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  const log = createLogger('backfill', { write: (line) => process.stderr.write(`${line}\n`) });
  const api = new JiraApi({ baseUrl: jira.baseUrl, email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN, signal: controller.signal, log });
  try {
    await migrate(warehouse);
    await sink?.start();
    let result: JiraBackfillResult;
    try {
      result = await backfillJira({ api, bus, cursors: cursorStore(warehouse, bus, options.full === true), context: normaliseContextOf(config), since, log });
    } catch (error) {
      if (controller.signal.aborted) return await stopped(api.stats.requests, bus);
      throw error;
    }
    process.stderr.write(`backfilled ${result.issues} Jira issues (${result.jql}) in ${Math.round(result.ms / 1000)} s: ${result.events} incident events (${result.ignored} ignored, ${result.deadLettered} dead-lettered); ${result.requests} requests, ${result.rateLimited} rate-limited and retried\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await afterIngest(warehouse, bus, config as PavedConfig);
  } finally {
    process.off('SIGINT', stop);
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}

function sinceOf(value: string | undefined): string | null {
  if (!value) return null;
  const since = parseInstant(value);
  if (!since) throw new Error(`--since "${value}" is not a date: use YYYY-MM-DD or an ISO 8601 time`);
  return since;
}

async function stopped(requests: number, bus: Awaited<ReturnType<typeof createBus>>): Promise<void> {
  process.stderr.write(`stopped after ${requests} requests; run the same command again to go on where it stopped\n`);
  await drain(bus);
  process.exitCode = 130;
}
