/**
 * GitLab webhook bodies (`X-Gitlab-Event`) for the demo team that works on GitLab, shaped like the
 * examples of GitLab's webhook documentation (ingest/test/fixtures/gitlab: Push Hook, Merge Request
 * Hook, Note Hook, Pipeline Hook, Deployment Hook, Issue Hook), trimmed to the fields a consumer
 * reads plus enough of the rest to look like the real thing. The project lives on gitlab.com under
 * the `acme` group, one subgroup per team (`acme/identity/auth-service`).
 */
import { instant, offsetTime } from './calendar.js';
import { ZERO_SHA } from './github-payloads.js';
import type { Person, RepoModel } from './org.js';
import { hash128 } from './random.js';
import { messageOf, type CommitRecord, type DeploymentRecord, type IssueRecord, type PullRequestRecord } from './records.js';

export const GITLAB_WEB = 'https://gitlab.com';

/** GitLab lists the newest 20 commits of a push; `total_commits_count` holds the real number. */
export const GITLAB_PUSH_COMMIT_LIMIT = 20;

/** GitLab ids are smaller than GitHub's: derived from the same numbers so they stay stable. */
export function gitlabUserId(person: Person): number {
  return 100_000 + (person.id % 14_000_000);
}

export function gitlabProjectId(repo: RepoModel): number {
  return 40_000_000 + (repo.id % 30_000_000);
}

/** Bots are project or group bot users on GitLab (`group_<id>_bot_<hash>`), Renovate a plain account. */
export function gitlabUsername(person: Person): string {
  if (!person.bot) return person.login;
  if (person.login.startsWith('renovate')) return 'renovate-bot';
  return `group_${GROUP_ID}_bot_${(hash128(person.login)[0] >>> 0).toString(16).padStart(8, '0')}`;
}

const GROUP_ID = 61_204_117;

function userObject(person: Person): object {
  return {
    id: gitlabUserId(person),
    name: person.bot ? person.login.replace('[bot]', '') : person.name,
    username: gitlabUsername(person),
    avatar_url: `https://secure.gravatar.com/avatar/${(hash128(person.email)[1] >>> 0).toString(16)}?s=80&d=identicon`,
    email: person.bot ? '[REDACTED]' : person.email,
  };
}

const projectCache = new WeakMap<RepoModel, object>();
export function projectObject(repo: RepoModel): object {
  let project = projectCache.get(repo);
  if (!project) {
    const web = `${GITLAB_WEB}/${repo.fullName}`;
    project = {
      id: gitlabProjectId(repo), name: repo.name, description: '', web_url: web, avatar_url: null,
      git_ssh_url: `git@gitlab.com:${repo.fullName}.git`, git_http_url: `${web}.git`,
      namespace: repo.fullName.split('/').slice(-2, -1)[0] ?? 'acme', visibility_level: 0,
      path_with_namespace: repo.fullName, default_branch: repo.defaultBranch, ci_config_path: '',
      homepage: web, url: `git@gitlab.com:${repo.fullName}.git`, ssh_url: `git@gitlab.com:${repo.fullName}.git`, http_url: `${web}.git`,
    };
    projectCache.set(repo, project);
  }
  return project;
}

function repositoryObject(repo: RepoModel): object {
  const web = `${GITLAB_WEB}/${repo.fullName}`;
  return { name: repo.name, url: `git@gitlab.com:${repo.fullName}.git`, description: '', homepage: web, git_http_url: `${web}.git`, git_ssh_url: `git@gitlab.com:${repo.fullName}.git`, visibility_level: 0 };
}

/** GitLab writes most hook times as `2013-12-03 17:23:34 UTC`. */
function gitlabTime(ms: number): string {
  return `${instant(ms).slice(0, 19).replace('T', ' ')} UTC`;
}

/** The Deployment Hook's `status_changed_at` carries an offset: `2021-04-28 21:50:00 +0200`. */
function offsetText(ms: number, offsetMinutes: number): string {
  const iso = offsetTime(ms, offsetMinutes);
  const zone = iso.endsWith('Z') ? '+0000' : iso.slice(-6).replace(':', '');
  return `${iso.slice(0, 19).replace('T', ' ')} ${zone}`;
}

function commitUrl(repo: RepoModel, sha: string): string {
  return `${GITLAB_WEB}/${repo.fullName}/-/commit/${sha}`;
}

function commitObject(repo: RepoModel, commit: CommitRecord): object {
  const message = messageOf(commit);
  return {
    id: commit.sha,
    message,
    title: message.split('\n')[0] ?? '',
    timestamp: offsetTime(commit.committedAt, commit.committer.offsetMinutes),
    url: commitUrl(repo, commit.sha),
    author: { name: commit.author.name, email: commit.author.bot ? '[REDACTED]' : commit.author.email },
    added: commit.added,
    modified: commit.modified,
    removed: [],
  };
}

export interface GitlabPushInput {
  repo: RepoModel;
  branch: string;
  before: string;
  commits: CommitRecord[];
  pusher: Person;
}

export function gitlabPushPayload(input: GitlabPushInput): object {
  const { repo, before, commits } = input;
  const after = commits[commits.length - 1]?.sha ?? before;
  return {
    object_kind: 'push',
    event_name: 'push',
    before,
    after,
    ref: `refs/heads/${input.branch}`,
    ref_protected: input.branch === repo.defaultBranch,
    checkout_sha: after,
    message: null,
    user_id: gitlabUserId(input.pusher),
    user_name: input.pusher.bot ? input.pusher.login.replace('[bot]', '') : input.pusher.name,
    user_username: gitlabUsername(input.pusher),
    user_email: input.pusher.bot ? '[REDACTED]' : input.pusher.email,
    user_avatar: null,
    project_id: gitlabProjectId(repo),
    project: projectObject(repo),
    // The newest 20, oldest first, as GitLab lists them.
    commits: commits.slice(-GITLAB_PUSH_COMMIT_LIMIT).map((commit) => commitObject(repo, commit)),
    total_commits_count: commits.length,
    push_options: {},
    repository: repositoryObject(repo),
  };
}

export interface MergeRequestSnapshot {
  at: number;
  headSha: string;
  state: 'opened' | 'closed' | 'merged';
  action: 'open' | 'update' | 'approved' | 'merge' | 'close';
  /** The head before new commits arrived (`update` with a push). */
  oldrev?: string;
}

function labelObjects(repo: RepoModel, names: string[], at: string): object[] {
  return names.map((title) => {
    const id = 20_000_000 + (hash128(`${repo.fullName}:${title}`)[0] % 9_000_000);
    return { id, title, color: title === 'hotfix' || title === 'bug' ? '#dc143c' : '#6699cc', project_id: gitlabProjectId(repo), created_at: at, updated_at: at, template: false, description: null, type: 'ProjectLabel', group_id: null };
  });
}

function mergeRequestUrl(pr: PullRequestRecord): string {
  return `${GITLAB_WEB}/${pr.service.repo.fullName}/-/merge_requests/${pr.number}`;
}

export function mergeRequestPayload(pr: PullRequestRecord, snap: MergeRequestSnapshot, actor: Person, reviewers: Person[]): object {
  const repo = pr.service.repo;
  const project = projectObject(repo);
  const createdAt = gitlabTime(pr.openedAt);
  const labels = labelObjects(repo, pr.labels, createdAt);
  const head = pr.commits.find((c) => c.sha === snap.headSha) ?? pr.commits[pr.commits.length - 1];
  const merged = snap.state === 'merged' ? pr.merge : null;
  const attributes: Record<string, unknown> = {
    id: pr.id,
    iid: pr.number,
    target_branch: repo.defaultBranch,
    source_branch: pr.branch,
    source_project_id: gitlabProjectId(repo),
    author_id: gitlabUserId(pr.author),
    assignee_ids: [gitlabUserId(pr.author)],
    assignee_id: gitlabUserId(pr.author),
    reviewer_ids: reviewers.map(gitlabUserId),
    title: pr.title,
    created_at: createdAt,
    updated_at: gitlabTime(snap.at),
    last_edited_at: null,
    last_edited_by_id: null,
    milestone_id: null,
    state_id: snap.state === 'opened' ? 1 : snap.state === 'closed' ? 2 : 3,
    state: snap.state,
    blocking_discussions_resolved: true,
    work_in_progress: false,
    draft: false,
    first_contribution: false,
    merge_status: snap.state === 'opened' ? 'can_be_merged' : 'can_be_merged',
    target_project_id: gitlabProjectId(repo),
    description: pr.body,
    prepared_at: createdAt,
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    merge_commit_sha: merged?.sha ?? null,
    squash_commit_sha: merged?.strategy === 'squash' ? merged.sha : null,
    squash: merged?.strategy === 'squash',
    url: mergeRequestUrl(pr),
    source: project,
    target: project,
    last_commit: head
      ? { id: head.sha, message: messageOf(head), title: messageOf(head).split('\n')[0] ?? '', timestamp: offsetTime(head.committedAt, head.committer.offsetMinutes), url: commitUrl(repo, head.sha), author: { name: head.author.name, email: head.author.bot ? '[REDACTED]' : head.author.email } }
      : null,
    labels,
    action: snap.action,
    detailed_merge_status: snap.state === 'opened' ? 'mergeable' : 'not_open',
  };
  if (snap.oldrev) attributes.oldrev = snap.oldrev;
  if (merged) attributes.merge_user_id = gitlabUserId(merged.by);
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: userObject(actor),
    project,
    repository: repositoryObject(repo),
    object_attributes: attributes,
    labels,
    changes: snap.action === 'update' && snap.oldrev ? { updated_at: { previous: createdAt, current: gitlabTime(snap.at) } } : {},
    assignees: [userObject(pr.author)],
    reviewers: reviewers.map(userObject),
  };
}

/** A comment on a merge request (GitLab's review comments and "request changes" are notes). */
export function mergeRequestNotePayload(pr: PullRequestRecord, noteId: number, by: Person, body: string, at: number, headSha: string): object {
  const repo = pr.service.repo;
  return {
    object_kind: 'note',
    event_type: 'note',
    user: userObject(by),
    project_id: gitlabProjectId(repo),
    project: projectObject(repo),
    repository: repositoryObject(repo),
    object_attributes: {
      id: noteId,
      note: body,
      noteable_type: 'MergeRequest',
      author_id: gitlabUserId(by),
      created_at: gitlabTime(at),
      updated_at: gitlabTime(at),
      project_id: gitlabProjectId(repo),
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: pr.id,
      system: false,
      st_diff: null,
      url: `${mergeRequestUrl(pr)}#note_${noteId}`,
      action: 'create',
    },
    merge_request: {
      id: pr.id, iid: pr.number, title: pr.title, state: 'opened', source_branch: pr.branch, target_branch: repo.defaultBranch,
      author_id: gitlabUserId(pr.author), created_at: gitlabTime(pr.openedAt), updated_at: gitlabTime(at),
      last_commit: { id: headSha }, url: mergeRequestUrl(pr),
    },
  };
}

export interface GitlabJob {
  pipelineId: number;
  jobId: number;
}

/** The deployment pipeline (`Pipeline Hook`): running when the deploy starts, or finished once the promotion job is done. */
export function pipelinePayload(deployment: DeploymentRecord, job: GitlabJob, status: 'running' | 'success', at: number, argocd: boolean): object {
  const repo = deployment.service.repo;
  const environment = deployment.environment;
  const created = gitlabTime(deployment.createdAt);
  const jobName = argocd ? `promote-${environment}` : `deploy-${environment}`;
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: job.pipelineId,
      iid: job.pipelineId % 100_000,
      name: argocd ? `Promote to ${environment} (Argo CD)` : `Deploy to ${environment}`,
      ref: deployment.ref,
      tag: false,
      sha: deployment.sha,
      before_sha: ZERO_SHA,
      source: deployment.rollback ? 'web' : 'push',
      status,
      detailed_status: status === 'running' ? 'running' : 'passed',
      stages: ['deploy'],
      created_at: created,
      finished_at: status === 'success' ? gitlabTime(at) : null,
      duration: status === 'success' ? Math.round((at - deployment.createdAt) / 1000) : null,
      queued_duration: 4,
      variables: [],
      url: `${GITLAB_WEB}/${repo.fullName}/-/pipelines/${job.pipelineId}`,
    },
    merge_request: null,
    user: userObject(deployment.creator),
    project: projectObject(repo),
    commit: { id: deployment.sha, url: commitUrl(repo, deployment.sha) },
    source_pipeline: null,
    builds: [{
      id: job.jobId,
      stage: 'deploy',
      name: jobName,
      status,
      created_at: created,
      started_at: created,
      finished_at: status === 'success' ? gitlabTime(at) : null,
      duration: null,
      queued_duration: 4,
      failure_reason: null,
      when: deployment.rollback || environment !== 'staging' ? 'manual' : 'on_success',
      manual: environment !== 'staging',
      allow_failure: false,
      user: userObject(deployment.creator),
      runner: null,
      artifacts_file: { filename: null, size: null },
      // A promotion job hands over to Argo CD; it names no GitLab environment.
      environment: argocd ? null : { name: environment, action: 'start', deployment_tier: environment === 'staging' ? 'staging' : 'production' },
    }],
  };
}

/** `Deployment Hook`: GitLab sends one per status (running, success, failed, canceled). */
export function deploymentHookPayload(deployment: DeploymentRecord, job: GitlabJob, status: 'running' | 'success' | 'failed', at: number): object {
  const repo = deployment.service.repo;
  const environment = deployment.environment;
  return {
    object_kind: 'deployment',
    status,
    status_changed_at: offsetText(at, 0),
    deployment_id: deployment.id,
    deployable_id: job.jobId,
    deployable_url: `${GITLAB_WEB}/${repo.fullName}/-/jobs/${job.jobId}`,
    environment,
    environment_tier: environment === 'staging' ? 'staging' : 'production',
    environment_slug: environment,
    environment_external_url: environment === 'staging' ? `https://${deployment.service.name}.staging.acme.dev` : `https://${deployment.service.name}.acme.dev`,
    project: projectObject(repo),
    short_sha: deployment.sha.slice(0, 8),
    user: userObject(deployment.creator),
    user_url: `${GITLAB_WEB}/${gitlabUsername(deployment.creator)}`,
    commit_url: commitUrl(repo, deployment.sha),
    commit_title: deployment.description ?? `Deploy ${deployment.sha.slice(0, 8)}`,
  };
}

/** `Issue Hook` for an ordinary issue (a bug or a feature request): archived, not measured. */
export function issueHookPayload(action: 'open' | 'close', repo: RepoModel, issue: IssueRecord, at: number, by: Person): object {
  const createdAt = gitlabTime(issue.openedAt);
  const labels = labelObjects(repo, issue.labels, createdAt);
  return {
    object_kind: 'issue',
    event_type: 'issue',
    user: userObject(by),
    project: projectObject(repo),
    object_attributes: {
      id: issue.id,
      iid: issue.number,
      title: issue.title,
      description: issue.body,
      author_id: gitlabUserId(issue.author),
      project_id: gitlabProjectId(repo),
      created_at: createdAt,
      updated_at: gitlabTime(at),
      closed_at: action === 'close' ? gitlabTime(at) : null,
      state: action === 'close' ? 'closed' : 'opened',
      state_id: action === 'close' ? 2 : 1,
      confidential: false,
      assignee_id: null,
      assignee_ids: [],
      discussion_locked: null,
      due_date: null,
      duplicated_to_id: null,
      moved_to_id: null,
      escalation_policy: null,
      escalation_status: null,
      health_status: null,
      last_edited_at: null,
      last_edited_by_id: null,
      milestone_id: null,
      relative_position: null,
      time_estimate: 0,
      total_time_spent: 0,
      time_change: 0,
      human_total_time_spent: null,
      human_time_change: null,
      human_time_estimate: null,
      updated_by_id: null,
      weight: null,
      type: 'Issue',
      issue_type: 'issue',
      severity: 'unknown',
      labels,
      url: `${GITLAB_WEB}/${repo.fullName}/-/issues/${issue.number}`,
      action,
    },
    repository: repositoryObject(repo),
    assignee: null,
    assignees: [],
    labels,
    changes: {},
  };
}
