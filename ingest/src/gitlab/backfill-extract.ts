import { parseInstant, type CanonicalEvent, type Instant } from '@paved/schemas';
import { z } from 'zod';
import type { Delivery, NormaliseOutcome } from '../delivery.js';
import { actor, canonicalEvent, dlq, instant, issues, neverThrowing, validated, type DataOf } from '../payload.js';
import { normaliseGitlab } from './normalise.js';

/*
 * Extract, the second half of `paved backfill gitlab` (collect is backfill.ts): GitLab REST objects
 * as deliveries. Where GitLab has a webhook for the object, the payload is shaped like that hook
 * (Deployment Hook, Issue Hook, Release Hook, Note Hook), so the webhook normaliser maps backfill and
 * live data the same way. What no hook carries gets its own event name, still under source `gitlab`:
 * - `backfill.merge_request`: a merge request with its commits, approvals and notes (its
 *   pull_request event comes from the Merge Request Hook mapping, completed with the commit and review times);
 * - `backfill.commit`: a default-branch commit with its parents;
 * - `backfill.compare`: the commits between two consecutive production deployments' shas.
 * Delivery ids are deterministic (`backfill:<project>:<kind>:<id>:<version>`), dated at the object's
 * own time, so fetching an unchanged object again yields the same archive row and events.
 */

export const GITLAB_BACKFILL_MERGE_REQUEST = 'backfill.merge_request';
export const GITLAB_BACKFILL_COMMIT = 'backfill.commit';
export const GITLAB_BACKFILL_COMPARE = 'backfill.compare';
export const isGitlabBackfillEvent = (event: string): boolean =>
  event === GITLAB_BACKFILL_MERGE_REQUEST || event === GITLAB_BACKFILL_COMMIT || event === GITLAB_BACKFILL_COMPARE;

export const GITLAB_BACKFILL_ASSUMED = {
  approvalWithoutTime: 'GitLab approval without approved_at and without an "approved this merge request" note: approved when the merge request was merged (or last updated)',
} as const;

// ---------------------------------------------------------------------------------------------
// REST objects (docs/api/*.md of gitlabhq/gitlabhq); extra fields are kept, unknown ones ignored.

const Sha = z.string().regex(/^[0-9a-f]{7,64}$/i);
const Time = z.string().min(10);
export const GlUser = z.looseObject({ id: z.number().int(), username: z.string(), name: z.string().nullish(), bot: z.boolean().optional() });
export type GlUser = z.infer<typeof GlUser>;

export const GlProject = z.looseObject({
  id: z.number().int(),
  path_with_namespace: z.string().min(1),
  default_branch: z.string().nullish(),
  web_url: z.string().optional(),
  archived: z.boolean().optional(),
});
export type GlProject = z.infer<typeof GlProject>;

export const GlMergeRequest = z.looseObject({
  id: z.number().int(),
  iid: z.number().int().positive(),
  title: z.string(),
  description: z.string().nullish(),
  state: z.string(),
  created_at: Time,
  updated_at: Time,
  merged_at: Time.nullish(),
  closed_at: Time.nullish(),
  target_branch: z.string().nullish(),
  author: GlUser.nullish(),
  labels: z.array(z.string()).default([]),
  sha: Sha.nullish(),
  merge_commit_sha: Sha.nullish(),
  squash_commit_sha: Sha.nullish(),
  web_url: z.string().optional(),
});
export type GlMergeRequest = z.infer<typeof GlMergeRequest>;

export const GlCommit = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{40,64}$/i),
  message: z.string().nullish(),
  title: z.string().nullish(),
  author_name: z.string().nullish(),
  author_email: z.string().nullish(),
  authored_date: Time.nullish(),
  committer_name: z.string().nullish(),
  committer_email: z.string().nullish(),
  committed_date: Time.nullish(),
  created_at: Time.nullish(),
  parent_ids: z.array(Sha).optional(),
});
export type GlCommit = z.infer<typeof GlCommit>;

export const GlApprovals = z.looseObject({
  approved_by: z.array(z.looseObject({ user: GlUser, approved_at: Time.nullish() })).default([]),
});
export type GlApprovals = z.infer<typeof GlApprovals>;

export const GlNote = z.looseObject({
  id: z.number().int(),
  body: z.string().nullish(),
  author: GlUser.nullish(),
  created_at: Time,
  system: z.boolean().default(false),
});
export type GlNote = z.infer<typeof GlNote>;

export const GlEnvironment = z.looseObject({ id: z.number().int(), name: z.string().min(1) });
export type GlEnvironment = z.infer<typeof GlEnvironment>;

export const GlDeployment = z.looseObject({
  id: z.number().int(),
  iid: z.number().int().optional(),
  ref: z.string().nullish(),
  sha: Sha,
  status: z.string(),
  created_at: Time,
  updated_at: Time,
  finished_at: Time.nullish(),
  user: GlUser.nullish(),
  deployable: z.looseObject({ id: z.number().int(), started_at: Time.nullish(), finished_at: Time.nullish(), web_url: z.string().nullish() }).nullish(),
  environment: z.looseObject({ id: z.number().int().optional(), name: z.string(), external_url: z.string().nullish() }),
});
export type GlDeployment = z.infer<typeof GlDeployment>;

export const GlIssue = z.looseObject({
  id: z.number().int(),
  iid: z.number().int().positive(),
  title: z.string(),
  description: z.string().nullish(),
  state: z.string(),
  created_at: Time,
  updated_at: Time,
  closed_at: Time.nullish(),
  labels: z.array(z.string()).default([]),
  issue_type: z.string().nullish(),
  type: z.string().nullish(),
  severity: z.string().nullish(),
  web_url: z.string().optional(),
  author: GlUser.nullish(),
});
export type GlIssue = z.infer<typeof GlIssue>;

export const GlRelease = z.looseObject({
  tag_name: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  created_at: Time,
  released_at: Time.nullish(),
  author: GlUser.nullish(),
  commit: z.looseObject({ id: Sha }).nullish(),
});
export type GlRelease = z.infer<typeof GlRelease>;

export const GlCompare = z.looseObject({ commits: z.array(GlCommit), compare_timeout: z.boolean().optional() });
export type GlCompare = z.infer<typeof GlCompare>;

// ---------------------------------------------------------------------------------------------
// raw objects → deliveries

const at = (value: unknown): Instant => parseInstant(value) ?? new Date().toISOString();

/** The newest of some GitLab times. */
function latest(values: (string | null | undefined)[]): Instant | undefined {
  const times = values.flatMap((value) => {
    const parsed = parseInstant(value);
    return parsed ? [parsed] : [];
  });
  return times.sort().at(-1);
}

function delivery(event: string, project: GlProject, kind: string, id: string | number, version: string, receivedAt: unknown, payload: Record<string, unknown>): Delivery {
  return { source: 'gitlab', event, deliveryId: `backfill:${project.path_with_namespace}:${kind}:${id}:${version}`, receivedAt: at(receivedAt), payload };
}

/** The `project` object of a hook payload. */
const hookProject = (project: GlProject) => ({ id: project.id, path_with_namespace: project.path_with_namespace, web_url: project.web_url ?? null, default_branch: project.default_branch ?? null });
const hookUser = (user: GlUser | null | undefined) => (user ? { id: user.id, username: user.username, name: user.name ?? null, ...(user.bot !== undefined ? { bot: user.bot } : {}) } : null);

/** `approvals` null: the approvals API was not available (403), so approvals come from the notes alone. */
export interface MergeRequestRecord { merge_request: GlMergeRequest; commits: GlCommit[]; approvals: GlApprovals | null; notes: GlNote[] }

export function mergeRequestDelivery(project: GlProject, record: MergeRequestRecord): Delivery {
  const mr = record.merge_request;
  // Dated at its newest time: GitLab can report merged_at after updated_at (its own documented example does).
  return delivery(GITLAB_BACKFILL_MERGE_REQUEST, project, 'merge_request', mr.iid, mr.updated_at, latest([mr.updated_at, mr.merged_at, mr.closed_at]), { project: hookProject(project), ...record });
}

export function commitDelivery(project: GlProject, ref: string, commit: GlCommit): Delivery {
  // A commit never changes: its sha is its version.
  return delivery(GITLAB_BACKFILL_COMMIT, project, 'commit', commit.id, 'v1', commit.committed_date ?? commit.authored_date ?? commit.created_at, { project: hookProject(project), ref, commit });
}

export function compareDelivery(project: GlProject, from: string, to: string, compare: GlCompare, fetchedAt: string): Delivery {
  return delivery(GITLAB_BACKFILL_COMPARE, project, 'compare', `${from}...${to}`, 'v1', fetchedAt, { project: hookProject(project), from, to, compare, fetched_at: fetchedAt });
}

const TERMINAL = new Set(['success', 'failed', 'canceled', 'skipped']);

/**
 * A deployment as the Deployment Hooks GitLab sends for it: `running` when its job started, then
 * its final status when it finished (a deployment still running or created gives only its current status).
 */
export function deploymentDeliveries(project: GlProject, deployment: GlDeployment): Delivery[] {
  const hook = (status: string, changedAt: string) => delivery('Deployment Hook', project, 'deployment', deployment.id, status, changedAt, {
    object_kind: 'deployment',
    status,
    status_changed_at: changedAt,
    deployment_id: deployment.id,
    deployable_id: deployment.deployable?.id ?? null,
    deployable_url: deployment.deployable?.web_url ?? null,
    environment: deployment.environment.name,
    environment_external_url: deployment.environment.external_url ?? null,
    project: hookProject(project),
    short_sha: deployment.sha.slice(0, 8),
    user: hookUser(deployment.user),
    ref: deployment.ref ?? null,
    commit_url: deployment.sha.length >= 40 && project.web_url ? `${project.web_url}/-/commit/${deployment.sha}` : null,
  });
  const status = deployment.status.toLowerCase();
  if (!TERMINAL.has(status)) return [hook(status, deployment.updated_at)];
  const started = deployment.deployable?.started_at ?? deployment.created_at;
  const finished = deployment.finished_at ?? deployment.deployable?.finished_at ?? deployment.updated_at;
  return [hook('running', started), hook(status, finished)];
}

/** An incident (or incident-labelled issue) as the Issue Hook GitLab sends on its latest change. */
export function issueDelivery(project: GlProject, issue: GlIssue): Delivery {
  const closed = issue.state === 'closed';
  const type = issue.type ?? (issue.issue_type ? issue.issue_type : 'issue');
  const labels = issue.labels.map((title) => ({ title }));
  return delivery('Issue Hook', project, 'issue', issue.iid, issue.updated_at, latest([issue.updated_at, issue.closed_at]), {
    object_kind: 'issue',
    event_type: type.toLowerCase() === 'incident' ? 'incident' : 'issue',
    user: hookUser(issue.author),
    project: hookProject(project),
    object_attributes: {
      id: issue.id,
      iid: issue.iid,
      title: issue.title,
      description: issue.description ?? '',
      state: closed ? 'closed' : 'opened',
      action: closed ? 'close' : 'update',
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at ?? null,
      // REST writes INCIDENT / HIGH, hooks Incident / high: the normaliser compares case-insensitively.
      type,
      severity: issue.severity?.toLowerCase() ?? null,
      url: issue.web_url ?? null,
      labels,
    },
    labels,
  });
}

export function releaseDelivery(project: GlProject, release: GlRelease): Delivery {
  const version = release.released_at ?? release.created_at;
  return delivery('Release Hook', project, 'release', release.tag_name, version, version, {
    object_kind: 'release', action: 'create', tag: release.tag_name, name: release.name ?? null, description: release.description ?? '',
    created_at: release.created_at, released_at: release.released_at ?? null, commit: release.commit ?? null, project: hookProject(project),
  });
}

// ---------------------------------------------------------------------------------------------
// the backfill-only events → canonical events

const ProjectRef = z.looseObject({ path_with_namespace: z.string().min(1) });
const MergeRequestPayload = z.object({ project: ProjectRef, merge_request: GlMergeRequest, commits: z.array(GlCommit), approvals: GlApprovals.nullable(), notes: z.array(GlNote) });
const CommitPayload = z.object({ project: ProjectRef, ref: z.string().min(1), commit: GlCommit });
const ComparePayload = z.object({ project: ProjectRef, from: Sha, to: Sha, compare: GlCompare, fetched_at: Time });

export const normaliseGitlabBackfill = neverThrowing('GitLab backfill', (delivery, context) => {
  if (delivery.event === GITLAB_BACKFILL_MERGE_REQUEST) return mergeRequest(delivery, context);
  if (delivery.event === GITLAB_BACKFILL_COMMIT) return commit(delivery);
  if (delivery.event === GITLAB_BACKFILL_COMPARE) return compare(delivery);
  return dlq(`"${delivery.event}" is not a GitLab backfill event`);
});

const REVERT = /This reverts commit ([0-9a-f]{7,64})/i;
const APPROVED_NOTE = /^approved this merge request/i;

function commitData(repo: string, c: GlCommit, fallbackAt: Instant): DataOf<'commit'> {
  const authoredAt = instant(c.authored_date) ?? instant(c.created_at) ?? instant(c.committed_date) ?? fallbackAt;
  const message = c.message ?? c.title ?? '';
  return {
    sha: c.id.toLowerCase(),
    repo,
    author: actor(undefined, c.author_name ?? undefined, c.author_email ?? undefined),
    authored_at: authoredAt,
    committed_at: instant(c.committed_date) ?? authoredAt,
    message,
    parents: (c.parent_ids ?? []).map((parent) => parent.toLowerCase()),
    reverts_sha: REVERT.exec(message)?.[1]?.toLowerCase() ?? null,
  };
}

function earliest(times: (string | null | undefined)[]): Instant | null {
  let first: Instant | null = null;
  for (const time of times) if (time && (first === null || time < first)) first = time;
  return first;
}

/** The Merge Request Hook GitLab would send for the merge request's current state. */
function mergeRequestHook(project: { path_with_namespace: string }, mr: GlMergeRequest): Record<string, unknown> {
  const action = mr.state === 'merged' ? 'merge' : mr.state === 'closed' ? 'close' : 'update';
  const labels = mr.labels.map((title) => ({ title }));
  return {
    object_kind: 'merge_request',
    user: hookUser(mr.author),
    project,
    object_attributes: {
      iid: mr.iid, title: mr.title, state: mr.state, action, created_at: mr.created_at, updated_at: mr.updated_at,
      merged_at: mr.merged_at ?? null, closed_at: mr.closed_at ?? mr.merged_at ?? null, target_branch: mr.target_branch ?? null,
      last_commit: mr.sha ? { id: mr.sha } : null, merge_commit_sha: mr.merge_commit_sha ?? mr.squash_commit_sha ?? null, author_id: mr.author?.id ?? null, labels,
    },
    labels,
  };
}

/** The Note Hook for a comment on the merge request (same review id as the live hook gives). */
function noteHook(project: { path_with_namespace: string }, mr: GlMergeRequest, note: GlNote): Record<string, unknown> {
  return {
    object_kind: 'note', user: hookUser(note.author), project, merge_request: { iid: mr.iid },
    object_attributes: { id: note.id, noteable_type: 'MergeRequest', system: note.system, created_at: note.created_at, note: note.body ?? '' },
  };
}

function eventsOf(outcome: NormaliseOutcome, what: string): CanonicalEvent[] | string {
  if (outcome.kind === 'dlq') return `${what}: ${outcome.reason}`;
  return outcome.kind === 'ok' ? outcome.events : [];
}

function mergeRequest(delivery: Delivery, context: Parameters<typeof normaliseGitlab>[1]): NormaliseOutcome {
  const parsed = MergeRequestPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${GITLAB_BACKFILL_MERGE_REQUEST} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const { project, merge_request: mr, commits, approvals, notes } = parsed.data;
  const repo = project.path_with_namespace;

  // The pull request as the Merge Request Hook maps it, then what only the API knows.
  const hooked = eventsOf(normaliseGitlab({ ...delivery, event: 'Merge Request Hook', payload: mergeRequestHook(project, mr) }, context), 'merge request');
  if (typeof hooked === 'string') return dlq(hooked);
  const pr = hooked.find((event) => event.type === 'pull_request');
  if (pr?.type !== 'pull_request') return dlq(`merge request ${repo}!${mr.iid} gave no pull_request event`);

  const reviews: CanonicalEvent[] = [];
  for (const note of notes.filter((n) => !n.system)) {
    const events = eventsOf(normaliseGitlab({ ...delivery, event: 'Note Hook', payload: noteHook(project, mr, note) }, context), `note ${note.id}`);
    if (typeof events === 'string') return dlq(events);
    reviews.push(...events);
  }
  const assumptions: string[] = [];
  const approvedNotes = notes.filter((n) => n.system && APPROVED_NOTE.test(n.body ?? ''));
  const approvers = approvals?.approved_by ?? approversFromNotes(notes);
  const approvalEvents = approvers.map(({ user, approved_at: approvedAt }) => {
    const noted = approvedNotes.filter((n) => n.author?.id === user.id).map((n) => n.created_at).sort().at(-1);
    let time = instant(approvedAt) ?? instant(noted);
    if (!time) {
      time = instant(mr.merged_at) ?? instant(mr.updated_at) ?? delivery.receivedAt;
      assumptions.push(GITLAB_BACKFILL_ASSUMED.approvalWithoutTime);
    }
    // The id the Merge Request Hook's `approved` action gives (its updated_at is the approval's time).
    const id = `gitlab:${repo}!${mr.iid}:approval:${user.id}:${time}`;
    const data: DataOf<'review'> = { id, repo, pr_number: mr.iid, reviewer: { ...actor(user.username, user.name ?? undefined, undefined, user.bot === true), login: `gitlab-user:${user.id}` }, state: 'approved', submitted_at: time };
    return canonicalEvent(delivery, 'review', id, time, data);
  });

  const authorLogin = pr.data.author.login;
  const byOthers = [...reviews, ...approvalEvents].flatMap((event) => (event.type === 'review' && event.data.reviewer.login !== authorLogin ? [event.data] : []));
  const commitEvents = commits.map((c) => {
    const data = commitData(repo, c, delivery.receivedAt);
    return canonicalEvent(delivery, 'commit', data.sha, data.authored_at, data);
  });
  const prData: DataOf<'pull_request'> = {
    ...pr.data,
    first_commit_at: earliest(commitEvents.map((c) => c.data.authored_at)),
    first_review_at: earliest(byOthers.map((r) => r.submitted_at)),
    approved_at: earliest(byOthers.filter((r) => r.state === 'approved').map((r) => r.submitted_at)),
    // GitLab lists a merge request's commits newest first; the contract keeps them oldest first.
    commit_shas: commitEvents.map((c) => c.data.sha).reverse(),
  };
  const outcome = validated([
    canonicalEvent(delivery, 'pull_request', `${repo}!${mr.iid}`, prData.updated_at, prData),
    ...reviews, ...approvalEvents, ...commitEvents,
  ]);
  return outcome.kind === 'ok' && assumptions.length ? { ...outcome, assumptions: [...new Set(assumptions)] } : outcome;
}

/** Who approves according to the system notes (approved, and not unapproved since), when the approvals API is unavailable. */
function approversFromNotes(notes: GlNote[]): GlApprovals['approved_by'] {
  const current = new Map<number, GlApprovals['approved_by'][number]>();
  for (const note of [...notes].filter((n) => n.system && n.author).sort((a, b) => a.created_at.localeCompare(b.created_at))) {
    if (APPROVED_NOTE.test(note.body ?? '')) current.set(note.author!.id, { user: note.author!, approved_at: note.created_at });
    else if (/^unapproved this merge request/i.test(note.body ?? '')) current.delete(note.author!.id);
  }
  return [...current.values()];
}

/** A default-branch commit: a commit event and a push `parent → sha`, as GitHub's backfill does (the change-set walker follows `before`). */
function commit(delivery: Delivery): NormaliseOutcome {
  const parsed = CommitPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${GITLAB_BACKFILL_COMMIT} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const { project, ref, commit: c } = parsed.data;
  const repo = project.path_with_namespace;
  const data = commitData(repo, c, delivery.receivedAt);
  const fullRef = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  const push: DataOf<'push'> = {
    repo, ref: fullRef, before: data.parents?.[0] ?? '0'.repeat(40), after: data.sha, pushed_at: data.committed_at,
    pusher: actor(undefined, c.committer_name ?? undefined, c.committer_email ?? undefined), commits: [data.sha], forced: false,
  };
  return validated([
    canonicalEvent(delivery, 'push', `${repo}:${fullRef}:${data.sha}`, data.committed_at, push),
    canonicalEvent(delivery, 'commit', data.sha, data.authored_at, data),
  ]);
}

/**
 * The compare event between two production deployments (GitLab's compare lists the commits
 * reachable from `to` and not from `from`, oldest first) and a commit event per commit.
 */
function compare(delivery: Delivery): NormaliseOutcome {
  const parsed = ComparePayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${GITLAB_BACKFILL_COMPARE} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const { project, from, to, compare: answer, fetched_at: fetchedAt } = parsed.data;
  const repo = project.path_with_namespace;
  const commits = answer.commits.map((c) => commitData(repo, c, delivery.receivedAt));
  const when = instant(fetchedAt) ?? delivery.receivedAt;
  const data: DataOf<'compare'> = {
    // GitLab says no ahead/behind: commits after from means ahead, none means identical (or behind).
    repo, base: from.toLowerCase(), head: to.toLowerCase(), status: commits.length ? 'ahead' : 'identical', commits: commits.map((c) => c.sha), total_commits: commits.length, fetched_at: when,
  };
  return validated([
    canonicalEvent(delivery, 'compare', `${repo}:${data.base}...${data.head}`, when, data),
    ...commits.map((c) => canonicalEvent(delivery, 'commit', c.sha, c.authored_at, c)),
  ]);
}
