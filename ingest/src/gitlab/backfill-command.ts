import { z } from 'zod';
import { fullOption, jsonOption, sinceOf, sinceOption, skippedLines } from '../backfill-command.js';
import type { BackfillCommand } from '../sources/contract.js';
import { GitlabApi, GitlabBackfillAbortedError } from './api.js';
import { backfillGitlab, type GitlabBackfillResult } from './backfill.js';

/** `paved backfill gitlab`, as the GitLab plugin declares it (source.ts); the CLI builds the subcommand from this. docs/sources/gitlab.md. */

const Options = z.object({ since: z.string().optional(), project: z.array(z.string()).default([]), full: z.boolean().optional(), json: z.boolean().optional() });

export const gitlabBackfillCommand: BackfillCommand = {
  description: 'merge requests (commits, approvals, notes), default-branch commits, deployments per environment, incidents, releases and catalog-info.yaml of sources.gitlab projects or groups, and compares between production deployments; resumable, a second run fetches only what changed',
  options: [
    sinceOption(),
    {
      flags: '--project <group/project>', description: 'this project (repeatable; default: sources.gitlab.projects and the projects of sources.gitlab.groups)',
      repeatable: { pattern: /^[^/\s]+(\/[^/\s]+)+$/, expected: 'expected group/project' },
    },
    fullOption,
    jsonOption(),
  ],
  prepare(input, { config, env }) {
    const options = Options.parse(input);
    const gitlab = config.sources.gitlab;
    const projects = options.project.length ? options.project : gitlab?.projects ?? [];
    const groups = options.project.length ? [] : gitlab?.groups ?? [];
    if (!projects.length && !groups.length) throw new Error('nothing to backfill: set sources.gitlab.projects or sources.gitlab.groups in paved.config.yaml, or pass --project group/project');
    const since = sinceOf(options.since);
    const tokenEnv = gitlab?.tokenEnv ?? 'GITLAB_TOKEN';
    const token = process.env[tokenEnv] || (tokenEnv === 'GITLAB_TOKEN' ? env.GITLAB_TOKEN : undefined);
    if (!token) throw new Error(`backfill needs a GitLab token: set ${tokenEnv} to a personal, group or project access token with the read_api scope`);
    return async ({ bus, cursors, signal, log, context, progress, stdout, stderr }) => {
      const api = new GitlabApi({ apiUrl: gitlab?.apiUrl ?? 'https://gitlab.com/api/v4', token, signal, log });
      const bar = progress('backfill gitlab', 1);
      let result: GitlabBackfillResult;
      try {
        result = await backfillGitlab({
          api, bus, cursors, context, projects, groups, since, log,
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
      stderr(skippedLines(result.catalogProblems, result.missingProjects, (project) => `GitLab does not show ${project} (missing, or the token has no access): skipped`));
      if (options.json) stdout(`${JSON.stringify(result, null, 2)}\n`);
      return null;
    };
  },
};
