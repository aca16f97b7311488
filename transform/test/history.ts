import { createHash } from 'node:crypto';
import type { CanonicalEventInput } from '@paved/schemas';
import { event } from './harness.js';

/** A readable name → a stable 40-hex sha, so scenarios can say `sha('fix-login')`. */
export const sha = (name: string): string => createHash('sha1').update(name).digest('hex');
export const ZERO = '0'.repeat(40);
const iso = (at: string): string => new Date(at.endsWith('Z') ? at : `${at}Z`).toISOString();
const actor = (login: string, bot = false) => ({ login, name: login, email: `${login}@example.com`, bot });

/** Builds a hand-written history for one repository, in canonical events. */
export class HistoryBuilder {
  readonly events: CanonicalEventInput[] = [];
  private head = ZERO;

  constructor(readonly repo: string, readonly ref = 'refs/heads/main') {}

  /** A commit (not pushed by itself); `files` are the paths it touched (omit: unknown, as from a sender that does not list them). */
  commit(name: string, authoredAt: string, options: { message?: string; reverts?: string; files?: string[] } = {}): string {
    const message = options.message ?? (options.reverts ? `Revert "${options.reverts}"\n\nThis reverts commit ${sha(options.reverts)}.` : name);
    this.events.push(event('commit', {
      sha: sha(name), repo: this.repo, author: actor('dev'), authored_at: iso(authoredAt), committed_at: iso(authoredAt), message,
      parents: [], reverts_sha: options.reverts ? sha(options.reverts) : null, files: options.files ?? null,
    }));
    return sha(name);
  }

  /**
   * Pushes commits (by name, committed at the given times) on top of the current head of `ref`
   * (another branch: on top of nothing, a new branch, unless `onTopOf` names its head).
   */
  push(at: string, commits: [name: string, authoredAt: string, options?: { reverts?: string; files?: string[] }][], ref = this.ref, forced = false, onTopOf?: string): string {
    for (const [name, authoredAt, options] of commits) this.commit(name, authoredAt, options);
    const before = ref === this.ref ? this.head : onTopOf ? sha(onTopOf) : ZERO;
    const after = sha(commits[commits.length - 1]![0]);
    this.events.push(event('push', { repo: this.repo, ref, before, after, pushed_at: iso(at), pusher: actor('dev'), commits: commits.map(([name]) => sha(name)), forced }));
    if (ref === this.ref) this.head = after;
    return after;
  }

  /** A force push replacing the head of the branch: what the head held before is discarded from it (`before` is the old head). */
  forcePush(at: string, commits: [name: string, authoredAt: string, options?: { files?: string[] }][]): string {
    return this.push(at, commits, this.ref, true);
  }

  /** Commits that reached the branch through a push Paved never received (a lost webhook): the chain breaks here. */
  lostPush(commits: [name: string, authoredAt: string][]): void {
    for (const [name, authoredAt] of commits) this.commit(name, authoredAt);
    this.head = sha(commits[commits.length - 1]![0]);
  }

  /** What GitHub's compare API answered between two commits (as backfill stores it). */
  compare(base: string, head: string, commits: string[], options: { totalCommits?: number; status?: 'ahead' | 'behind' | 'diverged' | 'identical' } = {}): void {
    this.events.push(event('compare', {
      repo: this.repo, base: sha(base), head: sha(head), status: options.status ?? 'ahead', commits: commits.map(sha),
      total_commits: options.totalCommits ?? commits.length, fetched_at: '2026-03-10T00:00:00.000Z',
    }));
  }

  /** A deployment with its final status at `at` (started 5 minutes before). */
  deploy(id: string, commitName: string | null, at: string, options: { environment?: string; status?: 'success' | 'failure'; service?: string; path?: string } = {}): string {
    const finishedAt = iso(at);
    const startedAt = new Date(Date.parse(finishedAt) - 5 * 60_000).toISOString();
    const base = {
      id, repo: this.repo, service: options.service ?? null, path: options.path ?? null, environment: options.environment ?? 'production',
      sha: commitName ? sha(commitName) : null, ref: 'main', started_at: startedAt, creator: actor('deployer'), workflow_name: 'deploy', source_system: 'test', url: null,
    };
    this.events.push(event('deployment', { ...base, status: 'in_progress', finished_at: null, status_at: startedAt }));
    this.events.push(event('deployment', { ...base, status: options.status ?? 'success', finished_at: finishedAt, status_at: finishedAt }));
    return id;
  }

  pullRequest(number: number, options: { labels?: string[]; opened: string; merged: string; mergeCommit: string; head?: string; commits?: string[]; author?: string }): void {
    this.events.push(event('pull_request', {
      number, repo: this.repo, title: `PR ${number}`, author: actor(options.author ?? 'dev'), labels: options.labels ?? [], state: 'merged', base_ref: 'main',
      head_sha: options.head ? sha(options.head) : null, merge_commit_sha: sha(options.mergeCommit), opened_at: iso(options.opened), first_commit_at: null,
      first_review_at: null, approved_at: null, merged_at: iso(options.merged), closed_at: iso(options.merged), commit_shas: (options.commits ?? []).map(sha), updated_at: iso(options.merged),
    }));
  }

  review(prNumber: number, reviewer: string, at: string, state: 'approved' | 'commented' = 'approved', bot = false): void {
    this.events.push(event('review', { id: `${prNumber}-${reviewer}-${at}`, repo: this.repo, pr_number: prNumber, reviewer: actor(reviewer, bot), state, submitted_at: iso(at) }));
  }

  incident(id: string, opened: string, options: { resolved?: string; service?: string; deploymentIds?: string[]; shas?: string[] } = {}): void {
    this.events.push(event('incident', {
      id, source: 'generic', service: options.service ?? null, repo: this.repo, severity: 'high', title: `incident ${id}`, status: options.resolved ? 'resolved' : 'open',
      opened_at: iso(opened), acknowledged_at: null, resolved_at: options.resolved ? iso(options.resolved) : null, linked_deployment_ids: options.deploymentIds ?? [],
      linked_shas: options.shas ?? [], url: null, updated_at: iso(options.resolved ?? opened),
    }));
  }

  service(name: string, team: string, options: { path?: string; template?: string; createdAt?: string } = {}): void {
    this.events.push(event('catalog_entity', {
      service: name, team, tier: null, repo: this.repo, path: options.path ?? null, lifecycle: 'production', system: null,
      annotations: options.template ? { 'backstage.io/source-template': options.template } : {}, source_template: options.template ?? null, created_at: options.createdAt ? `${options.createdAt}:00.000Z` : null, updated_at: '2025-01-01T00:00:00.000Z',
    }));
  }
}
