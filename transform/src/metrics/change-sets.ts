import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import type { MetricSettings } from './settings.js';

const ZERO_SHA = /^0+$/;
/** Bounds a walk through history that no deployment anchors (e.g. a deploy from an unknown branch). */
const MAX_WALK_COMMITS = 5_000;
const MAX_PR_BRANCH_COMMITS = 250;

interface PushRecord {
  before: string;
  after: string;
  commits: string[];
  /** A force push: `before` may hold commits discarded from the branch, so no walk follows it. */
  forced?: boolean;
}

interface RepoHistory {
  byAfter: Map<string, PushRecord>;
  byCommit: Map<string, { push: PushRecord; index: number }>;
}

export interface ProductionDeployment {
  id: string;
  service: string;
  repo: string;
  sha: string | null;
}

export interface ChangeSetRow {
  deployment_id: string;
  service: string;
  previous_deployment_id: string | null;
  previous_sha: string | null;
  method: 'first_push' | 'push_chain' | 'compare' | 'unknown' | 'none';
  commits: number;
  stopped_at: 'previous_deployment' | 'branch_creation' | 'already_counted' | 'end_of_known_history' | 'redeploy' | 'no_sha' | 'limit' | 'rollback' | 'force_push';
  is_rollback: boolean;
  rollback_of_sha: string | null;
}

export interface ChangeSetCommitRow {
  deployment_id: string;
  service: string;
  repo: string;
  sha: string;
  via: 'first_push' | 'push_chain' | 'compare' | 'squash_pr';
  stands_in_for: string | null;
  attribution: Attribution;
}

/**
 * A commit a change set of a path-scoped service went over without counting it (its files touch
 * only other services' paths). Stored (t_change_set_walked) so that an increment can walk a service
 * from its latest deployments on, knowing what the earlier walks went over.
 */
export interface WalkedCommitRow {
  service: string;
  repo: string;
  sha: string;
  deployment_id: string;
  /** Its files count for no service of the repository (t_uncounted_commits keeps the first such walk). */
  counts_for_none: boolean;
}

/**
 * Where an increment starts a service's walk: the production deployment before the first one it
 * re-walks, and what the change sets up to there went over and deployed.
 */
export interface WalkSeed {
  previous: ProductionDeployment | null;
  walked: (sha: string) => boolean;
  deployed: (sha: string) => boolean;
}

/**
 * An increment's partial view of history: lookups of what is not loaded yet are recorded as misses
 * and answer "unknown"; the increment loads them and walks again until nothing is missing.
 */
export interface PartialHistory {
  /** Repositories whose pushes, file lists and merged pull requests are all loaded. */
  whole: Set<string>;
  /** `repo:sha` whose pushes (by `after` and by commit) are all loaded. */
  located: Set<string>;
  /** `repo:sha` whose file list is loaded (or known to be absent). */
  filed: Set<string>;
  /** `repo:sha` whose merged pull requests (by merge commit) are loaded. */
  merged: Set<string>;
  missingPushes: Set<string>;
  missingFiles: Set<string>;
  missingMerges: Set<string>;
}

/** A commit a change set walked over that counts for no service of its repository (Data health). */
export interface UncountedCommitRow {
  repo: string;
  sha: string;
  files: string[];
  deployment_id: string;
}

/**
 * Why a commit counts for a service: its files touch the service's path, or a shared path of the
 * repository; the service covers the whole repository; or the commit's files are unknown and it is
 * counted at the repository level (an assumption Data health reports).
 */
export type Attribution = 'path' | 'shared_path' | 'repository' | 'assumed';

const trimSlashes = (path: string): string => path.replace(/^\/+|\/+$/g, '');
const under = (file: string, prefix: string): boolean => file === prefix || file.startsWith(`${prefix}/`);

/** Which services of a repository a commit counts for, from the catalog's paths and the configured shared paths. */
export class ServicePaths {
  /** `repo` → service → its path ('' = the whole repository). */
  private readonly byRepo = new Map<string, Map<string, string>>();
  private readonly shared: { repo: string | null; path: string }[];

  constructor(catalog: { service: string; repo: string; path: string }[] = [], shared: { repo: string | null; path: string }[] = []) {
    for (const entry of catalog) {
      if (!entry.repo) continue;
      const services = this.byRepo.get(entry.repo) ?? new Map<string, string>();
      services.set(entry.service, trimSlashes(entry.path));
      this.byRepo.set(entry.repo, services);
    }
    this.shared = shared.map((s) => ({ repo: s.repo, path: trimSlashes(s.path) })).filter((s) => s.path !== '');
  }

  /** Repositories where a commit's files decide which services it counts for. */
  get pathScopedRepos(): string[] {
    return [...this.byRepo].filter(([, services]) => [...services.values()].some((path) => path !== '')).map(([repo]) => repo);
  }

  /** The service's path in `repo`, or null when it covers the whole repository (or the catalog does not place it there). */
  private pathOf(service: string, repo: string): string | null {
    const path = this.byRepo.get(repo)?.get(service);
    return path ? path : null;
  }

  private touchesShared(repo: string, files: string[]): boolean {
    return this.shared.some((s) => (s.repo === null || s.repo === repo) && files.some((file) => under(file, s.path)));
  }

  /** Whether and why a commit with these files (null: unknown) counts for the service; null: it does not. */
  attribution(service: string, repo: string, files: string[] | null): Attribution | null {
    const path = this.pathOf(service, repo);
    if (path === null) return 'repository';
    if (files === null) return 'assumed';
    if (files.some((file) => under(file, path))) return 'path';
    if (this.touchesShared(repo, files)) return 'shared_path';
    return null;
  }

  /** A commit with known files that no service of its repository counts. */
  countsForNone(repo: string, files: string[]): boolean {
    const services = this.byRepo.get(repo);
    if (!services) return false;
    for (const path of services.values()) if (path === '' || files.some((file) => under(file, path))) return false;
    return !this.touchesShared(repo, files);
  }
}

/** What the walk knows about history: pushes per repository and PRs' original commits by merge commit. */
export class History {
  private readonly repos = new Map<string, RepoHistory>();
  /** `repo:merge_commit_sha` → the merged PRs' own commits (as listed) and heads, in the order they were read. */
  private readonly mergedPrs = new Map<string, { known: string[]; head: string | null }[]>();
  /** Set for an increment's walk, which loads history as the walk asks for it. */
  partial: PartialHistory | null = null;
  /** Repositories whose file lists matter (path-scoped); for the others a commit's files are never read. */
  filesMatterIn: Set<string> | null = null;

  addMergedPr(repo: string, mergeSha: string, pr: { known: string[]; head: string | null }): void {
    const key = `${repo}:${mergeSha}`;
    this.mergedPrs.set(key, [...(this.mergedPrs.get(key) ?? []), pr]);
  }

  /** A squash-merged PR's original commits, by its merge commit: listed, else from its branch pushes (the last PR read that has some). */
  prCommits(repo: string, mergeSha: string): string[] | null {
    const key = `${repo}:${mergeSha}`;
    if (this.partial && !this.partial.whole.has(repo) && !this.partial.merged.has(key)) {
      this.partial.missingMerges.add(key);
      return null;
    }
    let found: string[] | null = null;
    for (const pr of this.mergedPrs.get(key) ?? []) {
      const known = pr.known.filter((sha) => sha !== '');
      const originals = known.length ? known : pr.head ? this.branchCommits(repo, pr.head) : [];
      if (originals.length) found = originals;
    }
    return found;
  }
  /** `repo:base...head` → the commits GitHub's compare API listed (complete answers only). */
  private readonly compares = new Map<string, string[]>();
  /** `repo:sha` → the files the commit touched, where a source told them. */
  private readonly files = new Map<string, string[]>();

  addFiles(repo: string, sha: string, files: string[]): void {
    this.files.set(`${repo}:${sha}`, files);
  }

  /** The files a commit touched; null when unknown. */
  filesOf(repo: string, sha: string): string[] | null {
    const key = `${repo}:${sha}`;
    if (this.filesMatterIn && !this.filesMatterIn.has(repo)) return null;
    if (this.partial && !this.partial.whole.has(repo) && !this.partial.filed.has(key)) {
      this.partial.missingFiles.add(key);
      return null;
    }
    return this.files.get(key) ?? null;
  }

  addCompare(repo: string, compare: { base: string; head: string; status: string; commits: string[]; total_commits: number }): void {
    // A truncated list or a head that does not descend from base is no source of truth: the push chain decides.
    if (compare.status !== 'ahead' || compare.commits.length !== compare.total_commits) return;
    this.compares.set(`${repo}:${compare.base}...${compare.head}`, compare.commits);
  }

  /** The commits between two shas as the compare API listed them, oldest first. */
  compared(repo: string, base: string, head: string): string[] | null {
    return this.compares.get(`${repo}:${base}...${head}`) ?? null;
  }

  addPush(repo: string, push: PushRecord): void {
    let history = this.repos.get(repo);
    if (!history) {
      history = { byAfter: new Map(), byCommit: new Map() };
      this.repos.set(repo, history);
    }
    if (!history.byAfter.has(push.after)) history.byAfter.set(push.after, push);
    push.commits.forEach((sha, index) => {
      // The first push that carried a commit introduced it.
      if (!history!.byCommit.has(sha)) history!.byCommit.set(sha, { push, index });
    });
  }

  /** The push holding `sha` and its position (a push's `after` is its last commit). */
  locate(repo: string, sha: string): { push: PushRecord; index: number } | null {
    if (this.partial && !this.partial.whole.has(repo) && !this.partial.located.has(`${repo}:${sha}`)) {
      this.partial.missingPushes.add(`${repo}:${sha}`);
      return null;
    }
    const history = this.repos.get(repo);
    if (!history) return null;
    const byAfter = history.byAfter.get(sha);
    if (byAfter) {
      const index = byAfter.commits.lastIndexOf(sha);
      return { push: byAfter, index: index >= 0 ? index : byAfter.commits.length - 1 };
    }
    return history.byCommit.get(sha) ?? null;
  }

  /** A PR's commits from its branch pushes: walk back from its head until the branch was created. */
  branchCommits(repo: string, headSha: string): string[] {
    const found: string[] = [];
    const seen = new Set<string>();
    let current: string | null = headSha;
    while (current && !seen.has(current) && found.length < MAX_PR_BRANCH_COMMITS) {
      seen.add(current);
      const location = this.locate(repo, current);
      if (!location) break;
      for (let i = location.index; i >= 0; i -= 1) found.push(location.push.commits[i]!);
      // A force-pushed branch discarded what `before` held: those commits never reached the PR.
      current = ZERO_SHA.test(location.push.before) || location.push.forced ? null : location.push.before;
    }
    return found.reverse();
  }
}

/**
 * Computes each production deployment's change set, in order per service (docs/metrics.md, "Change set"):
 * GitHub's compare between the previous deployment's sha and this one when one is stored complete,
 * else walk the push chain back from the deployed sha to the previous deployment's sha (never across
 * a force push, whose `before` may hold discarded commits); the first deployment of a service gets
 * only the commits of the push that introduced its sha. Of the commits found, those whose files touch
 * the service's catalog path or a shared path count (unknown files: counted at the repository level,
 * flagged `assumed`); a commit counts in its first production deployment per service only; squash
 * merges are replaced by the PR's original commits. Also detects rollbacks (a deployment of
 * already-deployed code).
 */
export function computeChangeSets(
  deploymentsInOrder: ProductionDeployment[], history: History, paths: ServicePaths = new ServicePaths(), seeds: Map<string, WalkSeed> = new Map(),
): { sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted: UncountedCommitRow[]; walked: WalkedCommitRow[] } {
  const sets: ChangeSetRow[] = [];
  const commits: ChangeSetCommitRow[] = [];
  const walkedRows: WalkedCommitRow[] = [];
  const uncounted = new Map<string, UncountedCommitRow>();
  let service: string | null = null;
  /** Commits this service's change sets went over, whether they counted for it or not. */
  let walked = new Set<string>();
  let deployedShas = new Set<string>();
  let previous: ProductionDeployment | null = null;
  let seed: WalkSeed | undefined;
  // An increment's walk starts after the service's earlier deployments: what they went over and deployed is the seed's.
  const wasWalked = (sha_: string) => walked.has(sha_) || (seed?.walked(sha_) ?? false);
  const wasDeployed = (sha_: string) => deployedShas.has(sha_) || (seed?.deployed(sha_) ?? false);

  for (const deployment of deploymentsInOrder) {
    if (deployment.service !== service) {
      service = deployment.service;
      walked = new Set();
      deployedShas = new Set();
      seed = seeds.get(service);
      previous = seed?.previous ?? null;
    }
    const base = { deployment_id: deployment.id, service: deployment.service, previous_deployment_id: previous?.id ?? null, previous_sha: previous?.sha ?? null };
    const sha = deployment.sha;
    if (!sha) {
      sets.push({ ...base, method: 'unknown', commits: 0, stopped_at: 'no_sha', is_rollback: false, rollback_of_sha: null });
      previous = deployment;
      continue;
    }
    if (previous && previous.sha === sha) {
      sets.push({ ...base, method: 'none', commits: 0, stopped_at: 'redeploy', is_rollback: false, rollback_of_sha: null });
      previous = deployment;
      continue;
    }
    if (previous && (wasWalked(sha) || wasDeployed(sha))) {
      // Deploying code already shipped: the previous deployment is rolled back.
      sets.push({ ...base, method: 'none', commits: 0, stopped_at: 'rollback', is_rollback: true, rollback_of_sha: previous.sha });
      deployedShas.add(sha);
      previous = deployment;
      continue;
    }
    const added: string[] = [];
    let method: ChangeSetRow['method'];
    let stoppedAt: ChangeSetRow['stopped_at'];
    const compared = previous?.sha ? history.compared(deployment.repo, previous.sha, sha) : null;
    if (!previous) {
      const location = history.locate(deployment.repo, sha);
      method = location ? 'first_push' : 'unknown';
      stoppedAt = location ? 'branch_creation' : 'end_of_known_history';
      if (location) for (let i = 0; i <= location.index; i += 1) added.push(location.push.commits[i]!);
    } else if (compared) {
      // GitHub's compare between the previous deployment and this one is the source of truth.
      method = 'compare';
      stoppedAt = 'previous_deployment';
      added.push(...[...compared].reverse());
    } else {
      method = 'push_chain';
      stoppedAt = 'end_of_known_history';
      const seen = new Set<string>();
      let current: string | null = sha;
      walk: while (current) {
        if (seen.has(current)) break;
        seen.add(current);
        const location = history.locate(deployment.repo, current);
        if (!location) break;
        for (let i = location.index; i >= 0; i -= 1) {
          const commit = location.push.commits[i]!;
          if (commit === previous.sha) { stoppedAt = 'previous_deployment'; break walk; }
          if (wasWalked(commit)) { stoppedAt = 'already_counted'; break walk; }
          added.push(commit);
          if (added.length >= MAX_WALK_COMMITS) { stoppedAt = 'limit'; break walk; }
        }
        const before = location.push.before;
        if (before === previous.sha) { stoppedAt = 'previous_deployment'; break; }
        if (ZERO_SHA.test(before)) { stoppedAt = 'branch_creation'; break; }
        // What `before` held may have been discarded from the branch: it never counts.
        if (location.push.forced) { stoppedAt = 'force_push'; break; }
        if (wasWalked(before)) { stoppedAt = 'already_counted'; break; }
        current = before;
      }
      if (added.length === 0 && stoppedAt === 'end_of_known_history') method = 'unknown';
    }
    let count = 0;
    const countCommit = (sha_: string, via: ChangeSetCommitRow['via'], standsInFor: string | null, attribution: Attribution) => {
      walked.add(sha_);
      commits.push({ deployment_id: deployment.id, service: deployment.service, repo: deployment.repo, sha: sha_, via, stands_in_for: standsInFor, attribution });
      count += 1;
    };
    // Oldest first, so a merge commit's own PR commits in the same push count as pushed, not as stand-ins.
    for (const commit of added.reverse()) {
      if (wasWalked(commit)) continue;
      walked.add(commit);
      const files = history.filesOf(deployment.repo, commit);
      const attribution = paths.attribution(deployment.service, deployment.repo, files);
      if (attribution === null) {
        const key = `${deployment.repo}:${commit}`;
        const none = files !== null && paths.countsForNone(deployment.repo, files);
        walkedRows.push({ service: deployment.service, repo: deployment.repo, sha: commit, deployment_id: deployment.id, counts_for_none: none });
        if (files && none && !uncounted.has(key)) uncounted.set(key, { repo: deployment.repo, sha: commit, files, deployment_id: deployment.id });
        continue;
      }
      countCommit(commit, method === 'first_push' ? 'first_push' : method === 'compare' ? 'compare' : 'push_chain', null, attribution);
      const originals = history.prCommits(deployment.repo, commit);
      if (!originals) continue;
      // The PR's own commits stand in for its merge commit, for the services the merge commit counts for.
      for (const original of originals) {
        if (original === commit || wasWalked(original)) continue;
        countCommit(original, 'squash_pr', commit, attribution);
      }
    }
    deployedShas.add(sha);
    sets.push({ ...base, method, commits: count, stopped_at: stoppedAt, is_rollback: false, rollback_of_sha: null });
    previous = deployment;
  }
  return { sets, commits, uncounted: [...uncounted.values()], walked: walkedRows };
}

const DeploymentRow = z.object({ id: z.string(), service: z.string(), repo: z.string(), sha: z.string().nullable() });
const PushRow = z.object({ repo: z.string(), before: z.string(), after: z.string(), commits: z.array(z.string()), forced: z.boolean() });
const CompareRow = z.object({ repo: z.string(), base: z.string(), head: z.string(), status: z.string(), commits: z.array(z.string()), total_commits: z.coerce.number() });
const PrRow = z.object({ repo: z.string(), merge_commit_sha: z.string(), head_sha: z.string().nullable(), known_commits: z.array(z.string()) });
const CatalogRow = z.object({ service: z.string(), repo: z.string(), path: z.string() });
const ServiceRepoRow = z.object({ service: z.string(), repo: z.string() });
const RepoCountRow = z.object({ repo: z.string(), n: z.coerce.number() });
const FilesRow = z.object({ repo: z.string(), sha: z.string(), files: z.array(z.string()) });

const PushKeyRow = PushRow.extend({ pushed_at: z.string(), ref: z.string() });
const MergedRow = z.object({ repo: z.string(), merge_commit_sha: z.string(), head_sha: z.string().nullable(), known_commits: z.array(z.string()) });
const MembershipRow = z.object({ service: z.string(), sha: z.string() });
const SeedRow = z.object({ service: z.string(), previous: z.tuple([z.string(), z.string(), z.string().nullable()]) });

/** Merged pull requests by merge commit with their listed commits in order (`{{filter}}` narrows the pull requests). */
const MERGED_PRS = (filter: string, commitFilter: string) => `
  SELECT p.repo AS repo, assumeNotNull(p.merge_commit_sha) AS merge_commit_sha, p.head_sha AS head_sha,
         arrayMap(x -> x.2, arraySort(x -> x.1, groupUniqArray((c.position, c.sha)))) AS known_commits
  FROM (SELECT repo, number, merge_commit_sha, head_sha FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merge_commit_sha IS NOT NULL${filter}) AS p
  LEFT JOIN ${commitFilter ? `(SELECT repo, number, sha, position FROM {{db}}.pull_request_commits WHERE ${commitFilter})` : '{{db}}.pull_request_commits'} AS c ON c.repo = p.repo AND c.number = p.number
  GROUP BY repo, merge_commit_sha, head_sha
  SETTINGS join_use_nulls = 0`;

async function servicePaths(warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths']): Promise<ServicePaths> {
  const catalog = await warehouse.query(
    `SELECT service, ifNull(repo, '') AS repo, ifNull(path, '') AS path FROM {{db}}.catalog_entities FINAL WHERE repo IS NOT NULL AND repo != ''`, {}, CatalogRow,
  );
  return new ServicePaths(catalog, sharedPaths);
}

/**
 * The services and repositories one pass of the full rebuild's walk covers. `null`: all of them, read
 * with unfiltered statements (one pass).
 */
export interface WalkBatch { services: string[]; repos: string[]; pushes: number }

/**
 * Loads what the walk needs from the warehouse and computes the change sets of the services of
 * `batch` (every service, from all history, when `batch` is null). The walk of a service reads only
 * the history of the repositories it deployed from, so a batch loads only theirs.
 */
export async function computeStoredChangeSets(
  warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths'] = [], batch: WalkBatch | null = null, paths?: ServicePaths,
): Promise<{ deployments: number; sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted: UncountedCommitRow[]; walked: WalkedCommitRow[] }> {
  const params = batch ? { services: batch.services, repos: batch.repos } : {};
  const inServices = batch ? ' AND service IN {services:Array(String)}' : '';
  const inRepos = batch ? ' WHERE repo IN {repos:Array(String)}' : '';
  const deployments = await warehouse.query(
    `SELECT id, service, repo, sha FROM {{db}}.t_deployments WHERE is_production AND status = 'success'${inServices} ORDER BY service, deployed_at, id`, params, DeploymentRow,
  );
  const history = new History();
  // Ties on pushed_at are ordered by the push's own fields, so that which push "first" carried a
  // commit never depends on how the parts happened to be read.
  const pushes = await warehouse.query(`SELECT repo, before, after, commits, forced FROM {{db}}.pushes FINAL${inRepos} ORDER BY pushed_at, after, ref, before`, params, PushRow);
  for (const push of pushes) history.addPush(push.repo, push);
  const compares = await warehouse.query(`SELECT repo, base, head, status, commits, total_commits FROM {{db}}.compares FINAL${inRepos}`, params, CompareRow);
  for (const compare of compares) history.addCompare(compare.repo, compare);
  const servicePathsOf = paths ?? await servicePaths(warehouse, sharedPaths);
  // Files matter only where a service has a path: other repositories' file lists are never read.
  const inBatch = batch ? new Set(batch.repos) : null;
  const scopedRepos = servicePathsOf.pathScopedRepos.filter((repo) => !inBatch || inBatch.has(repo));
  history.filesMatterIn = new Set(servicePathsOf.pathScopedRepos);
  if (scopedRepos.length) {
    const files = await warehouse.query(`SELECT repo, sha, files FROM {{db}}.commit_files FINAL WHERE repo IN {repos:Array(String)}`, { repos: scopedRepos }, FilesRow);
    for (const row of files) history.addFiles(row.repo, row.sha, row.files);
  }
  const merged = batch ? MERGED_PRS(' AND repo IN {repos:Array(String)}', 'repo IN {repos:Array(String)}') : MERGED_PRS('', '');
  for (const pr of await warehouse.query(merged, params, PrRow)) history.addMergedPr(pr.repo, pr.merge_commit_sha, { known: pr.known_commits, head: pr.head_sha });
  return { deployments: deployments.length, ...computeChangeSets(deployments, history, servicePathsOf) };
}

/**
 * How many pushes one pass of the full rebuild's walk loads at most (whole groups of services and
 * the repositories they deploy from; a larger group is a pass of its own). The walk holds what it
 * loads in memory: at the large demo's five-year proxy (9.4 M entity rows) one pass over all history
 * took the process to about 4 GB.
 */
export const WALK_BATCH_PUSHES = 200_000;

/**
 * Every (service, repository) pair of a successful production deployment: the services whose change
 * sets a repository's history can change (a change-set row's repository is its deployment's).
 */
export async function productionServiceRepos(warehouse: Warehouse): Promise<{ service: string; repo: string }[]> {
  return warehouse.query(`SELECT DISTINCT service, repo FROM {{db}}.t_deployments WHERE is_production AND status = 'success' ORDER BY service, repo`, {}, ServiceRepoRow);
}

/**
 * Splits the full rebuild's walk into passes: services joined by a repository they both deployed
 * from (and repositories by a service deploying from both) stay in one pass, so each pass reads the
 * whole history of its repositories and every service's walk, and which service first went over an
 * uncounted commit, are what one pass over everything gives. Passes hold at most `maxPushes` pushes,
 * except a single group larger than that. One pass (null) when everything fits.
 */
export async function walkBatches(warehouse: Warehouse, maxPushes: number = WALK_BATCH_PUSHES): Promise<(WalkBatch | null)[]> {
  const pairs = await productionServiceRepos(warehouse);
  const counts = await warehouse.query(`SELECT repo, count() AS n FROM {{db}}.pushes GROUP BY repo`, {}, RepoCountRow);
  const pushesOf = new Map(counts.map((c) => [c.repo, c.n]));
  const total = [...new Set(pairs.map((p) => p.repo))].reduce((sum, repo) => sum + (pushesOf.get(repo) ?? 0), 0);
  if (total <= maxPushes) return [null];
  // Union-find over `s:<service>` and `r:<repo>`.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    if (!parent.has(x)) parent.set(x, x);
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = x; node !== root;) {
      const up = parent.get(node)!;
      parent.set(node, root);
      node = up;
    }
    return root;
  };
  for (const { service, repo } of pairs) {
    const [a, b] = [find(`s:${service}`), find(`r:${repo}`)];
    if (a !== b) parent.set(b, a);
  }
  const groups = new Map<string, WalkBatch>();
  for (const { service, repo } of pairs) {
    const root = find(`s:${service}`);
    const group = groups.get(root) ?? { services: [], repos: [], pushes: 0 };
    groups.set(root, group);
    if (!group.services.includes(service)) group.services.push(service);
    if (!group.repos.includes(repo)) {
      group.repos.push(repo);
      group.pushes += pushesOf.get(repo) ?? 0;
    }
  }
  const batches: WalkBatch[] = [];
  let current: WalkBatch = { services: [], repos: [], pushes: 0 };
  for (const group of groups.values()) {
    if (current.services.length && current.pushes + group.pushes > maxPushes) {
      batches.push(current);
      current = { services: [], repos: [], pushes: 0 };
    }
    current.services.push(...group.services);
    current.repos.push(...group.repos);
    current.pushes += group.pushes;
  }
  if (current.services.length) batches.push(current);
  return batches;
}

const TAIL = `INNER JOIN {{db}}.transform_increment_tails AS t ON t.service = d.service`;
const PROD = `d.is_production AND d.status = 'success'`;
const MAX_ROUNDS = 1_000;
/**
 * A walk that goes back over many pushes asks for one more push per round: from this round on, a
 * repository it still asks about is loaded whole (as the full rebuild loads it), so a service walked
 * from its first deployment, or a deployment after a long run of pushes, costs a few rounds.
 */
const WHOLE_AFTER_ROUNDS = 3;

/**
 * An increment's change sets: each service in `transform_increment_tails` is walked from its
 * `(from_at, from_id)` on (deployed_at, id order), starting from what its earlier change sets went
 * over (t_change_set_commits and t_change_set_walked of the deployments before, except
 * `deployment_id`s of kind `cs_tail` in the increment's keys) and deployed. History is loaded as the
 * walk asks for it: the pushes that hold or end at a sha, the files of the commits it goes over,
 * squash-merged pull requests by merge commit, and the compares ending at the tail's deployed shas;
 * the walk runs again until it asked for nothing missing. Rows are those of the tails' deployments;
 * `uncounted` is left to the caller (first walk over all services).
 */
export async function computeTailChangeSets(
  warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths'] = [],
): Promise<{ deployments: number; rounds: number; sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; walked: WalkedCommitRow[] }> {
  const deployments = await warehouse.query(
    `SELECT d.id AS id, d.service AS service, d.repo AS repo, d.sha AS sha FROM {{db}}.t_deployments AS d ${TAIL}
     WHERE ${PROD} AND (d.deployed_at, d.id) >= (t.from_at, t.from_id) ORDER BY d.service, d.deployed_at, d.id`, {}, DeploymentRow,
  );
  if (!deployments.length) return { deployments: 0, rounds: 0, sets: [], commits: [], walked: [] };
  const services = [...new Set(deployments.map((d) => d.service))];
  const repos = [...new Set(deployments.map((d) => d.repo))];
  const paths = await servicePaths(warehouse, sharedPaths);
  const filesMatterIn = new Set(paths.pathScopedRepos);
  const seedRows = await warehouse.query(
    `SELECT d.service AS service, argMax((d.id, d.repo, d.sha), (d.deployed_at, d.id)) AS previous FROM {{db}}.t_deployments AS d ${TAIL}
     WHERE ${PROD} AND d.service IN {services:Array(String)} AND (d.deployed_at, d.id) < (t.from_at, t.from_id) GROUP BY d.service`, { services }, SeedRow,
  );
  const previous = new Map(seedRows.map((r) => [r.service, { id: r.previous[0], service: r.service, repo: r.previous[1], sha: r.previous[2] }]));
  // Membership in what the earlier change sets went over and deployed, asked for as the walk meets shas.
  const asked = new Set<string>();
  const walkedBefore = new Set<string>();
  const deployedBefore = new Set<string>();
  const missingWalked = new Set<string>();
  const member = (known: Set<string>, service: string) => (sha: string) => {
    const key = `${service}\n${sha}`;
    if (!asked.has(key)) missingWalked.add(key);
    return known.has(key);
  };
  const seeds = new Map<string, WalkSeed>(services.map((service) => [service, { previous: previous.get(service) ?? null, walked: member(walkedBefore, service), deployed: member(deployedBefore, service) }]));
  const partial: PartialHistory = { whole: new Set(), located: new Set(), filed: new Set(), merged: new Set(), missingPushes: new Set(), missingFiles: new Set(), missingMerges: new Set() };
  const pushes = new Map<string, z.infer<typeof PushKeyRow>>();
  const files = new Map<string, string[]>();
  const merged: z.infer<typeof MergedRow>[] = [];
  const shas = deployments.flatMap((d) => (d.sha ? [d.sha] : []));
  const compares = shas.length ? await warehouse.query(
    `SELECT repo, base, head, status, commits, total_commits FROM {{db}}.compares FINAL WHERE repo IN {repos:Array(String)} AND head IN {shas:Array(String)}`, { repos, shas }, CompareRow,
  ) : [];
  const split = (keys: Set<string>) => {
    const pairs = [...keys].map((key) => { const at = key.indexOf(':'); return [key.slice(0, at), key.slice(at + 1)] as const; });
    return { repos: [...new Set(pairs.map((p) => p[0]))], shas: [...new Set(pairs.map((p) => p[1]))], keys: [...keys] };
  };
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    // History as loaded so far, in the full walk's order (which push first carried a commit).
    const history = new History();
    history.partial = partial;
    history.filesMatterIn = filesMatterIn;
    for (const push of [...pushes.values()].sort(pushOrder)) history.addPush(push.repo, push);
    for (const compare of compares) history.addCompare(compare.repo, compare);
    for (const [key, list] of files) { const at = key.indexOf(':'); history.addFiles(key.slice(0, at), key.slice(at + 1), list); }
    for (const pr of merged) history.addMergedPr(pr.repo, pr.merge_commit_sha, { known: pr.known_commits, head: pr.head_sha });
    for (const set of [partial.missingPushes, partial.missingFiles, partial.missingMerges, missingWalked]) set.clear();
    const result = computeChangeSets(deployments, history, paths, seeds);
    if (!partial.missingPushes.size && !partial.missingFiles.size && !partial.missingMerges.size && !missingWalked.size) {
      return { deployments: deployments.length, rounds: round, sets: result.sets, commits: result.commits, walked: result.walked };
    }
    const loads: Promise<void>[] = [];
    if (round >= WHOLE_AFTER_ROUNDS) {
      const repoOf = (key: string) => key.slice(0, key.indexOf(':'));
      const whole = [...new Set([...partial.missingPushes, ...partial.missingFiles, ...partial.missingMerges].map(repoOf))].filter((repo) => !partial.whole.has(repo));
      if (whole.length) {
        const params = { repos: whole };
        const [pushRows, fileRows, mergedRows] = await Promise.all([
          warehouse.query(`SELECT repo, before, after, commits, forced, toString(pushed_at) AS pushed_at, ref FROM {{db}}.pushes FINAL WHERE repo IN {repos:Array(String)}`, params, PushKeyRow),
          whole.some((repo) => filesMatterIn.has(repo))
            ? warehouse.query(`SELECT repo, sha, files FROM {{db}}.commit_files FINAL WHERE repo IN {repos:Array(String)}`, { repos: whole.filter((repo) => filesMatterIn.has(repo)) }, FilesRow)
            : Promise.resolve([]),
          warehouse.query(MERGED_PRS(' AND repo IN {repos:Array(String)}', 'repo IN {repos:Array(String)}'), params, MergedRow),
        ]);
        for (const row of pushRows) pushes.set(`${row.repo}\n${row.after}\n${row.ref}\n${row.before}`, row);
        for (const row of fileRows) files.set(`${row.repo}:${row.sha}`, row.files);
        // Merged pull requests already read for these repositories are among these rows: keep one copy of each.
        const wholeSet = new Set(whole);
        for (let i = merged.length - 1; i >= 0; i -= 1) if (wholeSet.has(merged[i]!.repo)) merged.splice(i, 1);
        merged.push(...mergedRows);
        for (const repo of whole) partial.whole.add(repo);
      }
      for (const set of [partial.missingPushes, partial.missingFiles, partial.missingMerges]) for (const key of [...set]) if (partial.whole.has(repoOf(key))) set.delete(key);
    }
    if (partial.missingPushes.size) {
      const want = split(partial.missingPushes);
      // The keys of the pushes holding or ending at a sha are found without FINAL first (a final row
      // that matches is one of its key's versions; `x IN set` is a hash lookup per commit, hasAny
      // compares each commit with every sha), so that FINAL merges only their granules.
      loads.push(warehouse.query(
        `SELECT repo, before, after, commits, forced, toString(pushed_at) AS pushed_at, ref FROM {{db}}.pushes FINAL
         WHERE (repo, after, ref, before) IN (
             SELECT repo, after, ref, before FROM {{db}}.pushes
             WHERE repo IN {repos:Array(String)} AND (after IN {shas:Array(String)} OR arrayExists(c -> c IN {shas:Array(String)}, commits)))
           AND repo IN {repos:Array(String)} AND (after IN {shas:Array(String)} OR hasAny(commits, {shas:Array(String)}))`, want, PushKeyRow,
      ).then((rows) => {
        for (const row of rows) pushes.set(`${row.repo}\n${row.after}\n${row.ref}\n${row.before}`, row);
        for (const key of want.keys) partial.located.add(key);
      }));
    }
    if (partial.missingFiles.size) {
      const want = split(partial.missingFiles);
      loads.push(warehouse.query(`SELECT repo, sha, files FROM {{db}}.commit_files FINAL WHERE repo IN {repos:Array(String)} AND sha IN {shas:Array(String)}`, want, FilesRow).then((rows) => {
        for (const row of rows) files.set(`${row.repo}:${row.sha}`, row.files);
        for (const key of want.keys) partial.filed.add(key);
      }));
    }
    if (partial.missingMerges.size) {
      const want = split(partial.missingMerges);
      loads.push(warehouse.query(
        MERGED_PRS(' AND repo IN {repos:Array(String)} AND merge_commit_sha IN {shas:Array(String)}', 'repo IN {repos:Array(String)}'), want, MergedRow,
      ).then((rows) => {
        const wanted = new Set(want.keys);
        for (const row of rows) if (wanted.has(`${row.repo}:${row.merge_commit_sha}`)) merged.push(row);
        for (const key of want.keys) partial.merged.add(key);
      }));
    }
    if (missingWalked.size) {
      const keys = [...missingWalked];
      const params = { services: [...new Set(keys.map((k) => k.slice(0, k.indexOf('\n'))))], shas: [...new Set(keys.map((k) => k.slice(k.indexOf('\n') + 1)))] };
      const notTail = `deployment_id NOT IN (SELECT key FROM {{db}}.transform_increment_keys WHERE kind = 'cs_tail')`;
      loads.push(Promise.all([
        warehouse.query(
          `SELECT service, sha FROM {{db}}.t_change_set_commits WHERE service IN {services:Array(String)} AND sha IN {shas:Array(String)} AND ${notTail}
           UNION ALL
           SELECT service, sha FROM {{db}}.t_change_set_walked WHERE service IN {services:Array(String)} AND sha IN {shas:Array(String)} AND ${notTail}`, params, MembershipRow,
        ),
        warehouse.query(
          `SELECT d.service AS service, assumeNotNull(d.sha) AS sha FROM {{db}}.t_deployments AS d ${TAIL}
           WHERE ${PROD} AND d.service IN {services:Array(String)} AND d.sha IN {shas:Array(String)} AND (d.deployed_at, d.id) < (t.from_at, t.from_id)`, params, MembershipRow,
        ),
      ]).then(([walkedRows, deployedRows]) => {
        for (const row of walkedRows) walkedBefore.add(`${row.service}\n${row.sha}`);
        for (const row of deployedRows) deployedBefore.add(`${row.service}\n${row.sha}`);
        for (const key of keys) asked.add(key);
      }));
    }
    await Promise.all(loads);
  }
  throw new Error(`incremental transform: the change-set walk still asked for history after ${MAX_ROUNDS} rounds`);
}

/** The full walk's push order: pushed_at, then after, ref and before (as ClickHouse orders strings: by bytes). */
function pushOrder(a: { pushed_at: string; after: string; ref: string; before: string }, b: { pushed_at: string; after: string; ref: string; before: string }): number {
  for (const key of ['pushed_at', 'after', 'ref', 'before'] as const) {
    const x = Buffer.from(a[key]);
    const y = Buffer.from(b[key]);
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** Writes computed change sets into the `_next` twins of t_change_sets, t_change_set_commits, t_uncounted_commits and t_change_set_walked. */
export async function insertChangeSets(warehouse: Warehouse, rows: { sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted?: UncountedCommitRow[]; walked: WalkedCommitRow[] }): Promise<void> {
  const { sets, commits, uncounted = [], walked } = rows;
  const setColumns = ['deployment_id', 'service', 'previous_deployment_id', 'previous_sha', 'method', 'commits', 'stopped_at', 'is_rollback', 'rollback_of_sha'] as const;
  const commitColumns = ['deployment_id', 'service', 'repo', 'sha', 'via', 'stands_in_for', 'attribution'] as const;
  for (let i = 0; i < sets.length; i += 100_000) await warehouse.insertColumns('t_change_sets_next', setColumns, sets.slice(i, i + 100_000));
  for (let i = 0; i < commits.length; i += 200_000) await warehouse.insertColumns('t_change_set_commits_next', commitColumns, commits.slice(i, i + 200_000));
  for (let i = 0; i < uncounted.length; i += 100_000) await warehouse.insertColumns('t_uncounted_commits_next', ['repo', 'sha', 'files', 'deployment_id'] as const, uncounted.slice(i, i + 100_000));
  for (let i = 0; i < walked.length; i += 200_000) await warehouse.insertColumns('t_change_set_walked_next', ['service', 'repo', 'sha', 'deployment_id', 'counts_for_none'] as const, walked.slice(i, i + 200_000));
}

/**
 * Loads what the walk needs from the warehouse and rebuilds t_change_sets, t_change_set_commits,
 * t_uncounted_commits and t_change_set_walked (into their *_next twins), in passes of at most
 * `maxPushes` pushes each (walkBatches), so that the memory the walk holds is bounded by a pass, not
 * by all history.
 */
export async function rebuildChangeSets(
  warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths'] = [], options: { maxPushes?: number } = {},
): Promise<{ deployments: number; commits: number; uncounted: number; passes: number }> {
  const batches = await walkBatches(warehouse, options.maxPushes);
  const paths = await servicePaths(warehouse, sharedPaths);
  const totals = { deployments: 0, commits: 0, uncounted: 0, passes: batches.length };
  for (const batch of batches) {
    const result = await computeStoredChangeSets(warehouse, sharedPaths, batch, paths);
    await insertChangeSets(warehouse, result);
    totals.deployments += result.deployments;
    totals.commits += result.commits.length;
    totals.uncounted += result.uncounted.length;
  }
  return totals;
}
