import type { Bus } from '../bus/bus.js';
import { BackfillExtract } from '../backfill-extract.js';
import type { CatalogProblem } from '../catalog/backstage.js';
import type { NormaliseContext } from '../delivery.js';
import type { SourceRegistry } from '../sources/registry.js';
import { type BackfillCounts, collectGithub, type GithubCollectOptions } from './collect.js';

export { BACKFILL_KINDS, type BackfillCounts, type BackfillKind, type BackfillProgress } from './collect.js';

/*
 * `paved backfill github`: collect (collect.ts: the API, page by page, into raw records) then
 * extract (../backfill-extract.ts: each record through the webhook path into canonical events),
 * page by page, so a cursor moves only after the bus has what came before it. See
 * docs/sources.md, "Backfill", and docs/sources/adding-a-source.md.
 */

export interface BackfillOptions extends Omit<GithubCollectOptions, 'out' | 'context'> {
  bus: Bus;
  context: NormaliseContext;
  /** The sources extract normalises with (default: every source Paved ships). */
  sources?: SourceRegistry;
}

export interface BackfillResult {
  repos: string[];
  /** Repositories listed explicitly that GitHub did not show (missing, or no access). */
  missingRepos: string[];
  /** HTTP requests sent (retries included) and how they were answered. */
  requests: number;
  requestsByKind: Record<string, number>;
  notModified: number;
  /** Requests GitHub refused for a rate limit (each retried after its retry-after, up to the retry bound). */
  rateLimited: number;
  serverErrors: number;
  rateLimitRemaining: number | null;
  /** Requests spent on pull requests per 1,000 pull requests fetched (null when none were). */
  requestsPer1000PullRequests: number | null;
  fetched: BackfillCounts;
  /** Deliveries sent down the webhook path, and how normalisation ended for them. */
  deliveries: number;
  deadLettered: number;
  ignored: number;
  /** Canonical events published (normalised deliveries and catalog entities). */
  events: number;
  catalogProblems: CatalogProblem[];
  /** Items GitHub returned that did not have the expected shape (skipped, logged). */
  skipped: number;
  ms: number;
}

export async function backfillGithub(options: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  const { bus, sources, ...collectOptions } = options;
  const extract = new BackfillExtract({ bus, context: options.context, ...(sources ? { sources } : {}), ...(options.log ? { log: options.log } : {}) });
  const collected = await collectGithub({ ...collectOptions, out: extract });
  const prRequests = collected.requestsByKind.pull_requests ?? 0;
  const pullRequests = collected.fetched.pullRequests;
  return {
    repos: collected.repos,
    missingRepos: collected.missingRepos,
    requests: collected.requests,
    requestsByKind: collected.requestsByKind,
    notModified: collected.notModified,
    rateLimited: collected.rateLimited,
    serverErrors: collected.serverErrors,
    rateLimitRemaining: collected.rateLimitRemaining,
    requestsPer1000PullRequests: pullRequests ? Math.round((prRequests / pullRequests) * 1000 * 10) / 10 : null,
    fetched: collected.fetched,
    deliveries: extract.counts.deliveries,
    deadLettered: extract.counts.deadLettered,
    ignored: extract.counts.ignored,
    events: extract.counts.events,
    catalogProblems: collected.catalogProblems,
    skipped: collected.skipped,
    ms: Math.round(performance.now() - started),
  };
}
