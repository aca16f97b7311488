import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A local stand-in for the GitLab REST API (`/api/v4`) serving a fixture group on 127.0.0.1, for
 * tests that must not touch the network. The answers follow GitLab's REST documentation
 * (gitlabhq/gitlabhq doc/api/merge_requests.md, merge_request_approvals.md, notes.md, commits.md,
 * deployments.md, environments.md, issues.md, releases/index.md, repositories.md "Compare branches,
 * tags or commits", repository_files.md, groups.md "List projects"): field names and types as documented (ids numeric,
 * times ISO 8601 with milliseconds, labels as strings, issue `type` INCIDENT and `severity` HIGH),
 * and its behaviour where backfill depends on it: offset pagination with `X-Page`, `X-Next-Page`,
 * `X-Total` and a `Link` header; `updated_after` (on or after), `since`, `environment`,
 * `issue_type` and `labels` filters; `RateLimit-*` headers and 429 with `Retry-After`; injected 5xx.
 * Only `PRIVATE-TOKEN` authentication. gitlab-api-standin.test.ts checks its answers against
 * example responses copied from those docs (fixtures/gitlab-api).
 */

export interface FxUser { id: number; username: string; name: string }
export interface FxCommit { id: string; message: string; authorName: string; authorEmail: string; authoredAt: string; committedAt: string; parentIds: string[] }
export interface FxMergeRequest {
  iid: number;
  title: string;
  state: 'opened' | 'closed' | 'merged';
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  author: FxUser;
  labels: string[];
  targetBranch: string;
  commits: FxCommit[];
  mergeCommitSha: string | null;
  approvals: { user: FxUser; at: string }[];
  comments: { id: number; author: FxUser; at: string; body: string }[];
}
export interface FxDeployment {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  status: 'created' | 'running' | 'success' | 'failed' | 'canceled';
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  user: FxUser;
  jobId: number;
}
export interface FxIssue {
  id: number;
  iid: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  labels: string[];
  type: 'ISSUE' | 'INCIDENT';
  severity: 'UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  author: FxUser;
}
export interface FxRelease { tag: string; name: string; createdAt: string; releasedAt: string; sha: string }
export interface FxProject {
  id: number;
  path: string;
  defaultBranch: string;
  /** Default-branch history, oldest first. */
  commits: FxCommit[];
  mergeRequests: FxMergeRequest[];
  environments: string[];
  deployments: FxDeployment[];
  issues: FxIssue[];
  releases: FxRelease[];
  /** catalog-info.yaml at the root of the default branch, if any. */
  catalogInfo?: string;
}
export interface GitlabFixture { group: string; projects: FxProject[] }

export const fxSha = (seed: string): string => createHash('sha1').update(seed).digest('hex');
const minutes = (base: string, n: number): string => new Date(Date.parse(base) + n * 60_000).toISOString();

const ANA: FxUser = { id: 11, username: 'ana', name: 'Ana Author' };
const RAJ: FxUser = { id: 12, username: 'raj', name: 'Raj Reviewer' };
const OPS: FxUser = { id: 13, username: 'ops-bot', name: 'Ops' };

/**
 * Group `acme` with `acme/payments` (history, deployments, incidents, releases and `mergeRequests`
 * merge requests, each with two commits, one approval and one comment by Raj) and the subgroup
 * project `acme/platform/web` (a little of each). Times are fixed, so tests can work answers out.
 */
export function gitlabFixture(options: { mergeRequests?: number } = {}): GitlabFixture {
  const mergeRequestCount = options.mergeRequests ?? 12;
  const payments = project(101, 'acme/payments', '2026-01-05T09:00:00.000Z', 30);
  payments.mergeRequests = Array.from({ length: mergeRequestCount }, (_, i) => mergeRequest('acme/payments', i + 1, minutes('2026-01-06T08:00:00.000Z', i * 7)));
  const c = payments.commits;
  payments.deployments = [
    deployment(5001, 'production', c[9]!.id, 'success', '2026-01-05T20:00:00.000Z'),
    deployment(5002, 'staging', c[14]!.id, 'success', '2026-01-06T10:00:00.000Z'),
    deployment(5003, 'production', c[19]!.id, 'failed', '2026-01-07T10:00:00.000Z'),
    deployment(5004, 'production', c[19]!.id, 'success', '2026-01-07T12:00:00.000Z'),
    deployment(5005, 'production', c[29]!.id, 'success', '2026-01-08T12:00:00.000Z'),
  ];
  payments.environments = ['production', 'staging'];
  payments.issues = [
    {
      id: 9001, iid: 41, title: 'Checkout errors after deploy', description: 'Started after the deploy.\nDeployment: gitlab:acme/payments:5003', state: 'closed',
      createdAt: '2026-01-07T10:20:00.000Z', updatedAt: '2026-01-07T12:30:00.000Z', closedAt: '2026-01-07T12:30:00.000Z', labels: ['service::payments'], type: 'INCIDENT', severity: 'HIGH', author: OPS,
    },
    {
      id: 9002, iid: 42, title: 'Latency alarm', description: '', state: 'opened',
      createdAt: '2026-01-08T13:00:00.000Z', updatedAt: '2026-01-08T13:05:00.000Z', closedAt: null, labels: ['incident'], type: 'ISSUE', severity: 'UNKNOWN', author: OPS,
    },
    {
      id: 9003, iid: 43, title: 'Add a dark mode', description: '', state: 'opened',
      createdAt: '2026-01-08T14:00:00.000Z', updatedAt: '2026-01-08T14:00:00.000Z', closedAt: null, labels: ['feature'], type: 'ISSUE', severity: 'UNKNOWN', author: ANA,
    },
  ];
  payments.releases = [
    { tag: 'v1.0.0', name: 'First', createdAt: '2026-01-05T21:00:00.000Z', releasedAt: '2026-01-05T21:00:00.000Z', sha: c[9]!.id },
    { tag: 'v1.1.0', name: 'Second', createdAt: '2026-01-08T12:30:00.000Z', releasedAt: '2026-01-08T12:30:00.000Z', sha: c[29]!.id },
  ];

  payments.catalogInfo = [
    'apiVersion: backstage.io/v1alpha1', 'kind: Component', 'metadata:', '  name: payments', '  annotations:', '    gitlab.com/project-slug: acme/payments',
    'spec:', '  type: service', '  owner: group:payments', '  lifecycle: production', '',
  ].join('\n');

  const web = project(102, 'acme/platform/web', '2026-01-04T09:00:00.000Z', 5);
  web.mergeRequests = [mergeRequest('acme/platform/web', 1, '2026-01-04T12:00:00.000Z')];
  web.environments = ['production'];
  web.deployments = [deployment(6001, 'production', web.commits[4]!.id, 'success', '2026-01-04T18:00:00.000Z')];
  return { group: 'acme', projects: [payments, web] };
}

function project(id: number, path: string, start: string, commitCount: number): FxProject {
  const commits: FxCommit[] = [];
  for (let i = 0; i < commitCount; i += 1) {
    const at = minutes(start, i * 60);
    commits.push({
      id: fxSha(`${path}:main:${i}`), message: i === 12 ? `Revert "change 11"\n\nThis reverts commit ${fxSha(`${path}:main:11`)}.` : `change ${i}`,
      authorName: 'Ana Author', authorEmail: 'ana@example.com', authoredAt: minutes(at, -30), committedAt: at, parentIds: i ? [fxSha(`${path}:main:${i - 1}`)] : [],
    });
  }
  return { id, path, defaultBranch: 'main', commits, mergeRequests: [], environments: [], deployments: [], issues: [], releases: [] };
}

function mergeRequest(path: string, iid: number, openedAt: string): FxMergeRequest {
  const commits = [0, 1].map((n) => ({
    id: fxSha(`${path}:mr${iid}:c${n}`), message: `mr ${iid} commit ${n}`, authorName: 'Ana Author', authorEmail: 'ana@example.com',
    authoredAt: minutes(openedAt, -120 + n * 30), committedAt: minutes(openedAt, -110 + n * 30), parentIds: [],
  }));
  return {
    iid, title: `Change ${iid}`, state: 'merged', createdAt: openedAt, updatedAt: minutes(openedAt, 180), mergedAt: minutes(openedAt, 180), closedAt: null,
    author: ANA, labels: ['backend'], targetBranch: 'main', commits, mergeCommitSha: fxSha(`${path}:mr${iid}:merge`),
    approvals: [{ user: RAJ, at: minutes(openedAt, 90) }], comments: [{ id: iid * 100, author: RAJ, at: minutes(openedAt, 45), body: 'Looks close' }],
  };
}

function deployment(id: number, environment: string, sha: string, status: FxDeployment['status'], finishedAt: string): FxDeployment {
  return { id, environment, sha, ref: 'main', status, createdAt: minutes(finishedAt, -10), updatedAt: finishedAt, startedAt: minutes(finishedAt, -8), finishedAt, user: RAJ, jobId: id + 70_000 };
}

// ---------------------------------------------------------------------------------------------

export interface LoggedRequest { method: string; path: string; status: number }

/** An injected failure: the next `times` requests matching answer `status`. */
export interface Fault { path: RegExp; status: 403 | 429 | 500 | 502 | 503; retryAfter?: number; times: number }

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export class GitlabApiStandin {
  readonly requests: LoggedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Every request after this many answers 500 (an outage that outlasts the client's retries). */
  failAfter: number | null = null;
  /** Requests left in the window; at 0 GitLab answers 429 until `refill()`. */
  rateLimit = { limit: 100_000, remaining: 100_000, resetAt: Math.floor(Date.parse('2026-01-10T00:00:00Z') / 1000) };
  url = '';
  private server: Server | null = null;

  private constructor(readonly fixture: GitlabFixture, private readonly token: string) {}

  static async start(fixture: GitlabFixture, token = 'standin-token'): Promise<GitlabApiStandin> {
    const standin = new GitlabApiStandin(fixture, token);
    const server = createServer((request, response) => standin.handle(request, response));
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standin.server = server;
    standin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
    return standin;
  }

  fault(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  refill(): void {
    this.rateLimit.remaining = this.rateLimit.limit;
  }

  takeRequests(): LoggedRequest[] {
    return this.requests.splice(0);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const answer = this.answer(request, url);
    this.requests.push({ method: request.method ?? 'GET', path: `${url.pathname.replace(/^\/api\/v4/, '')}${url.search}`, status: answer.status });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'ratelimit-limit': String(this.rateLimit.limit),
      'ratelimit-remaining': String(this.rateLimit.remaining),
      'ratelimit-observed': String(this.rateLimit.limit - this.rateLimit.remaining),
      'ratelimit-reset': String(this.rateLimit.resetAt),
      ...answer.headers,
    };
    response.writeHead(answer.status, headers);
    response.end(JSON.stringify(answer.body));
  }

  private answer(request: IncomingMessage, url: URL): Answer {
    if (this.failAfter !== null && this.requests.length >= this.failAfter) return { status: 500, body: { message: '500 Internal Server Error' } };
    const path = url.pathname.replace(/^\/api\/v4/, '');
    const fault = this.faults.find((f) => f.times > 0 && f.path.test(path));
    if (fault) {
      fault.times -= 1;
      return { status: fault.status, body: { message: fault.status === 429 ? 'Retry later' : fault.status === 403 ? '403 Forbidden' : `${fault.status} error` }, headers: fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {} };
    }
    if (request.headers['private-token'] !== this.token) return { status: 401, body: { message: '401 Unauthorized' } };
    if (this.rateLimit.remaining <= 0) return { status: 429, body: { message: 'Retry later' }, headers: { 'retry-after': '30' } };
    this.rateLimit.remaining -= 1;
    return this.route(path, url.searchParams, url);
  }

  private route(path: string, query: URLSearchParams, url: URL): Answer {
    const notFound: Answer = { status: 404, body: { message: '404 Project Not Found' } };
    let match = /^\/groups\/([^/]+)\/projects$/.exec(path);
    if (match) {
      const group = decodeURIComponent(match[1]!);
      if (group !== this.fixture.group) return { status: 404, body: { message: '404 Group Not Found' } };
      const listed = this.fixture.projects.filter((p) => query.get('include_subgroups') === 'true' || p.path.split('/').length === 2);
      return this.page(listed.map((p) => projectJson(p)), query, url);
    }
    match = /^\/projects\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return { status: 404, body: { error: '404 Not Found' } };
    const id = decodeURIComponent(match[1]!);
    const p = this.fixture.projects.find((candidate) => candidate.path === id || String(candidate.id) === id);
    if (!p) return notFound;
    const rest = match[2] ?? '';
    if (rest === '') return { status: 200, body: projectJson(p) };

    if (rest === '/merge_requests') {
      const after = query.get('updated_after');
      const mrs = p.mergeRequests.filter((mr) => !after || Date.parse(mr.updatedAt) >= Date.parse(after));
      return this.page(sortBy(mrs, (mr) => mr.updatedAt, query).map((mr) => mergeRequestJson(p, mr)), query, url);
    }
    match = /^\/merge_requests\/(\d+)\/(commits|approvals|notes)$/.exec(rest);
    if (match) {
      const mr = p.mergeRequests.find((candidate) => candidate.iid === Number(match![1]));
      if (!mr) return { status: 404, body: { message: '404 Not found' } };
      if (match[2] === 'commits') return this.page([...mr.commits].reverse().map(commitJson), query, url);
      if (match[2] === 'approvals') return { status: 200, body: approvalsJson(p, mr) };
      return this.page(notesJson(mr), query, url);
    }
    if (rest === '/repository/commits') {
      if (query.get('ref_name') && query.get('ref_name') !== p.defaultBranch) return this.page([], query, url);
      const since = query.get('since');
      const commits = p.commits.filter((c) => !since || Date.parse(c.committedAt) >= Date.parse(since));
      return this.page([...commits].reverse().map(commitJson), query, url);
    }
    if (rest === '/repository/compare') {
      const from = p.commits.findIndex((c) => c.id === query.get('from'));
      const to = p.commits.findIndex((c) => c.id === query.get('to'));
      if (from < 0 || to < 0) return { status: 404, body: { message: '404 Ref Not Found' } };
      const commits = p.commits.slice(from + 1, to + 1).map(commitJson);
      return { status: 200, body: { commit: commits.at(-1) ?? null, commits, diffs: [], compare_timeout: false, compare_same_ref: from === to, web_url: `https://gitlab.example.com/${p.path}/-/compare/${query.get('from')}...${query.get('to')}` } };
    }
    match = /^\/repository\/files\/([^/]+)$/.exec(rest);
    if (match) {
      const file = decodeURIComponent(match[1]!);
      if (file !== 'catalog-info.yaml' || !p.catalogInfo || query.get('ref') !== p.defaultBranch) return { status: 404, body: { message: '404 File Not Found' } };
      const content = Buffer.from(p.catalogInfo, 'utf8');
      return {
        status: 200,
        body: {
          file_name: file, file_path: file, size: content.length, encoding: 'base64', content_sha256: createHash('sha256').update(content).digest('hex'), ref: p.defaultBranch,
          blob_id: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'), commit_id: p.commits.at(-1)!.id, last_commit_id: p.commits.at(-1)!.id,
          execute_filemode: false, content: content.toString('base64'),
        },
      };
    }
    if (rest === '/environments') {
      return this.page(p.environments.map((name, i) => ({ id: p.id * 10 + i, name, slug: name, external_url: `https://${name}.example.com`, state: 'available', tier: name === 'production' ? 'production' : 'staging' })), query, url);
    }
    if (rest === '/deployments') {
      const after = query.get('updated_after');
      const environment = query.get('environment');
      const found = p.deployments.filter((d) => (!environment || d.environment === environment) && (!after || Date.parse(d.updatedAt) >= Date.parse(after)));
      return this.page(sortBy(found, (d) => d.updatedAt, query).map((d) => deploymentJson(p, d)), query, url);
    }
    if (rest === '/issues') {
      const after = query.get('updated_after');
      const type = query.get('issue_type');
      const labels = query.get('labels')?.split(',').filter(Boolean) ?? [];
      const found = p.issues.filter((i) => (!type || i.type.toLowerCase() === type) && labels.every((l) => i.labels.some((own) => own.toLowerCase() === l.toLowerCase()))
        && (!after || Date.parse(i.updatedAt) >= Date.parse(after)));
      return this.page(sortBy(found, (i) => i.updatedAt, query).map((i) => issueJson(p, i)), query, url);
    }
    if (rest === '/releases') {
      return this.page([...p.releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => releaseJson(r)), query, url);
    }
    return { status: 404, body: { error: '404 Not Found' } };
  }

  /** GitLab's offset pagination: `page`, `per_page` (at most 100), X-* headers and a Link header. */
  private page(items: unknown[], query: URLSearchParams, url: URL): Answer {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 20)));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number) => {
      const next = new URL(`${this.url}${url.pathname.replace(/^\/api\/v4/, '')}`);
      for (const [key, value] of query) if (key !== 'page') next.searchParams.set(key, value);
      next.searchParams.set('page', String(n));
      return next.toString();
    };
    const links = [`<${link(1)}>; rel="first"`, `<${link(pages)}>; rel="last"`];
    if (page < pages) links.unshift(`<${link(page + 1)}>; rel="next"`);
    if (page > 1) links.unshift(`<${link(page - 1)}>; rel="prev"`);
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: {
        'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(items.length), 'x-total-pages': String(pages),
        'x-next-page': page < pages ? String(page + 1) : '', 'x-prev-page': page > 1 ? String(page - 1) : '', link: links.join(', '),
      },
    };
  }
}

function sortBy<T>(items: T[], key: (item: T) => string, query: URLSearchParams): T[] {
  const sorted = [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return query.get('sort') === 'asc' ? sorted : sorted.reverse();
}

const userJson = (u: FxUser) => ({ id: u.id, username: u.username, name: u.name, state: 'active', avatar_url: null, web_url: `https://gitlab.example.com/${u.username}` });

function projectJson(p: FxProject) {
  const [name] = p.path.split('/').slice(-1);
  return {
    id: p.id, description: null, name, name_with_namespace: p.path.split('/').join(' / '), path: name, path_with_namespace: p.path,
    created_at: '2025-06-01T00:00:00.000Z', default_branch: p.defaultBranch, web_url: `https://gitlab.example.com/${p.path}`, archived: false,
    namespace: { id: 7, name: 'acme', path: 'acme', kind: 'group', full_path: p.path.split('/').slice(0, -1).join('/') },
  };
}

function commitJson(c: FxCommit) {
  const [title = ''] = c.message.split('\n');
  return {
    id: c.id, short_id: c.id.slice(0, 8), created_at: c.committedAt, parent_ids: c.parentIds, title, message: c.message,
    author_name: c.authorName, author_email: c.authorEmail, authored_date: c.authoredAt,
    committer_name: c.authorName, committer_email: c.authorEmail, committed_date: c.committedAt, trailers: {}, web_url: `https://gitlab.example.com/-/commit/${c.id}`,
  };
}

function mergeRequestJson(p: FxProject, mr: FxMergeRequest) {
  return {
    id: p.id * 10_000 + mr.iid, iid: mr.iid, project_id: p.id, title: mr.title, description: '', state: mr.state,
    created_at: mr.createdAt, updated_at: mr.updatedAt, merged_by: mr.state === 'merged' ? userJson(RAJ) : null, merge_user: mr.state === 'merged' ? userJson(RAJ) : null,
    merged_at: mr.mergedAt, closed_by: null, closed_at: mr.closedAt, target_branch: mr.targetBranch, source_branch: `feature-${mr.iid}`,
    user_notes_count: mr.comments.length, upvotes: 0, downvotes: 0, author: userJson(mr.author), assignees: [], assignee: null, reviewers: [userJson(RAJ)],
    source_project_id: p.id, target_project_id: p.id, labels: mr.labels, draft: false, work_in_progress: false, milestone: null,
    merge_when_pipeline_succeeds: false, merge_status: 'can_be_merged', detailed_merge_status: 'mergeable',
    sha: mr.commits.at(-1)?.id ?? null, merge_commit_sha: mr.mergeCommitSha, squash_commit_sha: null,
    discussion_locked: null, should_remove_source_branch: true, force_remove_source_branch: false, reference: `!${mr.iid}`,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${p.path}!${mr.iid}` },
    web_url: `https://gitlab.example.com/${p.path}/-/merge_requests/${mr.iid}`, squash: false, has_conflicts: false, blocking_discussions_resolved: true,
  };
}

/** `GET .../approvals`: who approved, without when (the notes say when). */
function approvalsJson(p: FxProject, mr: FxMergeRequest) {
  return {
    id: p.id * 10_000 + mr.iid, iid: mr.iid, project_id: p.id, title: mr.title, description: '', state: mr.state, created_at: mr.createdAt, updated_at: mr.updatedAt,
    merge_status: 'can_be_merged', approved: mr.approvals.length > 0, approvals_required: 1, approvals_left: mr.approvals.length ? 0 : 1,
    approved_by: mr.approvals.map((a) => ({ user: userJson(a.user) })),
  };
}

/** Comments plus the system notes GitLab writes for approvals, oldest first. */
function notesJson(mr: FxMergeRequest) {
  const notes = [
    ...mr.comments.map((c) => ({ id: c.id, type: null, body: c.body, author: userJson(c.author), created_at: c.at, updated_at: c.at, system: false, noteable_id: mr.iid, noteable_type: 'MergeRequest', noteable_iid: mr.iid, resolvable: false, confidential: false, internal: false })),
    ...mr.approvals.map((a, i) => ({ id: mr.iid * 100 + 50 + i, type: null, body: 'approved this merge request', author: userJson(a.user), created_at: a.at, updated_at: a.at, system: true, noteable_id: mr.iid, noteable_type: 'MergeRequest', noteable_iid: mr.iid, resolvable: false, confidential: false, internal: false })),
  ];
  return notes.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

function deploymentJson(p: FxProject, d: FxDeployment) {
  return {
    id: d.id, iid: d.id - 5000, ref: d.ref, sha: d.sha, created_at: d.createdAt, updated_at: d.updatedAt, status: d.status, user: userJson(d.user),
    environment: { id: p.id * 10 + p.environments.indexOf(d.environment), name: d.environment, external_url: `https://${d.environment}.example.com` },
    deployable: {
      id: d.jobId, status: d.status, stage: 'deploy', name: `deploy-${d.environment}`, ref: d.ref, tag: false, coverage: null,
      created_at: d.createdAt, started_at: d.startedAt, finished_at: d.finishedAt, user: userJson(d.user),
      commit: { id: d.sha, short_id: d.sha.slice(0, 8), title: 'deploy', created_at: d.createdAt },
      pipeline: { id: d.jobId - 1000, ref: d.ref, sha: d.sha, status: d.status, created_at: d.createdAt, updated_at: d.updatedAt, web_url: `https://gitlab.example.com/${p.path}/-/pipelines/${d.jobId - 1000}` },
      web_url: `https://gitlab.example.com/${p.path}/-/jobs/${d.jobId}`,
    },
  };
}

function issueJson(p: FxProject, i: FxIssue) {
  return {
    id: i.id, iid: i.iid, project_id: p.id, title: i.title, description: i.description, state: i.state, created_at: i.createdAt, updated_at: i.updatedAt,
    closed_at: i.closedAt, closed_by: i.closedAt ? userJson(OPS) : null, labels: i.labels, milestone: null, assignees: [], author: userJson(i.author),
    type: i.type, issue_type: i.type.toLowerCase(), assignee: null, user_notes_count: 0, upvotes: 0, downvotes: 0, due_date: null, confidential: false,
    discussion_locked: null, web_url: `https://gitlab.example.com/${p.path}/-/issues/${i.iid}`, severity: i.severity,
    references: { short: `#${i.iid}`, relative: `#${i.iid}`, full: `${p.path}#${i.iid}` },
  };
}

function releaseJson(r: FxRelease) {
  return {
    tag_name: r.tag, description: '', name: r.name, created_at: r.createdAt, released_at: r.releasedAt, upcoming_release: false,
    author: userJson(RAJ), commit: { id: r.sha, short_id: r.sha.slice(0, 8), title: 'release', created_at: r.createdAt }, assets: { count: 0, sources: [], links: [] },
  };
}
