import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { z } from 'zod';
import { fullOption, jsonOption, sinceOf, sinceOption, skippedLines } from '../backfill-command.js';
import type { BackfillCommand } from '../sources/contract.js';
import { BackfillAbortedError, GithubApi, type GithubAuth } from './api.js';
import { type BackfillResult, backfillGithub } from './backfill.js';

/*
 * `paved backfill github`, as the GitHub plugin declares it (source.ts): the CLI builds the
 * subcommand from this and runs `prepare`'s collect step with the warehouse, cursors and Ctrl-C
 * (tools/cli/src/commands/backfill.ts). Posting to the running server's webhooks instead would need
 * the webhook secret, and an admin route for it would move a long GitHub crawl into the server.
 */

const Options = z.object({ since: z.string().optional(), repo: z.array(z.string()).default([]), full: z.boolean().optional(), json: z.boolean().optional() });

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

export const githubBackfillCommand: BackfillCommand = {
  description: 'pull requests (reviews, commits), default-branch commits, deployments, workflow runs, incident issues, releases and catalog-info.yaml of the configured org or repos; a second run fetches only what changed',
  options: [
    sinceOption(),
    {
      flags: '--repo <owner/name>', description: 'this repository (repeatable; default: sources.github.repos, else every repository of sources.github.org)',
      repeatable: { pattern: /^[^/\s]+\/[^/\s]+$/, expected: 'expected owner/name' },
    },
    fullOption,
    jsonOption(),
  ],
  prepare(input, { config, env }) {
    const options = Options.parse(input);
    const github = config.sources.github;
    const repos = options.repo.length ? options.repo : github?.repos ?? [];
    const org = github?.org;
    if (!repos.length && !org) throw new Error('nothing to backfill: set sources.github.org or sources.github.repos in paved.config.yaml, or pass --repo owner/name');
    const since = sinceOf(options.since);
    const auth = githubAuthOf(env, org, repos);
    return async ({ bus, cursors, signal, log, context, progress, stdout, stderr }) => {
      const api = await GithubApi.connect({ apiUrl: github?.apiUrl ?? 'https://api.github.com', auth, signal, log });
      const bar = progress('backfill github', 1);
      let result: BackfillResult;
      try {
        result = await backfillGithub({
          api, bus, cursors, context, org, repos, since, catalogFromRepos: config.catalog.backstageFromRepos, log,
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
      stderr(skippedLines(result.catalogProblems, result.missingRepos, (repo) => `GitHub does not show ${repo} (missing, or the token has no access): skipped`));
      if (options.json) stdout(`${JSON.stringify(result, null, 2)}\n`);
      return null;
    };
  },
};

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
