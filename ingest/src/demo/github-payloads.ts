/**
 * GitHub webhook bodies in GitHub's own shapes (see @octokit/webhooks-examples), trimmed to the
 * fields a consumer reads plus enough of the rest to look like the real thing.
 */
import { githubTime, offsetTime } from './calendar.js';
import { ORG, type Person, type RepoModel } from './org.js';
import { messageOf, type CommitRecord, type DeploymentRecord, type IncidentRecord, type PullRequestRecord } from './records.js';
import { hash128 } from './random.js';

const ORG_ID = 91843520;
/** `before` of a push that created the branch. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** GitHub's legacy global node id: base64 of `<length-prefixed type>:<Type><id>`, e.g. `MDQ6VXNlcjE=`. */
export function nodeId(kind: string, id: number): string {
  const text = `0${kind.length}:${kind}${id}`;
  let out = '';
  for (let i = 0; i < text.length; i += 3) {
    const a = text.charCodeAt(i);
    const b = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const c = i + 2 < text.length ? text.charCodeAt(i + 2) : 0;
    out += BASE64[a >> 2];
    out += BASE64[((a & 3) << 4) | (b >> 4)];
    out += i + 1 < text.length ? BASE64[((b & 15) << 2) | (c >> 6)] : '=';
    out += i + 2 < text.length ? BASE64[c & 63] : '=';
  }
  return out;
}

const ownerObject = { login: ORG, id: ORG_ID, node_id: nodeId('Organization', ORG_ID), type: 'Organization', site_admin: false };
const organizationObject = { login: ORG, id: ORG_ID, node_id: nodeId('Organization', ORG_ID), description: 'Acme Inc.' };

// Keyed by the person, not the login: two seeds can give the same login to different people.
const userCache = new WeakMap<Person, object>();
function userObject(person: Person): object {
  let user = userCache.get(person);
  if (!user) {
    user = { login: person.login, id: person.id, node_id: nodeId(person.bot ? 'Bot' : 'User', person.id), type: person.bot ? 'Bot' : 'User', site_admin: false, html_url: person.bot ? `https://github.com/apps/${person.login.replace('[bot]', '')}` : `https://github.com/${person.login}` };
    userCache.set(person, user);
  }
  return user;
}

const repoCache = new WeakMap<RepoModel, object>();
function repositoryObject(repo: RepoModel): object {
  let object = repoCache.get(repo);
  if (!object) {
    object = {
      id: repo.id, node_id: nodeId('Repository', repo.id), name: repo.name, full_name: repo.fullName, private: true, owner: ownerObject,
      html_url: `https://github.com/${repo.fullName}`, description: null, fork: false, created_at: githubTime(repo.createdAt),
      language: repo.language, visibility: 'private', default_branch: repo.defaultBranch, archived: false,
    };
    repoCache.set(repo, object);
  }
  return object;
}

/** Push payloads write the repository's `created_at` as epoch seconds and add `master_branch` (GitHub's quirk). */
const pushRepoCache = new WeakMap<RepoModel, object>();
function pushRepositoryObject(repo: RepoModel): object {
  let object = pushRepoCache.get(repo);
  if (!object) {
    object = {
      ...repositoryObject(repo), created_at: Math.floor(repo.createdAt / 1000),
      owner: { name: ORG, email: null, ...ownerObject }, master_branch: repo.defaultBranch, organization: ORG,
    };
    pushRepoCache.set(repo, object);
  }
  return object;
}

const LABEL_COLORS: Record<string, string> = { bug: 'd73a4a', feature: 'a2eeef', enhancement: 'a2eeef', hotfix: 'b60205', incident: 'e11d21', dependencies: '0366d6', chore: 'cfd3d7', refactor: 'fbca04', docs: '0075ca', 'tech-debt': 'fef2c0', question: 'd876e3', sev1: 'b60205', sev2: 'd93f0b', sev3: 'fbca04' };
const labelCache = new Map<string, object>();
function labelObjects(repo: RepoModel, names: string[]): object[] {
  return names.map((name) => {
    const key = `${repo.fullName}:${name}`;
    let label = labelCache.get(key);
    if (!label) {
      const id = 1_000_000_000 + (hash128(key)[0] % 3_000_000_000);
      label = { id, node_id: nodeId('Label', id), name, color: LABEL_COLORS[name] ?? 'ededed', default: name === 'bug' || name === 'enhancement' || name === 'question', description: null };
      labelCache.set(key, label);
    }
    return label;
  });
}


function gitUser(person: Person): { name: string; email: string; username: string } {
  return { name: person.name, email: person.email, username: person.login };
}

function commitObject(repo: RepoModel, commit: CommitRecord, distinct: boolean): object {
  return {
    id: commit.sha,
    // Not the real tree, but a stable 40-hex id derived from the commit, which is all a consumer can check.
    tree_id: `${commit.sha.slice(17)}${commit.sha.slice(0, 17)}`,
    distinct,
    message: messageOf(commit),
    timestamp: offsetTime(commit.committedAt, commit.committer.offsetMinutes),
    url: `https://github.com/${repo.fullName}/commit/${commit.sha}`,
    author: gitUser(commit.author),
    committer: gitUser(commit.committer),
    added: commit.added,
    removed: [],
    modified: commit.modified,
  };
}

interface PushInput {
  repo: RepoModel;
  branch: string;
  before: string;
  commits: { commit: CommitRecord; distinct: boolean }[];
  pusher: Person;
  sender: Person;
}

export function pushPayload(input: PushInput): object {
  const { repo, before } = input;
  // GitHub lists at most 20 commits in a push payload; head_commit is always the newest.
  const listed = input.commits.slice(-20).map(({ commit, distinct }) => commitObject(repo, commit, distinct));
  const head = listed[listed.length - 1] ?? null;
  const after = input.commits[input.commits.length - 1]?.commit.sha ?? before;
  return {
    ref: `refs/heads/${input.branch}`,
    before,
    after,
    repository: pushRepositoryObject(repo),
    pusher: { name: input.pusher.login, email: input.pusher.email },
    organization: organizationObject,
    sender: userObject(input.sender),
    created: before === ZERO_SHA,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: before === ZERO_SHA
      ? `https://github.com/${repo.fullName}/commit/${after.slice(0, 12)}`
      : `https://github.com/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: listed,
    head_commit: head,
  };
}

export interface PullRequestSnapshot {
  at: number;
  headSha: string;
  commits: number;
  closed: boolean;
  merged: boolean;
  reviewComments: number;
}

function pullRequestObject(pr: PullRequestRecord, snap: PullRequestSnapshot): object {
  const repo = pr.service.repo;
  const repository = repositoryObject(repo);
  const merge = snap.merged ? pr.merge : null;
  return {
    url: `https://api.github.com/repos/${repo.fullName}/pulls/${pr.number}`,
    id: pr.id,
    node_id: pr.nodeId,
    html_url: `https://github.com/${repo.fullName}/pull/${pr.number}`,
    number: pr.number,
    state: snap.closed ? 'closed' : 'open',
    locked: false,
    title: pr.title,
    user: userObject(pr.author),
    body: pr.body || null,
    created_at: githubTime(pr.openedAt),
    updated_at: githubTime(snap.at),
    closed_at: snap.closed ? githubTime(snap.at) : null,
    merged_at: merge ? githubTime(merge.at) : null,
    merge_commit_sha: merge ? merge.sha : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    labels: pr.labelObjects ??= labelObjects(repo, pr.labels),
    draft: false,
    head: { label: `${ORG}:${pr.branch}`, ref: pr.branch, sha: snap.headSha, user: ownerObject, repo: repository },
    base: { label: `${ORG}:${repo.defaultBranch}`, ref: repo.defaultBranch, sha: pr.baseSha, user: ownerObject, repo: repository },
    author_association: pr.author.bot ? 'NONE' : 'MEMBER',
    auto_merge: null,
    merged: merge !== null,
    mergeable: snap.closed ? null : true,
    merged_by: merge ? userObject(merge.by) : null,
    comments: 0,
    review_comments: snap.reviewComments,
    commits: snap.commits,
    additions: pr.additions,
    deletions: pr.deletions,
    changed_files: pr.changedFiles,
  };
}

export function pullRequestPayload(action: 'opened' | 'synchronize' | 'closed', pr: PullRequestRecord, snap: PullRequestSnapshot, sender: Person, before?: string): object {
  const payload: Record<string, unknown> = {
    action,
    number: pr.number,
    pull_request: pullRequestObject(pr, snap),
    repository: repositoryObject(pr.service.repo),
    organization: organizationObject,
    sender: userObject(sender),
  };
  if (action === 'synchronize') {
    payload.before = before;
    payload.after = snap.headSha;
  }
  return payload;
}

export interface ReviewInput {
  id: number;
  reviewer: Person;
  state: 'approved' | 'changes_requested' | 'commented';
  body: string | null;
  at: number;
}

export function reviewPayload(pr: PullRequestRecord, snap: PullRequestSnapshot, review: ReviewInput): object {
  const repo = pr.service.repo;
  return {
    action: 'submitted',
    review: {
      id: review.id,
      node_id: nodeId('PullRequestReview', review.id),
      user: userObject(review.reviewer),
      body: review.body,
      commit_id: snap.headSha,
      submitted_at: githubTime(review.at),
      state: review.state,
      html_url: `https://github.com/${repo.fullName}/pull/${pr.number}#pullrequestreview-${review.id}`,
      author_association: 'MEMBER',
    },
    pull_request: pullRequestObject(pr, snap),
    repository: repositoryObject(repo),
    organization: organizationObject,
    sender: userObject(review.reviewer),
  };
}

function deploymentPayloadField(deployment: DeploymentRecord): Record<string, unknown> {
  const service = deployment.service;
  const payload: Record<string, unknown> = {};
  if (service.path) {
    payload.service = service.name;
    payload.path = service.path;
  }
  if (deployment.rollback) payload.rollback = true;
  return payload;
}

function deploymentObject(deployment: DeploymentRecord, updatedAt: number): object {
  const repo = deployment.service.repo;
  return {
    url: `https://api.github.com/repos/${repo.fullName}/deployments/${deployment.id}`,
    id: deployment.id,
    node_id: deployment.nodeId,
    sha: deployment.sha,
    ref: deployment.ref,
    task: 'deploy',
    payload: deploymentPayloadField(deployment),
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userObject(deployment.creator),
    created_at: githubTime(deployment.createdAt),
    updated_at: githubTime(updatedAt),
    transient_environment: false,
    production_environment: deployment.environment !== 'staging',
  };
}

export function deploymentPayload(deployment: DeploymentRecord): object {
  return {
    action: 'created',
    deployment: deploymentObject(deployment, deployment.createdAt),
    repository: repositoryObject(deployment.service.repo),
    organization: organizationObject,
    sender: userObject(deployment.creator),
  };
}

export function deploymentStatusPayload(deployment: DeploymentRecord, statusId: number, state: 'in_progress' | 'success' | 'failure', at: number): object {
  const repo = deployment.service.repo;
  const logUrl = `https://github.com/${repo.fullName}/actions/runs/${deployment.id + 7_000_000_000}`;
  return {
    action: 'created',
    deployment_status: {
      url: `https://api.github.com/repos/${repo.fullName}/deployments/${deployment.id}/statuses/${statusId}`,
      id: statusId,
      node_id: nodeId('DeploymentStatus', statusId),
      state,
      creator: userObject(deployment.creator),
      description: state === 'in_progress' ? 'Deployment started' : state === 'success' ? 'Deployment finished successfully.' : 'Deployment failed: health checks did not pass',
      environment: deployment.environment,
      target_url: logUrl,
      log_url: logUrl,
      environment_url: deployment.environment === 'staging' ? `https://${deployment.service.name}.staging.acme.dev` : `https://${deployment.service.name}.acme.dev`,
      created_at: githubTime(at),
      updated_at: githubTime(at),
    },
    deployment: deploymentObject(deployment, at),
    repository: repositoryObject(repo),
    organization: organizationObject,
    sender: userObject(deployment.creator),
  };
}

interface IssueLike {
  number: number;
  id: number;
  title: string;
  body: string;
  labels: string[];
  author: Person;
  openedAt: number;
}

function issueObject(repo: RepoModel, issue: IssueLike, at: number, closed: boolean, assignee: Person | null): object {
  return {
    url: `https://api.github.com/repos/${repo.fullName}/issues/${issue.number}`,
    id: issue.id,
    node_id: nodeId('Issue', issue.id),
    html_url: `https://github.com/${repo.fullName}/issues/${issue.number}`,
    number: issue.number,
    title: issue.title,
    user: userObject(issue.author),
    labels: labelObjects(repo, issue.labels),
    state: closed ? 'closed' : 'open',
    locked: false,
    assignee: assignee ? userObject(assignee) : null,
    assignees: assignee ? [userObject(assignee)] : [],
    comments: closed ? 2 : 0,
    created_at: githubTime(issue.openedAt),
    updated_at: githubTime(at),
    closed_at: closed ? githubTime(at) : null,
    author_association: issue.author.bot ? 'NONE' : 'MEMBER',
    body: issue.body || null,
    state_reason: closed ? 'completed' : null,
  };
}

export function issuePayload(action: 'opened' | 'closed', repo: RepoModel, issue: IssueLike, at: number, sender: Person, assignee: Person | null): object {
  return {
    action,
    issue: issueObject(repo, issue, at, action === 'closed', assignee),
    repository: repositoryObject(repo),
    organization: organizationObject,
    sender: userObject(sender),
  };
}

/** The GitHub issue an on-call engineer opens for an incident, with the links people actually write. */
export function incidentIssue(incident: IncidentRecord): IssueLike {
  const severity = incident.priority === 'P1' ? 'sev1' : incident.priority === 'P2' ? 'sev2' : 'sev3';
  const lines = [`Impact: ${incident.title}.`, `Detected by: ${incident.cause ? 'alerts after a deployment' : 'monitoring'}`, ''];
  if (incident.link === 'deployment' && incident.cause) lines.push(`deployment: github:${incident.service.repo.fullName}:${incident.cause.id}`);
  if (incident.link === 'sha' && incident.culpritSha) lines.push(`root cause: ${incident.culpritSha.slice(0, 7 + (incident.number % 6))}`);
  return {
    number: incident.number,
    id: incident.issueId,
    title: `Incident: ${incident.title}`,
    body: lines.join('\n'),
    labels: ['incident', severity],
    author: incident.responder,
    openedAt: incident.openedAt,
  };
}
