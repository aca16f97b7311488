import type { Instant } from '@paved/schemas';
import type { z } from 'zod';
import { emptyCursor, type BackfillCursor, type CursorKey, type CursorStore } from '../backfill-cursor.js';
import type { RawRecordSink } from '../backfill-extract.js';
import { BackfillLoop } from '../backfill-loop.js';
import { catalogEventsFromYaml, type CatalogProblem } from '../catalog/backstage.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import type { Logger } from '../log.js';
import { repoPath, type GithubApi, type GithubApiStats } from './api.js';
import { fetchCompare } from './compare.js';
import {
  commitDelivery, compareDelivery, deploymentDelivery, deploymentStatusDelivery, issueDelivery, pullRequestDelivery, releaseDelivery, workflowRunDelivery, type Fetched,
} from './backfill-deliveries.js';
import {
  COMMITS_PER_PR, GqlPullRequestPage, PULL_REQUESTS_QUERY, RestCommit, type RestCompare, RestContentFile, RestDeployment, RestDeploymentStatus, RestIssue, RestRelease,
  RestRepository, RestReview, RestWorkflow, RestWorkflowRun, gqlCommitOf, gqlReviewOf, type GqlPullRequest,
} from './backfill-objects.js';

/*
 * Collect, the first half of `paved backfill github` (extract: backfill-deliveries.ts shapes each
 * object as a raw record, backfill-normalise.ts turns the records no webhook carries into events,
 * both through ../backfill-extract.ts; the whole run: backfill.ts). The history GitHub's webhooks
 * never delivered, read through the API as raw records. See docs/sources.md, "Backfill".
 *
 * Every listing is read newest first. A run remembers, per repository and kind, the newest item it
 * saw (watermark) and the ETag of the first page: the next run asks for the first page with
 * If-None-Match and stops at a 304 (nothing changed, and a 304 costs no rate limit) or walks only
 * down to the watermark. After each page, once the extract step accepted its records (the bus has
 * them), the cursor records the next page, so a crashed or aborted run goes on from there. Rate
 * limits are the API client's (api.ts: retry-after, bounded retries, then a resumable stop).
 */

export const BACKFILL_KINDS = ['pull_requests', 'commits', 'deployments', 'workflow_runs', 'issues', 'releases', 'catalog'] as const;
export type BackfillKind = (typeof BACKFILL_KINDS)[number];

export interface GithubCollectOptions {
  api: GithubApi;
  cursors: CursorStore;
  /** The extract step (BackfillExtract), or anything else that takes raw records (tests). */
  out: RawRecordSink;
  /** The incident label and the deployment-workflow pattern (the webhook normaliser's settings). */
  context: Pick<NormaliseContext, 'incidentLabel' | 'deploymentWorkflowPattern'>;
  /** Organisation whose repositories are backfilled when `repos` is empty. */
  org?: string;
  /** Explicit `owner/name` repositories. */
  repos?: string[];
  /** Oldest time of interest on a first run (later runs go from their watermark). */
  since?: Instant | null;
  /** Read catalog-info.yaml at each repository's root. */
  catalogFromRepos?: boolean;
  /** Environments whose consecutive successful deployments get a compare (default `^(prod|production)$`, case-insensitive). */
  productionEnvironment?: RegExp;
  /** Only these kinds (default: all that apply). */
  kinds?: readonly BackfillKind[];
  /**
   * File lists of default-branch commits (one `GET /repos/{owner}/{repo}/commits/{sha}` each, newest
   * first), for the repositories listed (monorepos: a commit counts only for the services whose path
   * it touches), at most `requests` per run. Commits beyond the budget keep unknown files.
   */
  commitFiles?: { requests: number; repos: readonly string[] };
  /** Pull requests per GraphQL query (each with up to 50 reviews and 100 commits nested). */
  pullRequestPageSize?: number;
  now?: () => Date;
  onProgress?: (progress: BackfillProgress) => void;
  log?: Logger;
}

export interface BackfillProgress {
  done: number;
  total: number;
  repo: string | null;
  kind: string | null;
  requests: number;
  rateLimitRemaining: number | null;
}

export interface BackfillCounts {
  pullRequests: number;
  reviews: number;
  pullRequestCommits: number;
  commits: number;
  deployments: number;
  deploymentStatuses: number;
  workflowRuns: number;
  incidentIssues: number;
  releases: number;
  catalogFiles: number;
  /** Compare API answers between consecutive production deployments. */
  compares: number;
  /** Default-branch commit details requested for their file lists (within `commitFiles.requests`). */
  commitFiles: number;
}

/** What collect found, fetched and spent (the counts of raw records and events are the extract step's). */
export interface GithubCollectResult {
  repos: string[];
  /** Repositories listed explicitly that GitHub did not show (missing, or no access). */
  missingRepos: string[];
  /** HTTP requests sent (retries included) and how they were answered, since the run began. */
  requests: number;
  requestsByKind: Record<string, number>;
  notModified: number;
  /** Requests GitHub refused for a rate limit (each retried after its retry-after, up to the retry bound). */
  rateLimited: number;
  serverErrors: number;
  rateLimitRemaining: number | null;
  fetched: BackfillCounts;
  catalogProblems: CatalogProblem[];
  /** Items GitHub returned that did not have the expected shape (skipped, logged). */
  skipped: number;
}

/** Deployments, runs and releases are listed by creation: look this far below the watermark for ones that changed since. */
const LOOKBACK_MS = 3 * 24 * 3600 * 1000;
const PER_PAGE = 100;
const PRODUCTION = /^(prod|production)$/i;

/** A successful production deployment, as the compare bookkeeping remembers it. */
interface Shipped { id: number; environment: string; sha: string; at: string }
interface CompareState { seen: Shipped[]; last: Record<string, Shipped>; pending: { base: string; head: string }[] }

interface Bounds {
  /** Watermark of the previous complete walk (ISO time, or a sha for commits). */
  stop: string | null;
  since: string | null;
}

interface RestWalk<T> {
  scope: string;
  kind: string;
  firstPage: string;
  itemsOf?: (data: unknown) => unknown[];
  schema: z.ZodType<T>;
  /** An item's position: the watermark becomes the newest time seen, or (`first`) the first item's value. */
  topOf: (item: T) => string;
  top?: 'newest_time' | 'first';
  /** The listing has gone below what earlier runs (or --since) covered: the walk ends here. */
  ended: (item: T, bounds: Bounds) => boolean;
  /** Whether an item above the end is new or changed (items listed by creation may not be). */
  changed?: (item: T, bounds: Bounds) => boolean;
  deliveriesOf: (items: T[]) => Promise<Delivery[]>;
}

/** The walk's watermark after seeing `candidate`. */
function newestOf<T>(spec: RestWalk<T>, current: string | null, candidate: string | null): string | null {
  if (candidate === null) return current;
  if (spec.top === 'first') return current ?? candidate;
  return current === null || time(candidate) > time(current) ? candidate : current;
}

const time = (value: string | null | undefined): number => (value ? Date.parse(value) : Number.NaN);
const newer = (value: string, than: string | null): boolean => than === null || time(value) > time(than);
const olderThan = (value: string, than: string | null, slackMs = 0): boolean => than !== null && time(value) < time(than) - slackMs;

/** Collect: every kind of every repository, as raw records handed to `options.out`. */
export async function collectGithub(options: GithubCollectOptions): Promise<GithubCollectResult> {
  return new GithubCollect(options).run();
}

class GithubCollect {
  /** The API client's counters when this run began (a client can serve several runs). */
  private readonly statsAtStart: GithubApiStats;
  private readonly counts: BackfillCounts = {
    pullRequests: 0, reviews: 0, pullRequestCommits: 0, commits: 0, deployments: 0, deploymentStatuses: 0, workflowRuns: 0, incidentIssues: 0, releases: 0, catalogFiles: 0, compares: 0, commitFiles: 0,
  };
  private readonly loop = new BackfillLoop(() => this.api.stats.requests);
  private readonly catalogProblems: CatalogProblem[] = [];
  private readonly missingRepos: string[] = [];
  private skipped = 0;
  private readonly log: Logger;
  private readonly since: string | null;

  constructor(private readonly options: GithubCollectOptions) {
    this.log = options.log ?? (() => {});
    this.since = options.since ?? null;
    this.statsAtStart = { ...options.api.stats };
  }

  private get api(): GithubApi {
    return this.options.api;
  }

  async run(): Promise<GithubCollectResult> {
    const kinds = BACKFILL_KINDS.filter((kind) => (this.options.kinds ?? BACKFILL_KINDS).includes(kind)
      && (kind !== 'workflow_runs' || this.options.context.deploymentWorkflowPattern !== undefined)
      && (kind !== 'catalog' || this.options.catalogFromRepos !== false));
    const repositories = await this.loop.measure('repositories', () => this.repositories());
    await this.loop.each(repositories, kinds, (repository) => repository.full_name, (repository, kind) => this.backfillKind(repository, kind), (done, total, repo, kind) => this.options.onProgress?.({
      done, total, repo, kind, requests: this.api.stats.requests, rateLimitRemaining: this.api.stats.rateLimitRemaining,
    }));
    const stats = this.api.stats;
    const start = this.statsAtStart;
    return {
      repos: repositories.map((repository) => repository.full_name),
      missingRepos: this.missingRepos,
      requests: stats.requests - start.requests,
      requestsByKind: this.loop.requestsByKind,
      notModified: stats.notModified - start.notModified,
      rateLimited: stats.rateLimited - start.rateLimited,
      serverErrors: stats.serverErrors - start.serverErrors,
      rateLimitRemaining: stats.rateLimitRemaining,
      fetched: this.counts,
      catalogProblems: this.catalogProblems,
      skipped: this.skipped,
    };
  }

  private backfillKind(repository: RestRepository, kind: BackfillKind): Promise<void> {
    switch (kind) {
      case 'pull_requests': return this.pullRequests(repository);
      case 'commits': return this.commits(repository);
      case 'deployments': return this.deployments(repository);
      case 'workflow_runs': return this.workflowRuns(repository);
      case 'issues': return this.incidentIssues(repository);
      case 'releases': return this.releases(repository);
      case 'catalog': return this.catalog(repository);
    }
  }

  // -------------------------------------------------------------------------------------------
  // repositories

  private async repositories(): Promise<RestRepository[]> {
    const explicit = this.options.repos ?? [];
    if (explicit.length) {
      const found: RestRepository[] = [];
      for (const repo of explicit) {
        const repository = await this.cachedObject({ source: 'github', scope: repo, kind: 'repository' }, repoPath(repo), RestRepository);
        if (repository) found.push(repository);
        else this.missingRepos.push(repo);
      }
      return found;
    }
    const org = this.options.org;
    if (!org) throw new Error('nothing to backfill: set sources.github.org or sources.github.repos in paved.config.yaml, or pass --repo owner/name');
    const key: CursorKey = { source: 'github', scope: `org:${org}`, kind: 'repositories' };
    const cursor = await this.options.cursors.load(key);
    // Newest first, so a new repository changes the first page (and its ETag).
    const first = `/orgs/${encodeURIComponent(org)}/repos?type=all&sort=created&direction=desc&per_page=${PER_PAGE}`;
    const page = await this.api.get(first, cursor.etag);
    if (!page.modified) return this.parseAll(cursor.state.repositories, RestRepository);
    if (page.data === null) throw new Error(`GitHub knows no organisation "${org}" (or the token cannot see it): check sources.github.org`);
    const listed: unknown[] = [...(Array.isArray(page.data) ? page.data : [])];
    if (page.next) listed.push(...await this.api.getAll(page.next));
    const repositories = this.parseAll(listed, RestRepository).map(repositoryEssentials);
    await this.options.cursors.save(key, { ...emptyCursor(), etag: page.etag, state: { repositories } });
    return repositories;
  }

  /** A single object fetched with If-None-Match; a 304 reuses the copy kept in the cursor. */
  private async cachedObject<T extends Fetched>(key: CursorKey, path: string, schema: z.ZodType<T>): Promise<T | null> {
    const cursor = await this.options.cursors.load(key);
    const cached = schema.safeParse(cursor.state.object);
    const page = await this.api.get(path, cached.success ? cursor.etag : null);
    if (!page.modified && cached.success) return cached.data;
    if (!page.modified || page.data === null) return null;
    const parsed = schema.safeParse(page.data);
    if (!parsed.success) {
      this.skipped += 1;
      this.log('warn', 'unexpected GitHub answer', { path, problem: parsed.error.issues[0]?.message });
      return null;
    }
    const object = key.kind === 'repository' ? repositoryEssentials(parsed.data as RestRepository) : parsed.data;
    await this.options.cursors.save(key, { ...emptyCursor(), etag: page.etag, state: { object } });
    return object as T;
  }

  private parseAll<T>(values: unknown, schema: z.ZodType<T>): T[] {
    const out: T[] = [];
    for (const value of Array.isArray(values) ? values : []) {
      const parsed = schema.safeParse(value);
      if (parsed.success) out.push(parsed.data);
      else this.skipped += 1;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // the walk shared by every REST listing

  private async walk<T>(spec: RestWalk<T>): Promise<void> {
    const key: CursorKey = { source: 'github', scope: spec.scope, kind: spec.kind };
    const cursor = await this.options.cursors.load(key);
    const save = (update: Partial<BackfillCursor>) => this.options.cursors.save(key, { ...cursor, ...update });
    let bounds: Bounds;
    let top: string | null;
    let topEtag: string | null;
    let next: string | null;
    if (cursor.walk) {
      ({ next, top, topEtag } = cursor.walk);
      bounds = { stop: cursor.walk.stop, since: cursor.walk.since };
    } else {
      // Only a completed walk saved an ETag: a 304 then means nothing changed since.
      const page = await this.api.get(spec.firstPage, cursor.etag);
      if (!page.modified) return;
      bounds = { stop: cursor.watermark, since: this.since };
      const items = this.itemsOf(spec, page.data);
      // A time watermark only moves forward; a first-item watermark (the branch head) is replaced.
      top = spec.top === 'first' ? null : cursor.watermark;
      topEtag = page.etag;
      const delivered = await this.deliverPage(spec, items, bounds);
      top = newestOf(spec, top, delivered.top);
      next = delivered.ended ? null : page.next;
    }
    while (next) {
      await save({ walk: { next, top, topEtag, stop: bounds.stop, since: bounds.since } });
      const page = await this.api.get(next);
      if (!page.modified) break;
      const delivered = await this.deliverPage(spec, this.itemsOf(spec, page.data), bounds);
      top = newestOf(spec, top, delivered.top);
      next = delivered.ended ? null : page.next;
    }
    await save({ watermark: top ?? cursor.watermark, etag: topEtag, walk: null });
  }

  private itemsOf<T>(spec: RestWalk<T>, data: unknown): T[] {
    return this.parseAll(spec.itemsOf ? spec.itemsOf(data) : data, spec.schema);
  }

  /** Sends the page's new items; says whether the walk reached its end and the newest position seen. */
  private async deliverPage<T>(spec: RestWalk<T>, items: T[], bounds: Bounds): Promise<{ ended: boolean; top: string | null }> {
    const fresh: T[] = [];
    let ended = false;
    let top: string | null = null;
    for (const item of items) {
      if (spec.ended(item, bounds)) {
        ended = true;
        break;
      }
      top = newestOf(spec, top, spec.topOf(item));
      if (!spec.changed || spec.changed(item, bounds)) fresh.push(item);
    }
    // Everything a page needs is fetched before anything is sent: an abort in between sends nothing twice.
    await this.send(await spec.deliveriesOf(fresh));
    return { ended, top };
  }

  /** Hands a page's raw records to the extract step; resolves once the bus has them. */
  private send(deliveries: Delivery[]): Promise<void> {
    return this.options.out.records(deliveries);
  }


  // -------------------------------------------------------------------------------------------
  // kinds

  private commits(repository: RestRepository): Promise<void> {
    const branch = repository.default_branch ?? 'main';
    const ref = `refs/heads/${branch}`;
    return this.walk({
      scope: repository.full_name,
      kind: 'commits',
      firstPage: `${repoPath(repository.full_name)}/commits?sha=${encodeURIComponent(branch)}&per_page=${PER_PAGE}`,
      schema: RestCommit,
      topOf: (commit) => commit.sha,
      top: 'first',
      ended: (commit, { stop, since }) =>
        commit.sha === stop || olderThan(commit.commit.committer?.date ?? commit.commit.author?.date ?? '', since),
      deliveriesOf: async (commits) => {
        this.counts.commits += commits.length;
        const detailed: RestCommit[] = [];
        for (const commit of commits) detailed.push(await this.withFiles(repository, commit));
        return detailed.map((commit) => commitDelivery(repository, ref, commit));
      },
    });
  }

  /** The commit with its file list, while the run's commit-file budget lasts and the repository wants one. */
  private async withFiles(repository: RestRepository, commit: RestCommit): Promise<RestCommit> {
    const wanted = this.options.commitFiles;
    if (!wanted || this.counts.commitFiles >= wanted.requests || !wanted.repos.includes(repository.full_name)) return commit;
    this.counts.commitFiles += 1;
    let page: Awaited<ReturnType<GithubApi['get']>>;
    try {
      page = await this.api.get(`${repoPath(repository.full_name)}/commits/${encodeURIComponent(commit.sha)}`);
    } catch (error) {
      // 422: GitHub no longer knows the commit. Anything else (an abort, a rate limit given up on) stops the run.
      if ((error as { status?: unknown }).status !== 422) throw error;
      return commit;
    }
    if (!page.modified || page.data === null) return commit;
    const detail = RestCommit.safeParse(page.data);
    if (!detail.success || !detail.data.files) {
      this.skipped += 1;
      this.log('warn', 'unexpected GitHub answer', { path: `commits/${commit.sha}`, problem: detail.success ? 'no files' : detail.error.issues[0]?.message });
      return commit;
    }
    return { ...commit, files: detail.data.files };
  }

  private async deployments(repository: RestRepository): Promise<void> {
    const base = repoPath(repository.full_name);
    await this.walk({
      scope: repository.full_name,
      kind: 'deployments',
      firstPage: `${base}/deployments?per_page=${PER_PAGE}`,
      schema: RestDeployment,
      topOf: (deployment) => deployment.updated_at,
      ended: (deployment, { stop, since }) => olderThan(deployment.created_at, stop, LOOKBACK_MS) || olderThan(deployment.created_at, since),
      // A deployment gets newer statuses after it was created: its updated_at moves with them.
      changed: (deployment, { stop }) => newer(deployment.updated_at, stop),
      deliveriesOf: async (deployments) => {
        const deliveries: Delivery[] = [];
        const shipped: Shipped[] = [];
        for (const deployment of deployments) {
          const statuses = this.parseAll(await this.api.getAll(`${base}/deployments/${deployment.id}/statuses?per_page=${PER_PAGE}`), RestDeploymentStatus);
          this.counts.deployments += 1;
          this.counts.deploymentStatuses += statuses.length;
          deliveries.push(deploymentDelivery(repository, deployment));
          // Oldest first, as the webhooks would have arrived.
          for (const status of statuses.reverse()) deliveries.push(deploymentStatusDelivery(repository, deployment, status));
          const success = statuses.filter((status) => status.state === 'success').at(-1);
          if (success && (this.options.productionEnvironment ?? PRODUCTION).test(deployment.environment)) {
            shipped.push({ id: deployment.id, environment: deployment.environment.toLowerCase(), sha: deployment.sha.toLowerCase(), at: success.created_at });
          }
        }
        if (shipped.length) await this.rememberShipped(repository, shipped);
        return deliveries;
      },
    });
    await this.compares(repository);
  }

  private compareKey(repository: RestRepository): CursorKey {
    return { source: 'github', scope: repository.full_name, kind: 'compares' };
  }

  private async compareState(repository: RestRepository): Promise<{ cursor: BackfillCursor; state: CompareState }> {
    const cursor = await this.options.cursors.load(this.compareKey(repository));
    const state = cursor.state as Partial<CompareState>;
    return { cursor, state: { seen: state.seen ?? [], last: state.last ?? {}, pending: state.pending ?? [] } };
  }

  private async rememberShipped(repository: RestRepository, shipped: Shipped[]): Promise<void> {
    const { cursor, state } = await this.compareState(repository);
    const seen = new Map(state.seen.map((s) => [s.id, s]));
    for (const s of shipped) seen.set(s.id, s);
    await this.options.cursors.save(this.compareKey(repository), { ...cursor, state: { ...state, seen: [...seen.values()] } });
  }

  /**
   * The compare API between consecutive successful production deployments of each environment
   * (the previous run's last one included), so a change set need not be pieced together from
   * pushes. Pending pairs are kept in the cursor: an aborted run finishes them next time.
   */
  private async compares(repository: RestRepository): Promise<void> {
    const key = this.compareKey(repository);
    const { cursor, state } = await this.compareState(repository);
    const byEnvironment = new Map<string, Shipped[]>();
    for (const s of state.seen) {
      const list = byEnvironment.get(s.environment) ?? [];
      list.push(s);
      byEnvironment.set(s.environment, list);
    }
    const last = { ...state.last };
    const pending = [...state.pending];
    for (const [environment, list] of byEnvironment) {
      let previous = last[environment];
      for (const s of list.sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)) {
        if (previous && previous.at > s.at) continue; // older than what an earlier run paired
        if (previous && previous.sha !== s.sha && !pending.some((p) => p.base === previous!.sha && p.head === s.sha)) pending.push({ base: previous.sha, head: s.sha });
        previous = s;
      }
      if (previous) last[environment] = previous;
    }
    let progress: CompareState = { seen: [], last, pending };
    await this.options.cursors.save(key, { ...cursor, state: { ...progress } });
    while (progress.pending.length) {
      const [pair, ...rest] = progress.pending;
      const answer = await this.fetchCompare(repository, pair!.base, pair!.head);
      if (answer) {
        this.counts.compares += 1;
        await this.send([compareDelivery(repository, pair!.base, pair!.head, answer, (this.options.now?.() ?? new Date()).toISOString())]);
      }
      progress = { ...progress, pending: rest };
      await this.options.cursors.save(key, { ...cursor, state: { ...progress } });
    }
  }

  private fetchCompare(repository: RestRepository, base: string, head: string): Promise<RestCompare | null> {
    return fetchCompare(this.api, repository.full_name, base, head, (path, problem) => {
      this.skipped += 1;
      this.log('warn', 'unexpected GitHub answer', { path, problem });
    });
  }

  private async workflowRuns(repository: RestRepository): Promise<void> {
    const pattern = this.options.context.deploymentWorkflowPattern;
    if (!pattern) return;
    const base = repoPath(repository.full_name);
    const key: CursorKey = { source: 'github', scope: repository.full_name, kind: 'workflows' };
    const cursor = await this.options.cursors.load(key);
    const page = await this.api.get(`${base}/actions/workflows?per_page=${PER_PAGE}`, cursor.etag);
    let workflows: z.infer<typeof RestWorkflow>[];
    if (page.modified) {
      const listed = fieldOf(page.data, 'workflows');
      if (page.next) listed.push(...await this.api.getAll(page.next, (data) => fieldOf(data, 'workflows')));
      workflows = this.parseAll(listed, RestWorkflow).map((w) => ({ id: w.id, name: w.name, path: w.path }));
      await this.options.cursors.save(key, { ...emptyCursor(), etag: page.etag, state: { workflows } });
    } else {
      workflows = this.parseAll(cursor.state.workflows, RestWorkflow);
    }
    // Only deployment workflows: CI runs would be most of the requests and none of the deployments.
    for (const workflow of workflows.filter((w) => w.name.search(pattern) !== -1)) {
      await this.walk({
        scope: repository.full_name,
        kind: `workflow_runs:${workflow.id}`,
        firstPage: `${base}/actions/workflows/${workflow.id}/runs?status=completed&per_page=${PER_PAGE}`,
        itemsOf: (data) => fieldOf(data, 'workflow_runs'),
        schema: RestWorkflowRun,
        topOf: (run) => run.updated_at,
        ended: (run, { stop, since }) => olderThan(run.created_at, stop, LOOKBACK_MS) || olderThan(run.created_at, since),
        changed: (run, { stop }) => newer(run.updated_at, stop),
        deliveriesOf: async (runs) => {
          this.counts.workflowRuns += runs.length;
          return runs.map((run) => workflowRunDelivery(repository, workflow, run));
        },
      });
    }
  }

  private incidentIssues(repository: RestRepository): Promise<void> {
    const label = this.options.context.incidentLabel;
    return this.walk({
      scope: repository.full_name,
      kind: 'issues',
      firstPage: `${repoPath(repository.full_name)}/issues?state=all&labels=${encodeURIComponent(label)}&sort=updated&direction=desc&per_page=${PER_PAGE}`,
      schema: RestIssue,
      topOf: (issue) => issue.updated_at,
      ended: (issue, { stop, since }) => olderThan(issue.updated_at, stop) || olderThan(issue.updated_at, since),
      // The issues listing includes pull requests carrying the label: a labelled fix is not an incident.
      changed: (issue) => issue.pull_request === undefined,
      deliveriesOf: async (found) => {
        this.counts.incidentIssues += found.length;
        return found.map((issue) => issueDelivery(repository, issue));
      },
    });
  }

  private releases(repository: RestRepository): Promise<void> {
    return this.walk({
      scope: repository.full_name,
      kind: 'releases',
      firstPage: `${repoPath(repository.full_name)}/releases?per_page=${PER_PAGE}`,
      schema: RestRelease,
      topOf: (release) => release.published_at ?? release.created_at,
      ended: (release, { stop, since }) => olderThan(release.created_at, stop, LOOKBACK_MS) || olderThan(release.created_at, since),
      changed: (release, { stop }) => !release.draft && newer(release.published_at ?? release.created_at, stop),
      deliveriesOf: async (releases) => {
        this.counts.releases += releases.length;
        return releases.map((release) => releaseDelivery(repository, release));
      },
    });
  }

  /**
   * Pull requests through GraphQL, one query per page with reviews and commits nested. A REST
   * probe (`per_page=1`, most recently updated first) with If-None-Match skips repositories where
   * no pull request changed, for free.
   */
  private async pullRequests(repository: RestRepository): Promise<void> {
    const key: CursorKey = { source: 'github', scope: repository.full_name, kind: 'pull_requests' };
    const cursor = await this.options.cursors.load(key);
    const save = (update: Partial<BackfillCursor>) => this.options.cursors.save(key, { ...cursor, ...update });
    const [owner, name] = repository.full_name.split('/');
    let bounds: Bounds;
    let top: string | null;
    let topEtag: string | null;
    let after: string | null = null;
    if (cursor.walk) {
      ({ top, topEtag } = cursor.walk);
      after = cursor.walk.next;
      bounds = { stop: cursor.walk.stop, since: cursor.walk.since };
    } else {
      const probe = await this.api.get(`${repoPath(repository.full_name)}/pulls?state=all&sort=updated&direction=desc&per_page=1`, cursor.etag);
      if (!probe.modified) return;
      const newest = this.parseAll(probe.data, RestIssue)[0];
      bounds = { stop: cursor.watermark, since: this.since };
      top = newest?.updated_at ?? cursor.watermark;
      topEtag = probe.etag;
      if (!newest) return save({ watermark: top, etag: topEtag, walk: null });
    }
    const first = this.options.pullRequestPageSize ?? 50;
    for (;;) {
      const answer = GqlPullRequestPage.safeParse(await this.api.graphql(PULL_REQUESTS_QUERY, { owner, name, first, after }));
      if (!answer.success) throw new Error(`GitHub GraphQL answered pull requests of ${repository.full_name} in an unexpected shape: ${answer.error.issues[0]?.path.join('.')}: ${answer.error.issues[0]?.message}`);
      const connection = answer.data.repository?.pullRequests;
      if (!connection) break;
      const fresh: GqlPullRequest[] = [];
      let ended = false;
      for (const pr of connection.nodes) {
        if (!pr) continue;
        // Strictly older ends the walk: one updated in the same second as the watermark is fetched again (harmless).
        if (olderThan(pr.updatedAt, bounds.stop) || olderThan(pr.updatedAt, bounds.since)) {
          ended = true;
          break;
        }
        fresh.push(pr);
      }
      const complete: GqlPullRequest[] = [];
      for (const pr of fresh) complete.push(await this.completePullRequest(repository, pr));
      this.counts.pullRequests += complete.length;
      for (const pr of complete) {
        this.counts.reviews += pr.reviews?.nodes.length ?? 0;
        this.counts.pullRequestCommits += pr.commits.nodes.length;
      }
      await this.send(complete.map((pr) => pullRequestDelivery(repository, pr)));
      if (ended || !connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) break;
      after = connection.pageInfo.endCursor;
      await save({ walk: { next: after, top, topEtag, stop: bounds.stop, since: bounds.since } });
    }
    await save({ watermark: top, etag: topEtag, walk: null });
  }

  /** Reviews and commits beyond the nested first pages, through REST (rare: big pull requests). */
  private async completePullRequest(repository: RestRepository, pr: GqlPullRequest): Promise<GqlPullRequest> {
    const base = `${repoPath(repository.full_name)}/pulls/${pr.number}`;
    let completed = pr;
    if (pr.commits.pageInfo.hasNextPage && pr.commits.totalCount > COMMITS_PER_PR) {
      // GitHub lists at most 250 commits of a pull request.
      const commits = this.parseAll(await this.api.getAll(`${base}/commits?per_page=${PER_PAGE}`), RestCommit);
      completed = { ...completed, commits: { totalCount: pr.commits.totalCount, pageInfo: { hasNextPage: false }, nodes: commits.map(gqlCommitOf) } };
    }
    if (pr.reviews?.pageInfo.hasNextPage) {
      const reviews = this.parseAll(await this.api.getAll(`${base}/reviews?per_page=${PER_PAGE}`), RestReview);
      completed = { ...completed, reviews: { pageInfo: { hasNextPage: false }, nodes: reviews.map(gqlReviewOf) } };
    }
    return completed;
  }

  /** catalog-info.yaml at the repository root → catalog entities (source `catalog`). */
  private async catalog(repository: RestRepository): Promise<void> {
    const key: CursorKey = { source: 'github', scope: repository.full_name, kind: 'catalog' };
    const cursor = await this.options.cursors.load(key);
    const page = await this.api.get(`${repoPath(repository.full_name)}/contents/catalog-info.yaml`, cursor.etag);
    if (!page.modified) return;
    if (page.data !== null) {
      const file = RestContentFile.safeParse(page.data);
      if (!file.success || file.data.encoding !== 'base64') {
        this.catalogProblems.push({ file: `${repository.full_name}/catalog-info.yaml`, document: null, problem: 'not a file GitHub returned as base64 content' });
      } else {
        this.counts.catalogFiles += 1;
        const text = Buffer.from(file.data.content, 'base64').toString('utf8');
        const now = this.options.now?.() ?? new Date();
        const read = catalogEventsFromYaml(text, { file: `${repository.full_name}/${file.data.path}`, repo: repository.full_name }, now);
        this.catalogProblems.push(...read.problems);
        await this.options.out.entities(read.events);
      }
    }
    await this.options.cursors.save(key, { ...emptyCursor(), etag: page.etag });
  }
}

/** What backfill keeps of a repository (cursor state and webhook payloads). */
function repositoryEssentials(repository: RestRepository): RestRepository {
  const kept: Record<string, unknown> = { full_name: repository.full_name };
  for (const key of ['id', 'node_id', 'private', 'html_url', 'default_branch', 'archived']) if (repository[key] !== undefined) kept[key] = repository[key];
  return kept as RestRepository;
}

function fieldOf(data: unknown, field: string): unknown[] {
  const value = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[field] : undefined;
  return Array.isArray(value) ? [...value] : [];
}
