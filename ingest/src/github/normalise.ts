import type { Actor, CanonicalEventInput, DeploymentStatus, Instant } from '@paved/schemas';
import type { Delivery, NormaliseContext, NormaliseOutcome, Normaliser } from '../delivery.js';
import {
  actor, assuming, canonicalEvent, dlq, fields, identifier, ignored, instant, labelNames, list, neverThrowing,
  positiveInteger, severityFrom, sha, text, unknownActor, validated,
  type DataOf, type Fields,
} from '../payload.js';
import { deploymentReference } from '../references.js';
import { environmentNamedIn } from '../environment-names.js';

/** GitHub webhooks (`X-GitHub-Event`) into commits, pushes, pull requests, reviews, deployments and incidents. */
export const normaliseGithub: Normaliser = neverThrowing('GitHub', (delivery, context) => {
  const payload = fields(delivery.payload);
  if (!payload) return dlq(`GitHub ${delivery.event} payload is not a JSON object`);
  switch (delivery.event) {
    case 'push': return push(delivery, payload);
    case 'pull_request': return pullRequest(delivery, payload);
    case 'pull_request_review': return review(delivery, payload);
    case 'deployment': return deployment(delivery, payload, context);
    case 'deployment_status': return deploymentStatus(delivery, payload, context);
    case 'workflow_run': return workflowRun(delivery, payload, context);
    case 'issues': return issue(delivery, payload, context);
    case 'release':
    case 'check_run':
      return ignored(`${delivery.event} events are archived for replay; no canonical entity yet`);
    case 'ping': return ignored('ping only confirms the webhook is set up');
    default: return ignored(`GitHub "${delivery.event}" events are not measured`);
  }
});

// ---------------------------------------------------------------------------------------------
// push

const ALL_ZEROS = /^0+$/;
const CREATED_BRANCH = '0'.repeat(40);

function push(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const headCommit = fields(payload.head_commit);
  const after = text(payload.after) ?? text(headCommit?.id);
  if (payload.deleted === true || (after !== undefined && ALL_ZEROS.test(after))) {
    return ignored('push deleted a branch or tag: no commits arrived');
  }
  // Senders emulating GitHub leave these out: assume what GitHub would have said, and say so (Data health).
  const assumptions: string[] = [];
  const writtenRef = text(payload.ref);
  if (!after) return dlq('push without after or head_commit.id');
  const ref = writtenRef ?? `refs/heads/${defaultBranchOf(payload, assumptions)}`;
  if (!writtenRef) assumptions.push(ASSUMED.pushWithoutRef);
  if (!text(payload.before)) assumptions.push(ASSUMED.pushWithoutBefore);

  const repo = repositoryOf(payload) ?? 'unknown';
  const pushed = list(payload.commits).map(fields).filter((commit): commit is Fields => commit !== undefined);
  // Tag pushes, branch creations and hand-written senders name the head commit only there.
  if (headCommit && !pushed.some((commit) => text(commit.id) === text(headCommit.id))) pushed.push(headCommit);

  // A first pass over the commits keeps only their shas; their events are built one at a time while
  // validated (a push may carry 100k commits: no second copy of them all is ever held).
  const shas: string[] = [];
  for (const commit of pushed) {
    const id = text(commit.id);
    if (!id) return dlq('push commit without id');
    if (instant(commit.timestamp) === undefined && !assumptions.includes(ASSUMED.commitWithoutTimestamp)) assumptions.push(ASSUMED.commitWithoutTimestamp);
    shas.push(id.toLowerCase());
  }

  const sender = fields(payload.sender);
  const pusher = fields(payload.pusher);
  const pushedAt = instant(fields(payload.repository)?.pushed_at) ?? delivery.receivedAt;
  const data: DataOf<'push'> = {
    repo,
    ref,
    // Push has no "unknown" before; a sender leaving it out is treated like a branch creation.
    before: text(payload.before) ?? CREATED_BRANCH,
    after: after.toLowerCase(),
    pushed_at: pushedAt,
    pusher: actor(text(sender?.login) ?? text(pusher?.name), text(pusher?.name), text(pusher?.email), sender?.type === 'Bot'),
    commits: shas,
    forced: payload.forced === true,
  };
  function* pushAndCommits(): Generator<CanonicalEventInput> {
    yield canonicalEvent(delivery, 'push', `${repo}:${ref}:${data.after}`, pushedAt, data);
    for (const commit of pushed) {
      const commitEvent = commitData(commit, repo, delivery.receivedAt) as DataOf<'commit'>;
      yield canonicalEvent(delivery, 'commit', commitEvent.sha, commitEvent.authored_at, commitEvent);
    }
  }
  return assuming(validated(pushAndCommits()), assumptions);
}

const REVERT = /This reverts commit ([0-9a-f]{7,64})/i;

function commitData(commit: Fields, repo: string, receivedAt: Instant): DataOf<'commit'> | string {
  const id = text(commit.id);
  if (!id) return 'push commit without id';
  const author = fields(commit.author);
  const message = typeof commit.message === 'string' ? commit.message : '';
  // Push payloads carry one timestamp per commit; author and commit time are the same as far as we know.
  const timestamp = instant(commit.timestamp) ?? receivedAt;
  return {
    sha: id.toLowerCase(),
    repo,
    author: actor(text(author?.username), text(author?.name), text(author?.email)),
    authored_at: timestamp,
    committed_at: timestamp,
    message,
    parents: [],
    reverts_sha: REVERT.exec(message)?.[1]?.toLowerCase() ?? null,
    files: changedFiles(commit),
  };
}

/** `added`/`modified`/`removed` of a push commit; null when the sender listed none (unknown, not "no files"). */
function changedFiles(commit: Fields): string[] | null {
  const files = [commit.added, commit.modified, commit.removed].flatMap((value) => list(value)).filter((file): file is string => typeof file === 'string' && file !== '');
  return files.length ? [...new Set(files)] : null;
}

// ---------------------------------------------------------------------------------------------
// pull requests and reviews

function pullRequest(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const data = pullRequestData(delivery, payload);
  if (typeof data === 'string') return dlq(data);
  return validated([pullRequestEvent(delivery, data)]);
}

function pullRequestEvent(delivery: Delivery, data: DataOf<'pull_request'>): CanonicalEventInput {
  return canonicalEvent(delivery, 'pull_request', `${data.repo}#${data.number}`, data.updated_at, data);
}

function pullRequestData(delivery: Delivery, payload: Fields): DataOf<'pull_request'> | string {
  const pr = fields(payload.pull_request);
  if (!pr) return `${delivery.event} without pull_request`;
  const number = positiveInteger(pr.number) ?? positiveInteger(payload.number);
  if (number === undefined) return 'pull_request without number';
  const base = fields(pr.base);
  const user = fields(pr.user);
  const mergedAt = instant(pr.merged_at) ?? null;
  const closedAt = instant(pr.closed_at) ?? null;
  const openedAt = instant(pr.created_at) ?? delivery.receivedAt;
  return {
    number,
    repo: repositoryOf(payload) ?? text(fields(base?.repo)?.full_name) ?? 'unknown',
    title: typeof pr.title === 'string' ? pr.title : '',
    author: githubUser(user),
    labels: labelNames(pr.labels),
    state: mergedAt ? 'merged' : pr.state === 'closed' ? 'closed' : 'open',
    base_ref: text(base?.ref) ?? null,
    head_sha: sha(fields(pr.head)?.sha) ?? null,
    merge_commit_sha: sha(pr.merge_commit_sha) ?? null,
    opened_at: openedAt,
    // A webhook does not tell these; backfill through the API fills them in.
    first_commit_at: null,
    first_review_at: null,
    approved_at: null,
    merged_at: mergedAt,
    closed_at: closedAt,
    commit_shas: [],
    updated_at: instant(pr.updated_at) ?? delivery.receivedAt,
  };
}

const REVIEW_STATES = new Set(['approved', 'changes_requested', 'commented', 'dismissed', 'pending'] as const);
type ReviewState = DataOf<'review'>['state'];
const isReviewState = (value: string): value is ReviewState => (REVIEW_STATES as Set<string>).has(value);

function review(delivery: Delivery, payload: Fields): NormaliseOutcome {
  const submitted = fields(payload.review);
  if (!submitted) return dlq('pull_request_review without review');
  const id = identifier(submitted.id);
  if (!id) return dlq('pull_request_review without review.id');
  const state = text(submitted.state)?.toLowerCase();
  if (!state) return dlq('pull_request_review without review.state');
  if (!isReviewState(state)) return dlq(`review.state "${state}" is not a GitHub review state`);
  const pr = pullRequestData(delivery, payload);
  if (typeof pr === 'string') return dlq(pr);

  const submittedAt = instant(submitted.submitted_at) ?? delivery.receivedAt;
  const data: DataOf<'review'> = {
    id,
    repo: pr.repo,
    pr_number: pr.number,
    reviewer: githubUser(fields(submitted.user)),
    state,
    submitted_at: submittedAt,
  };
  return validated([canonicalEvent(delivery, 'review', id, submittedAt, data), pullRequestEvent(delivery, pr)]);
}

// ---------------------------------------------------------------------------------------------
// deployments

const DEPLOYMENT_STATES = new Set(['success', 'failure', 'error', 'inactive', 'in_progress', 'queued', 'pending'] as const);
const isDeploymentState = (value: string): value is DeploymentStatus => (DEPLOYMENT_STATES as Set<string>).has(value);
const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['success', 'failure', 'error', 'inactive', 'cancelled']);

function deployment(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const created = fields(payload.deployment);
  if (!created) return dlq('deployment event without deployment');
  const repo = repositoryOf(payload) ?? 'unknown';
  const environment = text(created.environment) ?? context.defaultEnvironment;
  const id = deploymentId(repo, created, environment);
  if (!id) return dlq('deployment without deployment.id or deployment.sha');
  const createdAt = instant(created.created_at) ?? delivery.receivedAt;
  const assumptions = deploymentAssumptions(created, created, created.created_at);
  const parameters = deploymentParameters(created.payload);
  const data: DataOf<'deployment'> = {
    id,
    repo,
    service: text(parameters?.service) ?? null,
    path: text(parameters?.path) ?? null,
    environment,
    sha: sha(created.sha) ?? null,
    ref: text(created.ref) ?? null,
    status: 'pending',
    started_at: createdAt,
    finished_at: null,
    status_at: createdAt,
    creator: githubUser(fields(created.creator)),
    workflow_name: null,
    source_system: 'github_deployments',
    url: null,
  };
  return assuming(validated([canonicalEvent(delivery, 'deployment', id, createdAt, data)]), assumptions);
}

function deploymentStatus(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const status = fields(payload.deployment_status);
  if (!status) return dlq('deployment_status event without deployment_status');
  const state = text(status.state)?.toLowerCase();
  if (!state) return dlq('deployment_status without deployment_status.state');
  if (!isDeploymentState(state)) return dlq(`deployment_status.state "${state}" is not a GitHub deployment state`);

  // Custom CD scripts send only deployment.sha and deployment_status.{id,state,updated_at}.
  const target = fields(payload.deployment) ?? {};
  const repo = repositoryOf(payload) ?? 'unknown';
  const environment = text(target.environment) ?? text(status.environment) ?? context.defaultEnvironment;
  const id = deploymentId(repo, target, environment);
  if (!id) return dlq('deployment_status without deployment.id or deployment.sha');
  const statusAt = instant(status.updated_at) ?? instant(status.created_at) ?? delivery.receivedAt;
  const assumptions = deploymentAssumptions(target, { environment: target.environment ?? status.environment }, status.updated_at ?? status.created_at);
  const parameters = deploymentParameters(target.payload);
  const data: DataOf<'deployment'> = {
    id,
    repo,
    service: text(parameters?.service) ?? null,
    path: text(parameters?.path) ?? null,
    environment,
    sha: sha(target.sha) ?? null,
    ref: text(target.ref) ?? null,
    status: state,
    started_at: instant(target.created_at) ?? statusAt,
    finished_at: FINISHED.has(state) ? statusAt : null,
    status_at: statusAt,
    creator: githubUser(fields(target.creator) ?? fields(status.creator)),
    workflow_name: null,
    source_system: 'github_deployments',
    url: text(status.environment_url) ?? text(status.target_url) ?? text(status.log_url) ?? null,
  };
  return assuming(validated([canonicalEvent(delivery, 'deployment', id, statusAt, data)]), assumptions);
}

function deploymentAssumptions(target: Fields, named: Fields, time: unknown): string[] {
  return [
    ...(identifier(target.id) ? [] : [ASSUMED.deploymentWithoutId]),
    ...(text(named.environment) ? [] : [ASSUMED.deploymentWithoutEnvironment]),
    ...(instant(time) ? [] : [ASSUMED.deploymentWithoutTime]),
  ];
}

/** `github:repo:<deployment id>`, or, when the sender gave no id, one derived from what it did give. */
function deploymentId(repo: string, target: Fields, environment: string): string | undefined {
  const id = identifier(target.id);
  if (id) return `github:${repo}:${id}`;
  const commit = sha(target.sha);
  return commit ? `github:${repo}:sha:${commit}:${environment}` : undefined;
}

/** `deployment.payload` is free-form: an object, or JSON text when created through some clients. */
function deploymentParameters(value: unknown): Fields | undefined {
  if (typeof value !== 'string') return fields(value);
  try {
    return fields(JSON.parse(value) as unknown);
  } catch {
    return undefined;
  }
}

function workflowRun(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const action = text(payload.action);
  if (action !== 'completed') return ignored(`workflow_run ${action ?? '(no action)'}: only completed runs count as deployments`);
  const run = fields(payload.workflow_run);
  if (!run) return dlq('workflow_run event without workflow_run');
  const pattern = context.deploymentWorkflowPattern;
  if (!pattern) return ignored('workflow runs count as deployments only when deploymentWorkflowPattern is configured');
  const name = text(run.name) ?? text(fields(payload.workflow)?.name);
  // search() ignores a /g pattern's lastIndex, so a shared pattern gives the same answer every time.
  if (!name || name.search(pattern) === -1) return ignored(`workflow "${name ?? '(unnamed)'}" does not match deploymentWorkflowPattern`);
  const runId = identifier(run.id);
  if (!runId) return dlq('workflow_run without workflow_run.id');

  const repo = repositoryOf(payload) ?? 'unknown';
  const id = `actions:${repo}:run/${runId}`;
  const status = runStatus(text(run.conclusion), text(run.status));
  const statusAt = instant(run.updated_at) ?? delivery.receivedAt;
  const data: DataOf<'deployment'> = {
    id,
    repo,
    service: null,
    path: null,
    environment: environmentNamedIn(name) ?? context.defaultEnvironment,
    sha: sha(run.head_sha) ?? null,
    ref: text(run.head_branch) ?? null,
    status,
    started_at: instant(run.run_started_at) ?? instant(run.created_at) ?? statusAt,
    finished_at: FINISHED.has(status) ? statusAt : null,
    status_at: statusAt,
    creator: githubUser(fields(run.triggering_actor) ?? fields(run.actor) ?? fields(payload.sender)),
    workflow_name: name,
    source_system: 'github_actions',
    url: text(run.html_url) ?? null,
  };
  return validated([canonicalEvent(delivery, 'deployment', id, statusAt, data)]);
}

function runStatus(conclusion: string | undefined, status: string | undefined): DeploymentStatus {
  if (conclusion === 'success') return 'success';
  if (conclusion === 'cancelled' || conclusion === 'skipped') return 'cancelled';
  if (conclusion) return 'failure';
  // "completed" without a conclusion: trust the run's own status rather than call it a failure.
  if (status === 'queued' || status === 'in_progress' || status === 'pending') return status;
  return 'failure';
}

// ---------------------------------------------------------------------------------------------
// incidents (issues carrying the incident label)

function issue(delivery: Delivery, payload: Fields, context: NormaliseContext): NormaliseOutcome {
  const reported = fields(payload.issue);
  if (!reported) return dlq('issues event without issue');
  const labels = labelNames(reported.labels);
  const incidentLabel = context.incidentLabel.toLowerCase();
  if (!labels.some((label) => label.toLowerCase() === incidentLabel)) {
    return ignored(`issue is not labelled "${context.incidentLabel}": only incident issues are measured`);
  }
  if (reported.pull_request !== undefined) return ignored(`a pull request labelled "${context.incidentLabel}" is a fix, not an incident`);
  if (payload.action === 'deleted') return ignored('deleted issues cannot be retracted: there is no canonical tombstone yet');
  const number = positiveInteger(reported.number);
  if (number === undefined) return dlq('issues event without issue.number');

  const repo = repositoryOf(payload);
  const id = `github:${repo ?? 'unknown'}#${number}`;
  const updatedAt = instant(reported.updated_at) ?? delivery.receivedAt;
  const assumptions: string[] = [];
  const state = text(reported.state)?.toLowerCase();
  const closedAt = instant(reported.closed_at);
  // Without a state, closed_at decides (some senders emulating GitHub send only that).
  const resolved = state ? state === 'closed' : closedAt !== undefined;
  if (!state) assumptions.push(resolved ? ASSUMED.issueClosedWithoutState : ASSUMED.issueOpenWithoutState);
  if (!instant(reported.created_at)) assumptions.push(ASSUMED.issueWithoutCreatedAt);
  const links = explicitLinks(typeof reported.body === 'string' ? reported.body : '', repo);
  const data: DataOf<'incident'> = {
    id,
    source: 'github',
    service: serviceLabel(labels) ?? null,
    repo: repo ?? null,
    severity: labels.map(severityFrom).find((severity) => severity !== undefined) ?? 'unknown',
    title: typeof reported.title === 'string' ? reported.title : '',
    status: resolved ? 'resolved' : 'open',
    opened_at: instant(reported.created_at) ?? delivery.receivedAt,
    acknowledged_at: null,
    resolved_at: resolved ? closedAt ?? updatedAt : null,
    linked_deployment_ids: links.deploymentIds,
    linked_shas: links.shas,
    url: text(reported.html_url) ?? null,
    updated_at: updatedAt,
  };
  return assuming(validated([canonicalEvent(delivery, 'incident', id, updatedAt, data)]), assumptions);
}

function serviceLabel(labels: string[]): string | undefined {
  for (const label of labels) {
    const service = /^service\s*:\s*(.+)$/i.exec(label)?.[1]?.trim();
    if (service) return service;
  }
  return undefined;
}

const LINK_LINE = /^(root[\s_-]?cause|deploy(?:ment)?s?(?:[\s_-]?ids?)?)\s*:\s*(.+)$/i;
const SHORT_OR_FULL_SHA = /^[0-9a-f]{7,40}$/i;

/**
 * Links a person wrote into the issue body, one per line: `root cause: <sha>` and `deployment: <reference>`
 * (several values separated by commas are fine), a reference being any form of ../references.ts
 * (Paved's id, GitHub's numeric id, `owner/repo#id`, an API or Actions URL, a sha prefix); a bare
 * number is taken within the issue's repository. Markdown emphasis and list bullets are tolerated.
 */
export function explicitLinks(body: string, repo?: string): { shas: string[]; deploymentIds: string[] } {
  const shas = new Set<string>();
  const deploymentIds = new Set<string>();
  for (const line of body.split(/\r?\n/)) {
    const cleaned = line.replace(/[*`]/g, '').trim().replace(/^[-+>]\s*/, '');
    const match = LINK_LINE.exec(cleaned);
    if (!match?.[1] || !match[2]) continue;
    if (match[1].toLowerCase().startsWith('root')) {
      for (const value of match[2].split(/[\s,]+/)) if (SHORT_OR_FULL_SHA.test(value)) shas.add(value.toLowerCase());
    } else {
      // Ids never contain spaces: "deployment: failed after rollout" is prose, not a link.
      for (const value of match[2].split(',').map((part) => part.trim())) {
        const reference = value && !/\s/.test(value) ? deploymentReference(value, repo) : undefined;
        if (reference) deploymentIds.add(reference);
      }
    }
  }
  return { shas: [...shas], deploymentIds: [...deploymentIds] };
}

// ---------------------------------------------------------------------------------------------

/** What the normalisers assume when a sender leaves a field out; each is counted on Data health. */
export const ASSUMED = {
  pushWithoutRef: 'push without ref: taken to be on the default branch',
  pushWithoutBefore: 'push without before: taken as the first push of a branch (the change-set walk stops there)',
  defaultBranchUnknown: 'push without ref nor repository.default_branch: default branch taken to be main',
  issueClosedWithoutState: 'issue without state but with closed_at: taken as closed (resolved at closed_at)',
  issueOpenWithoutState: 'issue without state or closed_at: taken as open',
  issueWithoutCreatedAt: 'issue without created_at: opened when Paved received it',
  commitWithoutTimestamp: 'commit without timestamp: authored when Paved received the push (lead time is short)',
  deploymentWithoutId: 'deployment without id: identified by its sha and environment',
  deploymentWithoutEnvironment: 'deployment without environment: taken to be metrics.defaultEnvironment',
  deploymentWithoutTime: 'deployment without created_at/updated_at: at the time Paved received it',
} as const;

function defaultBranchOf(payload: Fields, assumptions: string[]): string {
  const repository = fields(payload.repository);
  const branch = text(repository?.default_branch) ?? text(repository?.master_branch);
  if (branch) return branch;
  assumptions.push(ASSUMED.defaultBranchUnknown);
  return 'main';
}

/** `owner/name`, or just `name` when a hand-written sender gave no more. */
function repositoryOf(payload: Fields): string | undefined {
  const repository = fields(payload.repository);
  return text(repository?.full_name) ?? text(repository?.name);
}

function githubUser(user: Fields | undefined): Actor {
  if (!user) return unknownActor();
  return actor(text(user.login), text(user.name), text(user.email), user.type === 'Bot');
}
