import { GitlabApi, GitlabBackfillAbortedError } from '@paved/ingest';
import { backfillGitlab, type GitlabBackfillResult } from '@paved/ingest';
import { JiraApi, backfillJira, type JiraBackfillResult } from '@paved/ingest';
import { loadConfig } from '@paved/transform';
import { progress } from '../progress.js';
import { normaliseContextOf } from '../setup.js';
import { reportSkipped, runBackfill, sinceOf } from './backfill.js';

/*
 * `paved backfill gitlab` and `paved backfill jira`: the same wiring as `paved backfill github`
 * (runBackfill: the warehouse, cursors, Ctrl-C, the transform afterwards), each with its own
 * collect step. docs/commands.md, docs/sources/gitlab.md and jira.md.
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

  await runBackfill('gitlab', config, env, options.full === true, async ({ bus, cursors, signal, log }) => {
    const api = new GitlabApi({ apiUrl: gitlab?.apiUrl ?? 'https://gitlab.com/api/v4', token, signal, log });
    const bar = progress('backfill gitlab', 1);
    let result: GitlabBackfillResult;
    try {
      result = await backfillGitlab({
        api, bus, cursors, context: normaliseContextOf(config), projects, groups, since, log,
        catalogFromRepos: config.catalog.backstageFromRepos,
        productionEnvironment: new RegExp(config.metrics.productionPattern, 'i'),
        onProgress: (state) => {
          bar.setTotal(Math.max(1, state.total));
          bar.update(state.done, `${state.project ? `${state.project} ${state.kind}` : 'listing projects'} · ${state.requests} requests · rate limit ${state.rateLimitRemaining ?? '?'} left`);
        },
      });
    } catch (error) {
      bar.stop();
      if (error instanceof GitlabBackfillAbortedError) return { stoppedAfter: api.stats.requests };
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
    reportSkipped(result.catalogProblems, result.missingProjects, (project) => `GitLab does not show ${project} (missing, or the token has no access): skipped`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return null;
  });
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
  const { baseUrl } = jira;
  const credentials = { email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN };
  const since = sinceOf(options.since);

  await runBackfill('jira', config, env, options.full === true, async ({ bus, cursors, signal, log }) => {
    const api = new JiraApi({ baseUrl, ...credentials, signal, log });
    let result: JiraBackfillResult;
    try {
      result = await backfillJira({ api, bus, cursors, context: normaliseContextOf(config), since, log });
    } catch (error) {
      if (signal.aborted) return { stoppedAfter: api.stats.requests };
      throw error;
    }
    process.stderr.write(`backfilled ${result.issues} Jira issues (${result.jql}) in ${Math.round(result.ms / 1000)} s: ${result.events} incident events (${result.ignored} ignored, ${result.deadLettered} dead-lettered); ${result.requests} requests, ${result.rateLimited} rate-limited and retried\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return null;
  });
}
