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
  /** `repo:merge_commit_sha` → the PR's original commits (for squash merges). */
  readonly prCommitsByMergeSha = new Map<string, string[]>();
  /** `repo:base...head` → the commits GitHub's compare API listed (complete answers only). */
  private readonly compares = new Map<string, string[]>();
  /** `repo:sha` → the files the commit touched, where a source told them. */
  private readonly files = new Map<string, string[]>();

  addFiles(repo: string, sha: string, files: string[]): void {
    this.files.set(`${repo}:${sha}`, files);
  }

  /** The files a commit touched; null when unknown. */
  filesOf(repo: string, sha: string): string[] | null {
    return this.files.get(`${repo}:${sha}`) ?? null;
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
  deploymentsInOrder: ProductionDeployment[], history: History, paths: ServicePaths = new ServicePaths(),
): { sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted: UncountedCommitRow[] } {
  const sets: ChangeSetRow[] = [];
  const commits: ChangeSetCommitRow[] = [];
  const uncounted = new Map<string, UncountedCommitRow>();
  let service: string | null = null;
  /** Commits this service's change sets went over, whether they counted for it or not. */
  let walked = new Set<string>();
  let deployedShas = new Set<string>();
  let previous: ProductionDeployment | null = null;

  for (const deployment of deploymentsInOrder) {
    if (deployment.service !== service) {
      service = deployment.service;
      walked = new Set();
      deployedShas = new Set();
      previous = null;
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
    if (previous && (walked.has(sha) || deployedShas.has(sha))) {
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
          if (walked.has(commit)) { stoppedAt = 'already_counted'; break walk; }
          added.push(commit);
          if (added.length >= MAX_WALK_COMMITS) { stoppedAt = 'limit'; break walk; }
        }
        const before = location.push.before;
        if (before === previous.sha) { stoppedAt = 'previous_deployment'; break; }
        if (ZERO_SHA.test(before)) { stoppedAt = 'branch_creation'; break; }
        // What `before` held may have been discarded from the branch: it never counts.
        if (location.push.forced) { stoppedAt = 'force_push'; break; }
        if (walked.has(before)) { stoppedAt = 'already_counted'; break; }
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
      if (walked.has(commit)) continue;
      walked.add(commit);
      const files = history.filesOf(deployment.repo, commit);
      const attribution = paths.attribution(deployment.service, deployment.repo, files);
      if (attribution === null) {
        const key = `${deployment.repo}:${commit}`;
        if (files && !uncounted.has(key) && paths.countsForNone(deployment.repo, files)) {
          uncounted.set(key, { repo: deployment.repo, sha: commit, files, deployment_id: deployment.id });
        }
        continue;
      }
      countCommit(commit, method === 'first_push' ? 'first_push' : method === 'compare' ? 'compare' : 'push_chain', null, attribution);
      const originals = history.prCommitsByMergeSha.get(`${deployment.repo}:${commit}`);
      if (!originals) continue;
      // The PR's own commits stand in for its merge commit, for the services the merge commit counts for.
      for (const original of originals) {
        if (original === commit || walked.has(original)) continue;
        countCommit(original, 'squash_pr', commit, attribution);
      }
    }
    deployedShas.add(sha);
    sets.push({ ...base, method, commits: count, stopped_at: stoppedAt, is_rollback: false, rollback_of_sha: null });
    previous = deployment;
  }
  return { sets, commits, uncounted: [...uncounted.values()] };
}

const DeploymentRow = z.object({ id: z.string(), service: z.string(), repo: z.string(), sha: z.string().nullable() });
const PushRow = z.object({ repo: z.string(), before: z.string(), after: z.string(), commits: z.array(z.string()), forced: z.boolean() });
const CompareRow = z.object({ repo: z.string(), base: z.string(), head: z.string(), status: z.string(), commits: z.array(z.string()), total_commits: z.coerce.number() });
const PrRow = z.object({ repo: z.string(), merge_commit_sha: z.string(), head_sha: z.string().nullable(), known_commits: z.array(z.string()) });
const CatalogRow = z.object({ service: z.string(), repo: z.string(), path: z.string() });
const FilesRow = z.object({ repo: z.string(), sha: z.string(), files: z.array(z.string()) });

/**
 * Which services an increment recomputes (all of their history) and the repositories their
 * deployments are in. Both are read from `transform_increment_keys` (kinds `cs_service`, `cs_repo`).
 */
const SCOPED_SERVICES = `service IN (SELECT key FROM {{db}}.transform_increment_keys WHERE kind = 'cs_service')`;
const SCOPED_REPOS = `repo IN (SELECT key FROM {{db}}.transform_increment_keys WHERE kind = 'cs_repo')`;

/**
 * Loads what the walk needs from the warehouse and computes the change sets: of every service, or
 * (`scoped`) only of the services in the increment's keys, from the history of their repositories.
 * A service's change sets depend only on its own deployments and its repositories' history, so a
 * scoped run gives the same rows for those services as a full one.
 */
export async function computeStoredChangeSets(
  warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths'] = [], scoped = false,
): Promise<{ deployments: number; sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted: UncountedCommitRow[] }> {
  const and = (filter: string) => (scoped ? ` AND ${filter}` : '');
  const where = (filter: string) => (scoped ? ` WHERE ${filter}` : '');
  const deployments = await warehouse.query(
    `SELECT id, service, repo, sha FROM {{db}}.t_deployments WHERE is_production AND status = 'success'${and(SCOPED_SERVICES)} ORDER BY service, deployed_at, id`,
    {}, DeploymentRow,
  );
  const history = new History();
  // Ties on pushed_at are ordered by the push's own fields, so that which push "first" carried a
  // commit never depends on how the parts happened to be read.
  const pushes = await warehouse.query(`SELECT repo, before, after, commits, forced FROM {{db}}.pushes FINAL${where(SCOPED_REPOS)} ORDER BY pushed_at, after, ref, before`, {}, PushRow);
  for (const push of pushes) history.addPush(push.repo, push);
  const compares = await warehouse.query(`SELECT repo, base, head, status, commits, total_commits FROM {{db}}.compares FINAL${where(SCOPED_REPOS)}`, {}, CompareRow);
  for (const compare of compares) history.addCompare(compare.repo, compare);
  const catalog = await warehouse.query(
    `SELECT service, ifNull(repo, '') AS repo, ifNull(path, '') AS path FROM {{db}}.catalog_entities FINAL WHERE repo IS NOT NULL AND repo != ''`, {}, CatalogRow,
  );
  const paths = new ServicePaths(catalog, sharedPaths);
  // Files matter only where a service has a path: other repositories' file lists are never read.
  const scopedRepos = paths.pathScopedRepos;
  if (scopedRepos.length) {
    const files = await warehouse.query(`SELECT repo, sha, files FROM {{db}}.commit_files FINAL WHERE repo IN {repos:Array(String)}${and(SCOPED_REPOS)}`, { repos: scopedRepos }, FilesRow);
    for (const row of files) history.addFiles(row.repo, row.sha, row.files);
  }
  const prs = await warehouse.query(
    `SELECT p.repo AS repo, assumeNotNull(p.merge_commit_sha) AS merge_commit_sha, p.head_sha AS head_sha,
            arrayMap(x -> x.2, arraySort(x -> x.1, groupUniqArray((c.position, c.sha)))) AS known_commits
     FROM (SELECT repo, number, merge_commit_sha, head_sha FROM {{db}}.pull_requests FINAL WHERE state = 'merged' AND merge_commit_sha IS NOT NULL${and(SCOPED_REPOS)}) AS p
     LEFT JOIN ${scoped ? `(SELECT repo, number, sha, position FROM {{db}}.pull_request_commits WHERE ${SCOPED_REPOS})` : '{{db}}.pull_request_commits'} AS c ON c.repo = p.repo AND c.number = p.number
     GROUP BY repo, merge_commit_sha, head_sha
     SETTINGS join_use_nulls = 0`,
    {}, PrRow,
  );
  for (const pr of prs) {
    const known = pr.known_commits.filter((sha) => sha !== '');
    const originals = known.length ? known : pr.head_sha ? history.branchCommits(pr.repo, pr.head_sha) : [];
    if (originals.length) history.prCommitsByMergeSha.set(`${pr.repo}:${pr.merge_commit_sha}`, originals);
  }
  return { deployments: deployments.length, ...computeChangeSets(deployments, history, paths) };
}

/** Writes computed change sets into the `_next` twins of t_change_sets, t_change_set_commits and t_uncounted_commits. */
export async function insertChangeSets(warehouse: Warehouse, rows: { sets: ChangeSetRow[]; commits: ChangeSetCommitRow[]; uncounted: UncountedCommitRow[] }): Promise<void> {
  const { sets, commits, uncounted } = rows;
  const setColumns = ['deployment_id', 'service', 'previous_deployment_id', 'previous_sha', 'method', 'commits', 'stopped_at', 'is_rollback', 'rollback_of_sha'] as const;
  const commitColumns = ['deployment_id', 'service', 'repo', 'sha', 'via', 'stands_in_for', 'attribution'] as const;
  for (let i = 0; i < sets.length; i += 100_000) await warehouse.insertColumns('t_change_sets_next', setColumns, sets.slice(i, i + 100_000));
  for (let i = 0; i < commits.length; i += 200_000) await warehouse.insertColumns('t_change_set_commits_next', commitColumns, commits.slice(i, i + 200_000));
  for (let i = 0; i < uncounted.length; i += 100_000) await warehouse.insertColumns('t_uncounted_commits_next', ['repo', 'sha', 'files', 'deployment_id'] as const, uncounted.slice(i, i + 100_000));
}

/**
 * Loads what the walk needs from the warehouse and rebuilds t_change_sets, t_change_set_commits and
 * t_uncounted_commits (into their *_next twins).
 */
export async function rebuildChangeSets(warehouse: Warehouse, sharedPaths: MetricSettings['sharedPaths'] = []): Promise<{ deployments: number; commits: number; uncounted: number }> {
  const result = await computeStoredChangeSets(warehouse, sharedPaths);
  await insertChangeSets(warehouse, result);
  return { deployments: result.deployments, commits: result.commits.length, uncounted: result.uncounted.length };
}
