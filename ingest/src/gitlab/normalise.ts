import type { Actor, CanonicalEventInput, DeploymentStatus } from '@paved/schemas';
import type { Delivery, NormaliseContext, NormaliseOutcome, Normaliser } from '../delivery.js';
import { explicitLinks } from '../github/normalise.js';
import { environmentNamedIn } from '../environment-names.js';
import {
  actor, assuming, canonicalEvent, dlq, fields, identifier, ignored, instant, list, neverThrowing, positiveInteger,
  severityFrom, sha, text, unknownActor, validated,
  type DataOf, type Fields,
} from '../payload.js';

/**
 * GitLab webhooks (`X-Gitlab-Event`) into the same canonical events as GitHub's: pushes into
 * commits and the push chain, merge requests into pull requests (and approvals and comments into
 * reviews, for pickup time), deployments, and incident issues/work items into incidents.
 * docs/sources/gitlab.md lists every event and what becomes of it.
 */
export const normaliseGitlab: Normaliser = neverThrowing('GitLab', (delivery, context) => {
  const payload = fields(delivery.payload);
  if (!payload) return dlq(`GitLab ${delivery.event} payload is not a JSON object`);
  switch (delivery.event) {
    case 'Push Hook': return push(delivery, payload);
    case 'Tag Push Hook': return ignored('tag pushes add no commits to a branch; deployments and releases are measured instead');
    case 'Merge Request Hook': return mergeRequest(delivery, payload);
    case 'Note Hook': return note(delivery, payload);
    case 'Deployment Hook': return deployment(delivery, payload, context);
    case 'Issue Hook':
    case 'Confidential Issue Hook':
    case 'Work Item Hook':
      return workItem(delivery, payload, context);
    case 'Pipeline Hook': return pipeline(delivery, payload, context);
    case 'Job Hook': return ignored('Job Hooks are archived for replay; deployments are measured from Deployment Hook (jobs with an environment)');
    case 'Release Hook': return ignored('Release Hook events are archived for replay; no canonical entity yet');
    case 'System Hook': return ignored('system hooks are not measured: use project or group webhooks');
    default: return ignored(`GitLab "${delivery.event}" events are not measured`);
  }
});

/** What the GitLab normaliser assumes or could not do; each is counted per delivery on Data health. */
export const GITLAB_ASSUMED = {
  pushTruncated: 'GitLab push listed fewer commits than total_commits_count (it sends the newest 20): the others are missing from lead time and change sets unless the compare API completes the push',
  pushCompleted: 'GitLab push completed through the compare API (GITLAB_TOKEN): the commits beyond the 20 listed were fetched, without their file lists',
  commitWithoutTimestamp: 'commit without timestamp: authored when Paved received the push (lead time is short)',
  mergedAtFromUpdate: 'merge request reported merged by an event other than its merge: merged_at taken as its updated_at',
  deploymentShaAbbreviated: 'GitLab deployment without a full sha in commit_url: the short_sha is kept (change sets match it by prefix)',
  deploymentWithoutTime: 'deployment without status_changed_at: at the time Paved received it',
  workItemWithoutCreatedAt: 'issue without created_at: opened when Paved received it',
} as const;

// ---------------------------------------------------------------------------------------------
// push

const ALL_ZEROS = /^0+$/;
const REVERT = /This reverts commit ([0-9a-f]{7,64})/i;

function push(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const after = sha(payload.after) ?? sha(payload.checkout_sha);
  if (!after) return dlq('GitLab push without after or checkout_sha');
  if (ALL_ZEROS.test(after)) return ignored('push deleted a branch: no commits arrived');
  const ref = text(payload.ref);
  if (!ref) return dlq('GitLab push without ref');
  const repo = projectPath(payload) ?? 'unknown';
  const assumptions: string[] = [];

  const listed = list(payload.commits).map(fields).filter((commit): commit is Fields => commit !== undefined);
  const events: CanonicalEventInput[] = [];
  const shas: string[] = [];
  for (const commit of listed) {
    const data = commitData(commit, repo, delivery.receivedAt);
    if (typeof data === 'string') return dlq(data);
    if (instant(commit.timestamp) === undefined) assumptions.push(GITLAB_ASSUMED.commitWithoutTimestamp);
    shas.push(data.sha);
    events.push(canonicalEvent(delivery, 'commit', data.sha, data.authored_at, data));
  }
  const total = typeof payload.total_commits_count === 'number' ? payload.total_commits_count : listed.length;
  if (total > listed.length) assumptions.push(GITLAB_ASSUMED.pushTruncated);
  if (payload.paved_completed === true) assumptions.push(GITLAB_ASSUMED.pushCompleted);

  // GitLab's push names no push time: the receipt stands in for it, as for GitHub without repository.pushed_at.
  const pushedAt = delivery.receivedAt;
  const data: DataOf<'push'> = {
    repo,
    ref,
    before: sha(payload.before) ?? '0'.repeat(40),
    after,
    pushed_at: pushedAt,
    pusher: actor(text(payload.user_username), text(payload.user_name), email(payload.user_email)),
    // GitLab lists the newest 20, oldest first; with a truncated list the chain starts at the 20th newest.
    commits: shas,
    // GitLab does not say whether a push was forced.
    forced: false,
  };
  return assuming(validated([canonicalEvent(delivery, 'push', `${repo}:${ref}:${after}`, pushedAt, data), ...events]), assumptions);
}

function commitData(commit: Fields, repo: string, receivedAt: string): DataOf<'commit'> | string {
  const id = sha(commit.id);
  if (!id) return 'GitLab push commit without a sha id';
  const author = fields(commit.author);
  const message = typeof commit.message === 'string' ? commit.message : '';
  const timestamp = instant(commit.timestamp) ?? receivedAt;
  const files = [commit.added, commit.modified, commit.removed].flatMap((value) => list(value)).filter((file): file is string => typeof file === 'string' && file !== '');
  return {
    sha: id,
    repo,
    // Push commits name their author by name and e-mail only, as GitHub's do without a username.
    author: actor(undefined, text(author?.name), email(author?.email)),
    authored_at: timestamp,
    committed_at: timestamp,
    message,
    parents: [],
    reverts_sha: REVERT.exec(message)?.[1]?.toLowerCase() ?? null,
    files: files.length ? [...new Set(files)] : null,
  };
}

// ---------------------------------------------------------------------------------------------
// merge requests, approvals and comments

const APPROVING = new Set(['approved', 'approval']);

function mergeRequest(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const attributes = fields(payload.object_attributes);
  if (!attributes) return dlq('Merge Request Hook without object_attributes');
  const number = positiveInteger(attributes.iid);
  if (number === undefined) return dlq('Merge Request Hook without object_attributes.iid');
  const repo = projectPath(payload) ?? text(fields(attributes.target)?.path_with_namespace) ?? 'unknown';
  const action = text(attributes.action);
  const state = text(attributes.state);
  const updatedAt = instant(attributes.updated_at) ?? delivery.receivedAt;
  const assumptions: string[] = [];

  // GitLab's hook has no merged_at/closed_at: the merge or close event's own time is when it happened.
  let mergedAt: string | null = null;
  if (state === 'merged') {
    mergedAt = instant(attributes.merged_at) ?? updatedAt;
    if (action !== 'merge' && instant(attributes.merged_at) === undefined) assumptions.push(GITLAB_ASSUMED.mergedAtFromUpdate);
  }
  const closedAt = state === 'closed' || state === 'merged' ? instant(attributes.closed_at) ?? updatedAt : null;
  const data: DataOf<'pull_request'> = {
    number,
    repo,
    title: typeof attributes.title === 'string' ? attributes.title : '',
    author: authorOf(payload, attributes.author_id),
    labels: labelTitles(attributes.labels ?? payload.labels),
    state: state === 'merged' ? 'merged' : state === 'closed' || state === 'locked' ? 'closed' : 'open',
    base_ref: text(attributes.target_branch) ?? null,
    head_sha: sha(fields(attributes.last_commit)?.id) ?? null,
    merge_commit_sha: sha(attributes.merge_commit_sha) ?? null,
    opened_at: instant(attributes.created_at) ?? delivery.receivedAt,
    // Like GitHub's webhook, these come from reviews (approvals, comments) and from backfill.
    first_commit_at: null,
    first_review_at: null,
    approved_at: null,
    merged_at: mergedAt,
    closed_at: closedAt,
    commit_shas: [],
    updated_at: updatedAt,
  };
  const events: CanonicalEventInput[] = [canonicalEvent(delivery, 'pull_request', `${repo}!${number}`, updatedAt, data)];
  if (action && APPROVING.has(action)) {
    const approver = fields(payload.user);
    const approverId = identifier(approver?.id) ?? text(approver?.username) ?? 'unknown';
    const id = `gitlab:${repo}!${number}:approval:${approverId}:${updatedAt}`;
    const review: DataOf<'review'> = { id, repo, pr_number: number, reviewer: mergeRequestPerson(approver), state: 'approved', submitted_at: updatedAt };
    events.push(canonicalEvent(delivery, 'review', id, updatedAt, review));
  }
  return assuming(validated(events), assumptions);
}

/** A comment on a merge request by a person is a review (`commented`): the first one ends pickup. */
function note(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const attributes = fields(payload.object_attributes);
  if (!attributes) return dlq('Note Hook without object_attributes');
  const on = text(attributes.noteable_type);
  if (on !== 'MergeRequest') return ignored(`comments on ${on ?? 'unknown'} are not measured (only merge request comments count as reviews)`);
  if (attributes.system === true) return ignored('system notes are GitLab bookkeeping, not reviews');
  const mr = fields(payload.merge_request);
  const number = positiveInteger(mr?.iid);
  if (number === undefined) return dlq('merge request comment without merge_request.iid');
  const noteId = identifier(attributes.id);
  if (!noteId) return dlq('merge request comment without object_attributes.id');
  const repo = projectPath(payload) ?? 'unknown';
  const submittedAt = instant(attributes.created_at) ?? delivery.receivedAt;
  const id = `gitlab:${repo}:note/${noteId}`;
  const review: DataOf<'review'> = { id, repo, pr_number: number, reviewer: mergeRequestPerson(fields(payload.user)), state: 'commented', submitted_at: submittedAt };
  return validated([canonicalEvent(delivery, 'review', id, submittedAt, review)]);
}

// ---------------------------------------------------------------------------------------------
// deployments

const DEPLOYMENT_STATUS: Record<string, DeploymentStatus> = {
  created: 'pending', blocked: 'queued', running: 'in_progress', success: 'success', failed: 'failure', canceled: 'cancelled', skipped: 'cancelled',
};
const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['success', 'failure', 'error', 'inactive', 'cancelled']);
const FULL_SHA = /\/commit\/([0-9a-f]{40,64})\/?$/i;

function deployment(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const written = text(payload.status)?.toLowerCase();
  if (!written) return dlq('Deployment Hook without status');
  const status = DEPLOYMENT_STATUS[written];
  if (!status) return dlq(`Deployment Hook status "${written}" is not a GitLab deployment status (running, success, failed, canceled)`);
  const repo = projectPath(payload) ?? 'unknown';
  const deploymentId = identifier(payload.deployment_id);
  const jobId = identifier(payload.deployable_id);
  if (!deploymentId && !jobId) return dlq('Deployment Hook without deployment_id or deployable_id');
  const id = deploymentId ? `gitlab:${repo}:${deploymentId}` : `gitlab:${repo}:job/${jobId}`;

  const assumptions: string[] = [];
  const fullSha = FULL_SHA.exec(text(payload.commit_url) ?? '')?.[1]?.toLowerCase();
  const commit = fullSha ?? sha(payload.short_sha);
  if (!fullSha && commit) assumptions.push(GITLAB_ASSUMED.deploymentShaAbbreviated);
  const statusAt = instant(payload.status_changed_at);
  if (!statusAt) assumptions.push(GITLAB_ASSUMED.deploymentWithoutTime);
  const at = statusAt ?? delivery.receivedAt;
  const data: DataOf<'deployment'> = {
    id,
    repo,
    service: null,
    path: null,
    environment: text(payload.environment) ?? context.defaultEnvironment,
    sha: commit ?? null,
    ref: text(payload.ref) ?? null,
    status,
    // GitLab reports each status with its own time; the start is the running event's (the newest status wins).
    started_at: at,
    finished_at: FINISHED.has(status) ? at : null,
    status_at: at,
    creator: gitlabUser(fields(payload.user)),
    workflow_name: null,
    source_system: 'gitlab_deployments',
    url: text(payload.deployable_url) ?? text(payload.environment_external_url) ?? null,
  };
  return assuming(validated([canonicalEvent(delivery, 'deployment', id, at, data)]), assumptions);
}

/** Finished pipelines; GitLab sends a Pipeline Hook on every status change. */
const PIPELINE_STATUS: Record<string, DeploymentStatus> = { success: 'success', failed: 'failure', canceled: 'cancelled', skipped: 'cancelled' };

/** A finished pipeline whose name matches sources.gitlab.deploymentPipelinePattern, like GitHub's deployment workflows. */
function pipeline(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const attributes = fields(payload.object_attributes);
  if (!attributes) return dlq('Pipeline Hook without object_attributes');
  const pattern = context.gitlabDeploymentPipelinePattern;
  if (!pattern) return ignored('pipelines count as deployments only when sources.gitlab.deploymentPipelinePattern is configured; otherwise Deployment Hooks do');
  const name = text(attributes.name);
  // search() ignores a /g pattern's lastIndex, so a shared pattern gives the same answer every time.
  if (!name || name.search(pattern) === -1) return ignored(`pipeline "${name ?? '(unnamed)'}" does not match sources.gitlab.deploymentPipelinePattern`);
  const written = text(attributes.status) ?? '';
  const status = PIPELINE_STATUS[written];
  if (!status) return ignored(`pipeline ${written || '(no status)'}: only finished pipelines count as deployments`);
  const pipelineId = identifier(attributes.id);
  if (!pipelineId) return dlq('Pipeline Hook without object_attributes.id');

  const repo = projectPath(payload) ?? 'unknown';
  const id = `gitlab:${repo}:pipeline/${pipelineId}`;
  const finishedAt = instant(attributes.finished_at) ?? delivery.receivedAt;
  // The environment a successful job of the pipeline deployed to, else one the pipeline's name spells out.
  const deployedTo = list(payload.builds).map(fields).find((build) => build?.status === 'success' && text(fields(build.environment)?.name));
  const data: DataOf<'deployment'> = {
    id,
    repo,
    service: null,
    path: null,
    environment: text(fields(deployedTo?.environment)?.name) ?? environmentNamedIn(name) ?? context.defaultEnvironment,
    sha: sha(attributes.sha) ?? null,
    ref: text(attributes.ref) ?? null,
    status,
    started_at: instant(attributes.created_at) ?? finishedAt,
    finished_at: finishedAt,
    status_at: finishedAt,
    creator: gitlabUser(fields(payload.user)),
    workflow_name: name,
    source_system: 'gitlab_pipelines',
    url: text(attributes.url) ?? null,
  };
  return validated([canonicalEvent(delivery, 'deployment', id, finishedAt, data)]);
}

// ---------------------------------------------------------------------------------------------
// incidents (issues and work items of type Incident, or labelled as incidents)

const ESCALATION: Record<string, DataOf<'incident'>['status']> = { triggered: 'open', acknowledged: 'acknowledged', resolved: 'resolved', ignored: 'resolved' };

function workItem(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const attributes = fields(payload.object_attributes);
  if (!attributes) return dlq(`${delivery.event} without object_attributes`);
  const labels = labelTitles(attributes.labels ?? payload.labels);
  const type = (text(attributes.type) ?? text(attributes.issue_type))?.toLowerCase();
  const incidentLabel = (context.gitlabIncidentLabel ?? context.incidentLabel).toLowerCase();
  const labelled = labels.some((label) => label.toLowerCase() === incidentLabel || label.toLowerCase().startsWith(`${incidentLabel}::`));
  if (type !== 'incident' && !labelled) {
    return ignored(`GitLab ${text(attributes.type) ?? 'issue'} is neither of type Incident nor labelled "${context.gitlabIncidentLabel ?? context.incidentLabel}": only incidents are measured`);
  }
  const number = positiveInteger(attributes.iid);
  if (number === undefined) return dlq(`${delivery.event} without object_attributes.iid`);

  const repo = projectPath(payload);
  const id = `gitlab:${repo ?? 'unknown'}#${number}`;
  const updatedAt = instant(attributes.updated_at) ?? delivery.receivedAt;
  const assumptions: string[] = [];
  const createdAt = instant(attributes.created_at);
  if (!createdAt) assumptions.push(GITLAB_ASSUMED.workItemWithoutCreatedAt);
  const closed = text(attributes.state) === 'closed' || text(attributes.action) === 'close';
  const escalation = text(attributes.escalation_status)?.toLowerCase();
  const status = closed ? 'resolved' : escalation && ESCALATION[escalation] === 'acknowledged' ? 'acknowledged' : 'open';
  const acknowledgedNow = text(fields(fields(payload.changes)?.escalation_status)?.current)?.toLowerCase() === 'acknowledged';
  const links = explicitLinks(typeof attributes.description === 'string' ? attributes.description : '', repo);
  const data: DataOf<'incident'> = {
    id,
    source: 'gitlab',
    service: serviceLabel(labels) ?? null,
    repo: repo ?? null,
    // GitLab incidents carry a severity (critical, high, medium, low, unknown); labels such as sev1 also count.
    severity: severityFrom(text(attributes.severity)) ?? labels.map(severityFrom).find((severity) => severity !== undefined) ?? 'unknown',
    title: typeof attributes.title === 'string' ? attributes.title : '',
    status,
    opened_at: createdAt ?? delivery.receivedAt,
    acknowledged_at: acknowledgedNow ? updatedAt : null,
    resolved_at: closed ? instant(attributes.closed_at) ?? updatedAt : null,
    linked_deployment_ids: links.deploymentIds,
    linked_shas: links.shas,
    url: text(attributes.url) ?? null,
    updated_at: updatedAt,
  };
  return assuming(validated([canonicalEvent(delivery, 'incident', id, updatedAt, data)]), assumptions);
}

/** `service: payments` or the scoped label `service::payments`. */
function serviceLabel(labels: string[]): string | undefined {
  for (const label of labels) {
    const service = /^service\s*(?:::|:)\s*(.+)$/i.exec(label)?.[1]?.trim();
    if (service) return service;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/** The project's `group/subgroup/project` path: the `repo` of every GitLab entity (catalog.services maps it to a service). */
function projectPath(payload: Fields): string | undefined {
  return text(fields(payload.project)?.path_with_namespace) ?? text(payload.project_name);
}

/** GitLab labels are `{ title }` objects (GitHub's are `{ name }`). */
function labelTitles(value: unknown): string[] {
  return list(value).flatMap((label) => {
    const title = text(label) ?? text(fields(label)?.title) ?? text(fields(label)?.name);
    return title ? [title] : [];
  });
}

/** GitLab writes `[REDACTED]` for an e-mail address a user keeps private. */
function email(value: unknown): string | undefined {
  const address = text(value);
  return address && address !== '[REDACTED]' ? address : undefined;
}

function gitlabUser(user: Fields | undefined): Actor {
  if (!user) return unknownActor();
  const bot = user.bot === true || /^(project|group)_\d+_bot/.test(text(user.username) ?? '');
  return actor(text(user.username), text(user.name), email(user.email), bot);
}

/**
 * People in merge requests are written `gitlab-user:<id>`: the hook names the author only by
 * `author_id`, and pickup time leaves out reviews by the author, so the author and the reviewers
 * must be named the same way on every event (the display name is kept when the payload has it).
 */
function mergeRequestPerson(user: Fields | undefined): Actor {
  const id = identifier(user?.id);
  if (!user || !id) return gitlabUser(user);
  return { ...gitlabUser(user), login: `gitlab-user:${id}` };
}

function authorOf(payload: Fields, authorId: unknown): Actor {
  const id = identifier(authorId);
  if (!id) return unknownActor();
  const people = [fields(payload.user), ...list(payload.assignees).map(fields), ...list(payload.reviewers).map(fields)];
  const named = people.find((person) => person !== undefined && identifier(person.id) === id);
  return named ? mergeRequestPerson(named) : actor(`gitlab-user:${id}`);
}
