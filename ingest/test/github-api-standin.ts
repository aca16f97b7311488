import { createHash, createHmac, createPublicKey, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  FixtureCommit, FixtureDeployment, FixtureIssue, FixturePull, FixtureRelease, FixtureRepo, FixtureReview, FixtureRun, FixtureStatus, FixtureUser,
  FixtureWorkflow, GithubFixture,
} from './github-fixture.js';

/*
 * A local stand-in for the GitHub REST API (and POST /graphql) serving a fixture organisation on
 * 127.0.0.1, for tests and benchmarks that must not touch the network. Answers have the shapes of
 * GitHub's published OpenAPI description (checked in github-api-standin.test.ts) and its
 * behaviour where backfill depends on it: Link-header pagination, ETags and 304 for
 * If-None-Match (free: no rate limit spent), x-ratelimit-* headers, secondary rate limits (403 or
 * 429 with retry-after), 5xx answers, token and GitHub App (JWT → installation token) auth.
 */

/** Fine-grained permission levels (GitHub App installations and fine-grained tokens). */
export type PermissionLevel = 'read' | 'write' | 'admin';

/**
 * What a token may do. `classic`: a personal access token (classic) with OAuth scopes, reported in
 * `X-OAuth-Scopes` on every answer. `fine-grained`: a fine-grained token (or an installation token)
 * with repository and organisation permissions, refused with 403 and `X-Accepted-GitHub-Permissions`.
 */
export type TokenProfile =
  | { kind: 'classic'; scopes: string[] }
  | { kind: 'fine-grained'; permissions: Record<string, PermissionLevel> };

/** A webhook the stand-in holds (organisation-wide when `repo` is null). */
export interface StandinHook {
  id: number;
  org: string;
  repo: string | null;
  name: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: string; secret?: string; insecure_ssl: string };
  createdAt: string;
  updatedAt: string;
}

export interface StandinOptions {
  fixture: GithubFixture;
  /** Tokens accepted as `Authorization: token …` (default: `standin-token`), with every permission and no X-OAuth-Scopes header. */
  tokens?: string[];
  /** Tokens with limited scopes or permissions (classic or fine-grained). */
  tokenProfiles?: Record<string, TokenProfile>;
  /** A GitHub App: JWTs signed with its private key get installation tokens (with `permissions`, default read on what backfill reads). */
  app?: { id: number; publicKey: KeyObject | string; installationId: number; permissions?: Record<string, PermissionLevel> };
  /** Keep every REST answer (operation id + body) for OpenAPI validation. */
  record?: boolean;
}

/** An injected failure: the next `times` requests matching answer `status` instead. */
export interface Fault {
  method?: string;
  path: RegExp;
  status: 403 | 429 | 500 | 502 | 503;
  /** `retry-after` seconds (secondary rate limits). */
  retryAfter?: number;
  times: number;
}

export interface LoggedRequest { method: string; path: string; status: number }
export interface RecordedAnswer { operationId: string; status: number; body: unknown }

type Query = URLSearchParams;
interface Answer { status: number; body?: unknown; headers?: Record<string, string> }
interface Route {
  method: string;
  pattern: RegExp;
  operationId: string;
  /** `jwt`: GitHub App endpoints (signed JWT); `token`: everything else. */
  auth?: 'jwt' | 'token';
  /** What a limited token needs: a fine-grained permission and level, and the classic scopes any one of which suffices. */
  needs?: { permission: string; level: PermissionLevel; scopes: string[] };
  handle: (params: Record<string, string>, query: Query, body: unknown) => Answer;
}

/** Classic scopes and the scopes they include (GitHub's scope hierarchy). */
const SCOPE_INCLUDES: Record<string, string[]> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
};
const LEVELS: PermissionLevel[] = ['read', 'write', 'admin'];

/** The fine-grained permission and classic scopes GitHub asks of each endpoint the stand-in serves. */
function needsOf(method: string, path: string): Route['needs'] {
  const level: PermissionLevel = method === 'GET' ? 'read' : 'write';
  if (path.startsWith('/orgs/{org}/hooks')) return { permission: 'organization_hooks', level, scopes: ['admin:org_hook'] };
  if (path.startsWith('/repos/{owner}/{repo}/hooks')) return { permission: 'repository_hooks', level, scopes: level === 'read' ? ['read:repo_hook', 'repo'] : ['write:repo_hook', 'repo'] };
  if (path === '/orgs/{org}/repos') return { permission: 'metadata', level: 'read', scopes: [] };
  if (!path.startsWith('/repos/{owner}/{repo}')) return undefined;
  const rest = path.slice('/repos/{owner}/{repo}'.length);
  if (rest === '' ) return { permission: 'metadata', level: 'read', scopes: ['repo'] };
  if (rest.endsWith('/installation')) return undefined;
  if (rest.startsWith('/pulls')) return { permission: 'pull_requests', level: 'read', scopes: ['repo'] };
  if (rest.startsWith('/deployments')) return { permission: 'deployments', level: 'read', scopes: ['repo', 'repo_deployment'] };
  if (rest.startsWith('/issues')) return { permission: 'issues', level: 'read', scopes: ['repo'] };
  if (rest.startsWith('/actions')) return { permission: 'actions', level: 'read', scopes: ['repo'] };
  return { permission: 'contents', level: 'read', scopes: ['repo'] };
}
/** What backfill reads: an App installed with these can backfill but not create webhooks. */
const BACKFILL_PERMISSIONS: Record<string, PermissionLevel> = { contents: 'read', pull_requests: 'read', deployments: 'read', issues: 'read', actions: 'read', metadata: 'read' };

const DOCS = 'https://docs.github.com/rest';
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

export class GithubApiStandin {
  readonly requests: LoggedRequest[] = [];
  readonly recorded: RecordedAnswer[] = [];
  readonly faults: Fault[] = [];
  readonly rateLimit = { core: 5_000, graphql: 5_000 };
  /** Webhooks created through the API (organisation and repository hooks). */
  readonly hooks: StandinHook[] = [];
  url = '';
  private readonly tokens: Set<string>;
  private readonly profiles = new Map<string, TokenProfile>();
  private nextHookId = 480_000_001;
  private readonly routes: Route[];
  private server: Server | null = null;

  private constructor(readonly fixture: GithubFixture, private readonly options: StandinOptions) {
    this.tokens = new Set(options.tokens ?? ['standin-token']);
    for (const [token, profile] of Object.entries(options.tokenProfiles ?? {})) {
      this.tokens.add(token);
      this.profiles.set(token, profile);
    }
    this.routes = this.buildRoutes();
  }

  static async start(options: StandinOptions): Promise<GithubApiStandin> {
    const standin = new GithubApiStandin(options.fixture, options);
    const server = createServer((request, response) => void standin.handle(request, response));
    // Longer than any client keeps an idle socket, so the client always closes first (no reset on reuse).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standin.server = server;
    standin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return standin;
  }

  fault(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests (all answers, 304 included) since the last call. */
  takeRequests(): LoggedRequest[] {
    return this.requests.splice(0);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /**
   * Sends one event the way GitHub delivers it for a hook: to its config URL, in its content type
   * (`json`, or `form` as `payload=…`), signed with its secret (`X-Hub-Signature-256` and the
   * legacy SHA-1 `X-Hub-Signature`). Only events the hook subscribes to (or `*`) are sent.
   */
  async deliver(hook: StandinHook, event: string, payload: Record<string, unknown>): Promise<{ status: number; body: string }> {
    if (event !== 'ping' && !hook.events.includes(event) && !hook.events.includes('*')) throw new Error(`hook ${hook.id} does not subscribe to ${event}`);
    const json = JSON.stringify(payload);
    const body = hook.config.content_type === 'form' ? `payload=${encodeURIComponent(json)}` : json;
    const headers: Record<string, string> = {
      'content-type': hook.config.content_type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
      'user-agent': 'GitHub-Hookshot/standin', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-github-hook-id': String(hook.id),
      'x-github-hook-installation-target-type': hook.repo ? 'repository' : 'organization',
      'x-github-hook-installation-target-id': String(hook.repo ? this.fixture.repos.find((r) => `${r.owner}/${r.name}` === hook.repo)?.id ?? 0 : this.fixture.org.id),
    };
    if (hook.config.secret) {
      headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', hook.config.secret).update(body).digest('hex')}`;
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', hook.config.secret).update(body).digest('hex')}`;
    }
    const response = await fetch(hook.config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.text() };
  }

  // -------------------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    const answer = this.answer(method, url, request, chunks.length ? Buffer.concat(chunks).toString('utf8') : '');
    this.requests.push({ method, path: `${url.pathname}${url.search}`, status: answer.status });
    const resource = url.pathname === '/graphql' ? 'graphql' : 'core';
    if (answer.status !== 304) this.rateLimit[resource] = Math.max(0, this.rateLimit[resource] - 1);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(this.rateLimit[resource]),
      'x-ratelimit-used': String(5_000 - this.rateLimit[resource]),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3_600),
      'x-ratelimit-resource': resource,
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...answer.headers,
    };
    const profile = this.profileOf(request.headers.authorization);
    if (profile?.kind === 'classic') headers['x-oauth-scopes'] = profile.scopes.join(', ');
    if (answer.status === 304 || answer.body === undefined) {
      response.writeHead(answer.status, headers);
      response.end();
      return;
    }
    const text = JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(text);
  }

  private answer(method: string, url: URL, request: IncomingMessage, bodyText: string): Answer {
    const fault = this.faults.find((f) => f.times > 0 && (!f.method || f.method === method) && f.path.test(url.pathname));
    if (fault) {
      fault.times -= 1;
      if (fault.status === 403 || fault.status === 429) {
        return { status: fault.status, body: { message: SECONDARY, documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits` }, headers: { 'retry-after': String(fault.retryAfter ?? 1) } };
      }
      return { status: fault.status, body: { message: 'Server Error' } };
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const denied = this.authenticate(route, request.headers.authorization);
      if (denied) return denied;
      const profile = this.profileOf(request.headers.authorization);
      const refused = this.authorise(route, profile);
      if (refused) return refused;
      let body: unknown;
      try {
        body = bodyText ? JSON.parse(bodyText) : undefined;
      } catch {
        return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } };
      }
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const answer = route.handle(params, url.searchParams, body);
      if (this.options.record && answer.status < 300 && route.operationId !== 'graphql') {
        this.recorded.push({ operationId: route.operationId, status: answer.status, body: answer.body });
      }
      if (method !== 'GET' || answer.status !== 200) return answer;
      // Weak ETag over the body, like GitHub's; a match answers 304 without a body.
      const etag = `W/"${createHash('sha256').update(JSON.stringify(answer.body)).digest('hex')}"`;
      if (request.headers['if-none-match'] === etag) return { status: 304, headers: { etag, ...answer.headers } };
      return { ...answer, headers: { etag, 'cache-control': 'private, max-age=60, s-maxage=60', vary: 'Accept, Authorization', ...answer.headers } };
    }
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  }

  private authenticate(route: Route, header: string | undefined): Answer | null {
    const [scheme = '', credential = ''] = (header ?? '').split(/\s+/, 2);
    const bad = { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    if (route.auth === 'jwt') {
      if (scheme.toLowerCase() !== 'bearer' || !this.validJwt(credential)) {
        return { status: 401, body: { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' } };
      }
      return null;
    }
    if (!['token', 'bearer'].includes(scheme.toLowerCase()) || !this.tokens.has(credential)) return bad;
    return null;
  }

  private profileOf(header: string | undefined): TokenProfile | null {
    const [, credential = ''] = (header ?? '').split(/\s+/, 2);
    return this.profiles.get(credential) ?? null;
  }

  /** A limited token's refusal, as GitHub words it: classic tokens get 404 (GitHub hides what a token may not see), fine-grained ones 403. */
  private authorise(route: Route, profile: TokenProfile | null): Answer | null {
    if (!profile || !route.needs) return null;
    const { permission, level, scopes } = route.needs;
    if (profile.kind === 'classic') {
      const held = new Set<string>();
      const add = (scope: string): void => {
        if (held.has(scope)) return;
        held.add(scope);
        for (const included of SCOPE_INCLUDES[scope] ?? []) add(included);
      };
      profile.scopes.forEach(add);
      if (scopes.length === 0 || scopes.some((scope) => held.has(scope))) return null;
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' }, headers: { 'x-accepted-oauth-scopes': scopes.join(', ') } };
    }
    const heldLevel = profile.permissions[permission];
    if (heldLevel && LEVELS.indexOf(heldLevel) >= LEVELS.indexOf(level)) return null;
    return {
      status: 403,
      body: { message: 'Resource not accessible by personal access token', documentation_url: DOCS, status: '403' },
      headers: { 'x-accepted-github-permissions': `${permission}=${level}` },
    };
  }

  private validJwt(jwt: string): boolean {
    const app = this.options.app;
    const [header, payload, signature] = jwt.split('.');
    if (!app || !header || !payload || !signature) return false;
    const key = typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : app.publicKey;
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
    return String(claims.iss) === String(app.id) && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
  }

  // -------------------------------------------------------------------------------------------
  // routes

  private buildRoutes(): Route[] {
    const repo = (params: Record<string, string>) => this.fixture.repos.find((r) => r.owner === params.owner && r.name === params.repo);
    const notFound: Answer = { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    const R = (method: string, path: string, operationId: string, handle: Route['handle'], auth?: Route['auth']): Route => ({
      method, operationId, handle, auth, needs: needsOf(method, path),
      pattern: new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, name: string) => `(?<${name}>[^/]+)`)}$`),
    });
    return [
      ...this.hookRoutes(R, repo, notFound),
      R('GET', '/orgs/{org}/repos', 'repos/list-for-org', (params, query) => {
        if (params.org !== this.fixture.org.login) return notFound;
        const repos = [...this.fixture.repos];
        if (query.get('sort') === 'created' && query.get('direction') !== 'asc') repos.reverse();
        return this.page(repos.map((r) => this.repository(r, 'minimal')), query, `/orgs/${params.org}/repos`);
      }),
      R('GET', '/repos/{owner}/{repo}', 'repos/get', (params) => {
        const r = repo(params);
        return r ? { status: 200, body: this.repository(r, 'full') } : notFound;
      }),
      R('GET', '/repos/{owner}/{repo}/commits', 'repos/list-commits', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        const from = query.get('sha') ?? r.defaultBranch;
        const headIndex = from === r.defaultBranch ? r.commits.length - 1 : r.commits.findIndex((c) => c.sha.startsWith(from));
        if (headIndex < 0) return { status: 404, body: { message: `No commit found for SHA: ${from}`, documentation_url: DOCS, status: '404' } };
        const reachable = r.commits.slice(0, headIndex + 1).reverse();
        return this.page(reachable.map((c) => this.commit(r, c)), query, `/repos/${r.owner}/${r.name}/commits`);
      }),
      R('GET', '/repos/{owner}/{repo}/commits/{ref}', 'repos/get-commit', (params) => {
        const r = repo(params);
        const ref = decodeURIComponent(params.ref ?? '');
        const found = r && ref.length >= 7 ? [...r.commits, ...r.pulls.flatMap((p) => p.commits)].find((c) => c.sha.startsWith(ref)) : undefined;
        if (!r || !found) return { status: 422, body: { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS, status: '422' } };
        const files = (found.files ?? []).map((filename) => ({
          sha: createHash('sha1').update(`blob:${found.sha}:${filename}`).digest('hex'), filename, status: 'modified', additions: 3, deletions: 1, changes: 4,
          blob_url: `https://github.com/${r.owner}/${r.name}/blob/${found.sha}/${filename}`, raw_url: `https://github.com/${r.owner}/${r.name}/raw/${found.sha}/${filename}`,
          contents_url: this.api(`/repos/${r.owner}/${r.name}/contents/${filename}?ref=${found.sha}`), patch: '@@ -1 +1,3 @@',
        }));
        return { status: 200, body: { ...this.commit(r, found), stats: { total: files.length * 4, additions: files.length * 3, deletions: files.length }, files } };
      }),
      R('GET', '/repos/{owner}/{repo}/compare/{basehead}', 'repos/compare-commits-with-basehead', (params, query) => {
        const r = repo(params);
        const [baseRef = '', headRef = ''] = decodeURIComponent(params.basehead ?? '').split('...');
        const at = (ref: string) => (r ? r.commits.findIndex((c) => ref.length >= 7 && c.sha.startsWith(ref)) : -1);
        const [baseIndex, headIndex] = [at(baseRef), at(headRef)];
        if (!r || baseIndex < 0 || headIndex < 0) return notFound;
        // The default branch is one first-parent chain: head is ahead of base, behind it, or the same.
        const ahead = r.commits.slice(baseIndex + 1, headIndex + 1);
        const status = headIndex > baseIndex ? 'ahead' : headIndex < baseIndex ? 'behind' : 'identical';
        const listed = this.page(ahead.map((c) => this.commit(r, c)), query, `/repos/${r.owner}/${r.name}/compare/${baseRef}...${headRef}`);
        const html = `https://github.com/${r.owner}/${r.name}/compare/${baseRef}...${headRef}`;
        return {
          status: 200,
          headers: listed.headers,
          body: {
            url: this.api(`/repos/${r.owner}/${r.name}/compare/${baseRef}...${headRef}`), html_url: html, permalink_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`,
            base_commit: this.commit(r, r.commits[baseIndex]!), merge_base_commit: this.commit(r, r.commits[Math.min(baseIndex, headIndex)]!),
            status, ahead_by: Math.max(0, headIndex - baseIndex), behind_by: Math.max(0, baseIndex - headIndex), total_commits: ahead.length,
            commits: listed.body, files: [],
          },
        };
      }),
      R('GET', '/repos/{owner}/{repo}/pulls', 'pulls/list', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        const state = query.get('state') ?? 'open';
        let pulls = r.pulls.filter((p) => state === 'all' || p.state === state);
        pulls = query.get('sort') === 'updated'
          ? [...pulls].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || b.number - a.number)
          : [...pulls].sort((a, b) => b.number - a.number);
        if (query.get('direction') === 'asc') pulls.reverse();
        return this.page(pulls.map((p) => this.pullSimple(r, p)), query, `/repos/${r.owner}/${r.name}/pulls`);
      }),
      R('GET', '/repos/{owner}/{repo}/pulls/{number}/commits', 'pulls/list-commits', (params, query) => {
        const r = repo(params);
        const pull = r?.pulls.find((p) => String(p.number) === params.number);
        if (!r || !pull) return notFound;
        return this.page(pull.commits.slice(0, 250).map((c) => this.commit(r, c)), query, `/repos/${r.owner}/${r.name}/pulls/${pull.number}/commits`);
      }),
      R('GET', '/repos/{owner}/{repo}/pulls/{number}/reviews', 'pulls/list-reviews', (params, query) => {
        const r = repo(params);
        const pull = r?.pulls.find((p) => String(p.number) === params.number);
        if (!r || !pull) return notFound;
        return this.page(pull.reviews.map((review) => this.review(r, pull, review)), query, `/repos/${r.owner}/${r.name}/pulls/${pull.number}/reviews`);
      }),
      R('GET', '/repos/{owner}/{repo}/deployments', 'repos/list-deployments', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        const deployments = [...r.deployments].sort((a, b) => b.id - a.id).filter((d) => !query.get('environment') || d.environment === query.get('environment'));
        return this.page(deployments.map((d) => this.deployment(r, d)), query, `/repos/${r.owner}/${r.name}/deployments`);
      }),
      R('GET', '/repos/{owner}/{repo}/deployments/{id}/statuses', 'repos/list-deployment-statuses', (params, query) => {
        const r = repo(params);
        const deployment = r?.deployments.find((d) => String(d.id) === params.id);
        if (!r || !deployment) return notFound;
        const statuses = [...deployment.statuses].reverse();
        return this.page(statuses.map((s) => this.status(r, deployment, s)), query, `/repos/${r.owner}/${r.name}/deployments/${deployment.id}/statuses`);
      }),
      R('GET', '/repos/{owner}/{repo}/issues', 'issues/list-for-repo', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        const state = query.get('state') ?? 'open';
        const wanted = (query.get('labels') ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
        let issues = r.issues.filter((i) => (state === 'all' || i.state === state) && wanted.every((l) => i.labels.some((x) => x.toLowerCase() === l)));
        const since = query.get('since');
        if (since) issues = issues.filter((i) => Date.parse(i.updatedAt) >= Date.parse(since));
        const key = query.get('sort') === 'updated' ? (i: FixtureIssue) => Date.parse(i.updatedAt) : (i: FixtureIssue) => Date.parse(i.createdAt);
        issues = [...issues].sort((a, b) => key(b) - key(a) || b.number - a.number);
        if (query.get('direction') === 'asc') issues.reverse();
        return this.page(issues.map((i) => this.issue(r, i)), query, `/repos/${r.owner}/${r.name}/issues`);
      }),
      R('GET', '/repos/{owner}/{repo}/releases', 'repos/list-releases', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        const releases = [...r.releases].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
        return this.page(releases.map((release) => this.release(r, release)), query, `/repos/${r.owner}/${r.name}/releases`);
      }),
      R('GET', '/repos/{owner}/{repo}/actions/workflows', 'actions/list-repo-workflows', (params, query) => {
        const r = repo(params);
        if (!r) return notFound;
        return this.page(r.workflows.map((w) => this.workflow(r, w)), query, `/repos/${r.owner}/${r.name}/actions/workflows`, 'workflows');
      }),
      R('GET', '/repos/{owner}/{repo}/actions/workflows/{id}/runs', 'actions/list-workflow-runs', (params, query) => {
        const r = repo(params);
        const workflow = r?.workflows.find((w) => String(w.id) === params.id || w.path.endsWith(`/${params.id}`));
        if (!r || !workflow) return notFound;
        const status = query.get('status');
        const runs = r.runs.filter((run) => run.workflowId === workflow.id && (!status || status === 'completed' || status === run.conclusion))
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
        return this.page(runs.map((run) => this.run(r, workflow, run)), query, `/repos/${r.owner}/${r.name}/actions/workflows/${workflow.id}/runs`, 'workflow_runs');
      }),
      R('GET', '/repos/{owner}/{repo}/contents/{path}', 'repos/get-content', (params) => {
        const r = repo(params);
        const text = r?.files[params.path!];
        if (!r || text === undefined) return notFound;
        return { status: 200, body: this.content(r, params.path!, text) };
      }),
      R('GET', '/orgs/{org}/installation', 'apps/get-org-installation', (params) => {
        if (!this.options.app || params.org !== this.fixture.org.login) return notFound;
        return { status: 200, body: this.installation() };
      }, 'jwt'),
      R('GET', '/repos/{owner}/{repo}/installation', 'apps/get-repo-installation', (params) => {
        if (!this.options.app || !repo(params)) return notFound;
        return { status: 200, body: this.installation() };
      }, 'jwt'),
      R('POST', '/app/installations/{id}/access_tokens', 'apps/create-installation-access-token', (params) => {
        if (!this.options.app || params.id !== String(this.options.app.installationId)) return notFound;
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        const permissions = this.options.app.permissions ?? BACKFILL_PERMISSIONS;
        this.tokens.add(token);
        this.profiles.set(token, { kind: 'fine-grained', permissions });
        return {
          status: 201,
          body: { token, expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), permissions, repository_selection: 'all' },
        };
      }, 'jwt'),
      R('GET', '/app/installations/{id}', 'apps/get-installation', (params) => {
        if (!this.options.app || params.id !== String(this.options.app.installationId)) return notFound;
        return { status: 200, body: this.installation() };
      }, 'jwt'),
      R('POST', '/graphql', 'graphql', (_params, _query, body) => ({ status: 200, body: this.graphql(body) })),
    ];
  }

  /**
   * Organisation and repository webhooks (list, get, create, update), as GitHub answers them: the
   * secret is never shown back (`********`), a second hook with the same URL is refused with 422,
   * `name` must be `web`, and an update replaces only what it names.
   */
  private hookRoutes(
    R: (method: string, path: string, operationId: string, handle: Route['handle']) => Route,
    repo: (params: Record<string, string>) => FixtureRepo | undefined,
    notFound: Answer,
  ): Route[] {
    const org = this.fixture.org.login;
    const scopeOf = (params: Record<string, string>): { repo: string | null } | null => {
      if (params.org !== undefined) return params.org === org ? { repo: null } : null;
      const r = repo(params);
      return r ? { repo: `${r.owner}/${r.name}` } : null;
    };
    const invalid = (message: string, field: string): Answer => ({
      status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', field, message }], documentation_url: `${DOCS}/webhooks`, status: '422' },
    });
    const list = (params: Record<string, string>, query: Query): Answer => {
      const scope = scopeOf(params);
      if (!scope) return notFound;
      const hooks = this.hooks.filter((h) => h.repo === scope.repo).map((h) => this.hookBody(h));
      return this.page(hooks, query, scope.repo ? `/repos/${scope.repo}/hooks` : `/orgs/${org}/hooks`);
    };
    const get = (params: Record<string, string>): Answer => {
      const scope = scopeOf(params);
      const hook = scope ? this.hooks.find((h) => h.repo === scope.repo && String(h.id) === params.id) : undefined;
      return hook ? { status: 200, body: this.hookBody(hook) } : notFound;
    };
    const create = (params: Record<string, string>, _query: Query, body: unknown): Answer => {
      const scope = scopeOf(params);
      if (!scope) return notFound;
      const input = (body ?? {}) as { name?: unknown; config?: Record<string, unknown>; events?: unknown; active?: unknown };
      if (input.name !== undefined && input.name !== 'web') return invalid('Name must be "web"', 'name');
      const url = input.config?.url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return invalid('Config must contain a valid url', 'config');
      if (this.hooks.some((h) => h.repo === scope.repo && h.config.url === url)) return invalid(`Hook already exists on this ${scope.repo ? 'repository' : 'organization'}`, 'hook');
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const hook: StandinHook = {
        id: this.nextHookId++, org, repo: scope.repo, name: 'web', active: input.active !== false,
        events: Array.isArray(input.events) ? input.events.map(String) : ['push'],
        config: {
          url, content_type: input.config?.content_type === 'json' ? 'json' : 'form', insecure_ssl: String(input.config?.insecure_ssl ?? '0'),
          ...(typeof input.config?.secret === 'string' && input.config.secret ? { secret: input.config.secret } : {}),
        },
        createdAt: now, updatedAt: now,
      };
      this.hooks.push(hook);
      return { status: 201, body: this.hookBody(hook), headers: { location: this.api(scope.repo ? `/repos/${scope.repo}/hooks/${hook.id}` : `/orgs/${org}/hooks/${hook.id}`) } };
    };
    const update = (params: Record<string, string>, _query: Query, body: unknown): Answer => {
      const scope = scopeOf(params);
      const hook = scope ? this.hooks.find((h) => h.repo === scope.repo && String(h.id) === params.id) : undefined;
      if (!hook) return notFound;
      const input = (body ?? {}) as { config?: Record<string, unknown>; events?: unknown; active?: unknown };
      if (input.config) {
        const url = input.config.url ?? hook.config.url;
        if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return invalid('Config must contain a valid url', 'config');
        hook.config = {
          url, content_type: input.config.content_type === 'json' ? 'json' : input.config.content_type === 'form' ? 'form' : hook.config.content_type,
          insecure_ssl: String(input.config.insecure_ssl ?? hook.config.insecure_ssl),
          ...(typeof input.config.secret === 'string' ? (input.config.secret ? { secret: input.config.secret } : {}) : hook.config.secret ? { secret: hook.config.secret } : {}),
        };
      }
      if (Array.isArray(input.events)) hook.events = input.events.map(String);
      if (typeof input.active === 'boolean') hook.active = input.active;
      hook.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      return { status: 200, body: this.hookBody(hook) };
    };
    return [
      R('GET', '/orgs/{org}/hooks', 'orgs/list-webhooks', list),
      R('POST', '/orgs/{org}/hooks', 'orgs/create-webhook', create),
      R('GET', '/orgs/{org}/hooks/{id}', 'orgs/get-webhook', get),
      R('PATCH', '/orgs/{org}/hooks/{id}', 'orgs/update-webhook', update),
      R('GET', '/repos/{owner}/{repo}/hooks', 'repos/list-webhooks', list),
      R('POST', '/repos/{owner}/{repo}/hooks', 'repos/create-webhook', create),
      R('GET', '/repos/{owner}/{repo}/hooks/{id}', 'repos/get-webhook', get),
      R('PATCH', '/repos/{owner}/{repo}/hooks/{id}', 'repos/update-webhook', update),
    ];
  }

  /** A hook as the API shows it (`org-hook` or `hook`): never the secret itself. */
  private hookBody(hook: StandinHook): Record<string, unknown> {
    const base = hook.repo ? this.api(`/repos/${hook.repo}/hooks/${hook.id}`) : this.api(`/orgs/${hook.org}/hooks/${hook.id}`);
    const config = { url: hook.config.url, content_type: hook.config.content_type, insecure_ssl: hook.config.insecure_ssl, ...(hook.config.secret ? { secret: '********' } : {}) };
    const common = {
      id: hook.id, url: base, ping_url: `${base}/pings`, deliveries_url: `${base}/deliveries`, name: hook.name, events: hook.events, active: hook.active,
      config, updated_at: hook.updatedAt, created_at: hook.createdAt,
    };
    if (!hook.repo) return { ...common, type: 'Organization' };
    return { ...common, type: 'Repository', test_url: `${base}/test`, last_response: { code: null, status: 'unused', message: null } };
  }

  /** One page of a listing with GitHub's Link header (`next`, `last`, `first`, `prev`). */
  private page(items: unknown[], query: Query, path: string, wrapKey?: string): Answer {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number) => {
      const params = new URLSearchParams(query);
      params.set('page', String(n));
      return `${this.url}${path}?${params.toString()}`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
    if (page < pages) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(pages)}>; rel="last"`);
    if (page > 1) links.push(`<${link(1)}>; rel="first"`);
    const body = wrapKey ? { total_count: items.length, [wrapKey]: slice } : slice;
    return { status: 200, body, headers: links.length ? { link: links.join(', ') } : {} };
  }

  // -------------------------------------------------------------------------------------------
  // GraphQL: the pull request query backfill sends

  private graphql(body: unknown): unknown {
    const request = body as { query?: unknown; variables?: Record<string, unknown> } | undefined;
    const query = typeof request?.query === 'string' ? request.query : '';
    const variables = request?.variables ?? {};
    if (!/query\s+BackfillPullRequests\b/.test(query)) {
      return { errors: [{ message: 'The stand-in answers only the BackfillPullRequests query', locations: [{ line: 1, column: 1 }] }] };
    }
    const r = this.fixture.repos.find((x) => x.owner === variables.owner && x.name === variables.name);
    if (!r) {
      return { data: { repository: null }, errors: [{ type: 'NOT_FOUND', path: ['repository'], message: `Could not resolve to a Repository with the name '${String(variables.owner)}/${String(variables.name)}'.` }] };
    }
    const first = Math.min(100, Number(variables.first ?? 30));
    const reviewsFirst = Number(/reviews\(first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const commitsFirst = Number(/commits\(first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const labelsFirst = Number(/labels\(first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const ordered = [...r.pulls].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || b.number - a.number);
    const cursorOf = (p: FixturePull) => Buffer.from(`cursor:v2:${p.updatedAt}:${p.number}`).toString('base64');
    const after = typeof variables.after === 'string' ? variables.after : null;
    const start = after === null ? 0 : ordered.findIndex((p) => cursorOf(p) === after) + 1;
    const slice = ordered.slice(start, start + first);
    const actorOf = (u: FixtureUser) => ({ login: u.type === 'Bot' ? u.login.replace(/\[bot\]$/, '') : u.login, __typename: u.type === 'Bot' ? 'Bot' : 'User' });
    return {
      data: {
        repository: {
          pullRequests: {
            pageInfo: { hasNextPage: start + first < ordered.length, endCursor: slice.length ? cursorOf(slice[slice.length - 1]!) : null },
            nodes: slice.map((p) => ({
              number: p.number, title: p.title, state: p.mergedAt ? 'MERGED' : p.state === 'closed' ? 'CLOSED' : 'OPEN',
              createdAt: p.createdAt, updatedAt: p.updatedAt, mergedAt: p.mergedAt, closedAt: p.closedAt,
              baseRefName: p.baseRef, headRefOid: p.headSha, mergeCommit: p.mergeCommitSha ? { oid: p.mergeCommitSha } : null,
              author: actorOf(p.user),
              labels: { nodes: p.labels.slice(0, labelsFirst).map((name) => ({ name })) },
              reviews: {
                pageInfo: { hasNextPage: p.reviews.length > reviewsFirst },
                nodes: p.reviews.slice(0, reviewsFirst).map((review) => ({ databaseId: review.id, state: review.state, submittedAt: review.submittedAt, author: actorOf(review.user) })),
              },
              commits: {
                totalCount: p.commits.length,
                pageInfo: { hasNextPage: p.commits.length > commitsFirst },
                nodes: p.commits.slice(0, commitsFirst).map((c) => ({
                  commit: { oid: c.sha, message: c.message, authoredDate: c.authoredAt, committedDate: c.committedAt, author: { name: c.author.name, email: c.author.email, user: { login: c.author.login } } },
                })),
              },
            })),
          },
        },
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // REST objects, in the shapes of GitHub's OpenAPI description

  private api(path: string): string {
    return `${this.url}${path}`;
  }

  private user(u: FixtureUser): Record<string, unknown> {
    // Bot logins carry `[bot]`, which URLs percent-encode.
    const api = this.api(`/users/${encodeURIComponent(u.login)}`);
    return {
      login: u.login, id: u.id, node_id: `U_${u.id}`, avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`, gravatar_id: '',
      url: api, html_url: `https://github.com/${encodeURIComponent(u.login)}`, followers_url: `${api}/followers`, following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`, starred_url: `${api}/starred{/owner}{/repo}`, subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`, repos_url: `${api}/repos`, events_url: `${api}/events{/privacy}`, received_events_url: `${api}/received_events`,
      type: u.type, user_view_type: 'public', site_admin: false,
    };
  }

  private orgOwner(): Record<string, unknown> {
    return { ...this.user({ login: this.fixture.org.login, id: this.fixture.org.id, type: 'User', name: '', email: '' }), type: 'Organization' };
  }

  private repository(r: FixtureRepo, detail: 'minimal' | 'full'): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const pushedAt = r.commits[r.commits.length - 1]?.committedAt ?? r.createdAt;
    const minimal: Record<string, unknown> = {
      id: r.id, node_id: `R_${r.id}`, name: r.name, full_name: `${r.owner}/${r.name}`, private: true, owner: this.orgOwner(),
      html_url: `https://github.com/${r.owner}/${r.name}`, description: `${r.name} service`, fork: false, url: api,
      archive_url: `${api}/{archive_format}{/ref}`, assignees_url: `${api}/assignees{/user}`, blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`, collaborators_url: `${api}/collaborators{/collaborator}`, comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`, compare_url: `${api}/compare/{base}...{head}`, contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`, deployments_url: `${api}/deployments`, downloads_url: `${api}/downloads`, events_url: `${api}/events`,
      forks_url: `${api}/forks`, git_commits_url: `${api}/git/commits{/sha}`, git_refs_url: `${api}/git/refs{/sha}`, git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `git://github.com/${r.owner}/${r.name}.git`, issue_comment_url: `${api}/issues/comments{/number}`, issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`, keys_url: `${api}/keys{/key_id}`, labels_url: `${api}/labels{/name}`, languages_url: `${api}/languages`,
      merges_url: `${api}/merges`, milestones_url: `${api}/milestones{/number}`, notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`, releases_url: `${api}/releases{/id}`, ssh_url: `git@github.com:${r.owner}/${r.name}.git`,
      stargazers_url: `${api}/stargazers`, statuses_url: `${api}/statuses/{sha}`, subscribers_url: `${api}/subscribers`, subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`, teams_url: `${api}/teams`, trees_url: `${api}/git/trees{/sha}`, hooks_url: `${api}/hooks`,
      clone_url: `https://github.com/${r.owner}/${r.name}.git`, mirror_url: null, svn_url: `https://github.com/${r.owner}/${r.name}`,
      homepage: null, language: 'TypeScript', forks_count: 0, stargazers_count: 3, watchers_count: 3, size: 1024, default_branch: r.defaultBranch,
      open_issues_count: r.issues.filter((i) => i.state === 'open').length, is_template: false, topics: [], has_issues: true, has_projects: false,
      has_wiki: false, has_pages: false, has_downloads: true, has_discussions: false, archived: false, disabled: false, visibility: 'private',
      pushed_at: pushedAt, created_at: r.createdAt, updated_at: pushedAt, permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
      license: null, forks: 0, open_issues: r.issues.filter((i) => i.state === 'open').length, watchers: 3,
    };
    if (detail === 'minimal') return minimal;
    return { ...minimal, network_count: 0, subscribers_count: 2, allow_forking: false, web_commit_signoff_required: false };
  }

  private commit(r: FixtureRepo, c: FixtureCommit): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    return {
      sha: c.sha, node_id: `C_${c.sha.slice(0, 12)}`, url: `${api}/commits/${c.sha}`, html_url: `https://github.com/${r.owner}/${r.name}/commit/${c.sha}`,
      comments_url: `${api}/commits/${c.sha}/comments`,
      commit: {
        url: `${api}/git/commits/${c.sha}`,
        author: { name: c.author.name, email: c.author.email, date: c.authoredAt },
        committer: { name: c.committer.name, email: c.committer.email, date: c.committedAt },
        message: c.message, comment_count: 0,
        tree: { sha: createHash('sha1').update(`tree:${c.sha}`).digest('hex'), url: `${api}/git/trees/${c.sha}` },
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      author: this.user(c.author), committer: this.user(c.committer),
      parents: c.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `https://github.com/${r.owner}/${r.name}/commit/${sha}` })),
    };
  }

  private pullSimple(r: FixtureRepo, p: FixturePull): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const html = `https://github.com/${r.owner}/${r.name}/pull/${p.number}`;
    const repo = this.repository(r, 'minimal');
    const ref = (name: string, sha: string) => ({ label: `${r.owner}:${name}`, ref: name, sha, user: this.orgOwner(), repo });
    return {
      url: `${api}/pulls/${p.number}`, id: p.id, node_id: `PR_${p.id}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${p.number}`, commits_url: `${api}/pulls/${p.number}/commits`, review_comments_url: `${api}/pulls/${p.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`, comments_url: `${api}/issues/${p.number}/comments`, statuses_url: `${api}/statuses/${p.headSha}`,
      number: p.number, state: p.state, locked: false, title: p.title, user: this.user(p.user), body: null,
      labels: p.labels.map((name, i) => ({ id: 50_000 + i, node_id: `LA_${i}`, url: `${api}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'd73a4a', default: false })),
      milestone: null, active_lock_reason: null, created_at: p.createdAt, updated_at: p.updatedAt, closed_at: p.closedAt, merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha, assignee: null, assignees: [], requested_reviewers: [], requested_teams: [],
      head: ref(p.headRef, p.headSha), base: ref(p.baseRef, r.commits[0]!.sha),
      _links: {
        self: { href: `${api}/pulls/${p.number}` }, html: { href: html }, issue: { href: `${api}/issues/${p.number}` }, comments: { href: `${api}/issues/${p.number}/comments` },
        review_comments: { href: `${api}/pulls/${p.number}/comments` }, review_comment: { href: `${api}/pulls/comments{/number}` },
        commits: { href: `${api}/pulls/${p.number}/commits` }, statuses: { href: `${api}/statuses/${p.headSha}` },
      },
      author_association: 'MEMBER', auto_merge: null, draft: false,
    };
  }

  private review(r: FixtureRepo, p: FixturePull, review: FixtureReview): Record<string, unknown> {
    const html = `https://github.com/${r.owner}/${r.name}/pull/${p.number}#pullrequestreview-${review.id}`;
    return {
      id: review.id, node_id: `PRR_${review.id}`, user: this.user(review.user), body: '', state: review.state, html_url: html,
      pull_request_url: this.api(`/repos/${r.owner}/${r.name}/pulls/${p.number}`), author_association: 'MEMBER',
      _links: { html: { href: html }, pull_request: { href: this.api(`/repos/${r.owner}/${r.name}/pulls/${p.number}`) } },
      submitted_at: review.submittedAt, commit_id: review.commitId,
    };
  }

  private deployment(r: FixtureRepo, d: FixtureDeployment): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const updatedAt = d.statuses[d.statuses.length - 1]?.createdAt ?? d.createdAt;
    return {
      url: `${api}/deployments/${d.id}`, id: d.id, node_id: `DE_${d.id}`, sha: d.sha, ref: d.ref, task: 'deploy', payload: d.payload,
      original_environment: d.environment, environment: d.environment, description: null, creator: this.user(d.creator),
      created_at: d.createdAt, updated_at: updatedAt, statuses_url: `${api}/deployments/${d.id}/statuses`, repository_url: api,
      transient_environment: false, production_environment: d.environment === 'production',
    };
  }

  private status(r: FixtureRepo, d: FixtureDeployment, s: FixtureStatus): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    return {
      url: `${api}/deployments/${d.id}/statuses/${s.id}`, id: s.id, node_id: `DES_${s.id}`, state: s.state, creator: this.user(s.creator),
      description: `${s.state}`, environment: d.environment, target_url: `https://ci.acme.test/deploys/${d.id}`, created_at: s.createdAt, updated_at: s.createdAt,
      deployment_url: `${api}/deployments/${d.id}`, repository_url: api, environment_url: `https://${d.environment}.${r.name}.acme.test`,
      log_url: `https://ci.acme.test/deploys/${d.id}/log`,
    };
  }

  private issue(r: FixtureRepo, i: FixtureIssue): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const html = `https://github.com/${r.owner}/${r.name}/${i.pullRequest ? 'pull' : 'issues'}/${i.number}`;
    return {
      id: i.id, node_id: `I_${i.id}`, url: `${api}/issues/${i.number}`, repository_url: api, labels_url: `${api}/issues/${i.number}/labels{/name}`,
      comments_url: `${api}/issues/${i.number}/comments`, events_url: `${api}/issues/${i.number}/events`, html_url: html, number: i.number, state: i.state,
      state_reason: i.state === 'closed' ? 'completed' : null, title: i.title, body: i.body, user: this.user(i.user),
      labels: i.labels.map((name, index) => ({ id: 60_000 + index, node_id: `LA_${index}`, url: `${api}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'b60205', default: false })),
      assignee: null, assignees: [], milestone: null, locked: false, active_lock_reason: null, comments: 0,
      closed_at: i.closedAt, created_at: i.createdAt, updated_at: i.updatedAt, author_association: 'MEMBER',
      ...(i.pullRequest ? { pull_request: { url: `${api}/pulls/${i.number}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: i.closedAt } } : {}),
    };
  }

  private release(r: FixtureRepo, release: FixtureRelease): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const html = `https://github.com/${r.owner}/${r.name}/releases/tag/${release.tagName}`;
    return {
      url: `${api}/releases/${release.id}`, html_url: html, assets_url: `${api}/releases/${release.id}/assets`,
      upload_url: `https://uploads.github.com/repos/${r.owner}/${r.name}/releases/${release.id}/assets{?name,label}`,
      tarball_url: `${api}/tarball/${release.tagName}`, zipball_url: `${api}/zipball/${release.tagName}`, id: release.id, node_id: `RE_${release.id}`,
      tag_name: release.tagName, target_commitish: release.targetCommitish, name: release.name, body: null, draft: release.draft, prerelease: false,
      immutable: false, created_at: release.createdAt, published_at: release.publishedAt, updated_at: release.publishedAt ?? release.createdAt,
      author: this.user(release.author), assets: [],
    };
  }

  private workflow(r: FixtureRepo, w: FixtureWorkflow): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    return {
      id: w.id, node_id: `W_${w.id}`, name: w.name, path: w.path, state: 'active', created_at: w.createdAt, updated_at: w.createdAt,
      url: `${api}/actions/workflows/${w.id}`, html_url: `https://github.com/${r.owner}/${r.name}/blob/main/${w.path}`,
      badge_url: `https://github.com/${r.owner}/${r.name}/workflows/${encodeURIComponent(w.name)}/badge.svg`,
    };
  }

  private run(r: FixtureRepo, w: FixtureWorkflow, run: FixtureRun): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const runApi = `${api}/actions/runs/${run.id}`;
    const repo = this.repository(r, 'minimal');
    return {
      id: run.id, name: w.name, node_id: `WFR_${run.id}`, check_suite_id: run.id + 1, check_suite_node_id: `CS_${run.id}`, head_branch: run.headBranch,
      head_sha: run.headSha, path: w.path, run_number: run.runNumber, run_attempt: 1, event: run.event, display_title: `${w.name} #${run.runNumber}`,
      status: 'completed', conclusion: run.conclusion, workflow_id: w.id, url: runApi, html_url: `https://github.com/${r.owner}/${r.name}/actions/runs/${run.id}`,
      pull_requests: [], created_at: run.createdAt, updated_at: run.updatedAt, run_started_at: run.createdAt,
      actor: this.user(run.actor), triggering_actor: this.user(run.actor),
      jobs_url: `${runApi}/jobs`, logs_url: `${runApi}/logs`, check_suite_url: `${api}/check-suites/${run.id + 1}`, artifacts_url: `${runApi}/artifacts`,
      cancel_url: `${runApi}/cancel`, rerun_url: `${runApi}/rerun`, previous_attempt_url: null, workflow_url: `${api}/actions/workflows/${w.id}`,
      head_commit: {
        id: run.headSha, tree_id: createHash('sha1').update(`tree:${run.headSha}`).digest('hex'), message: 'deploy', timestamp: run.createdAt,
        author: { name: run.actor.name, email: run.actor.email }, committer: { name: run.actor.name, email: run.actor.email },
      },
      repository: repo, head_repository: repo,
    };
  }

  private content(r: FixtureRepo, path: string, text: string): Record<string, unknown> {
    const api = this.api(`/repos/${r.owner}/${r.name}`);
    const sha = createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex');
    const html = `https://github.com/${r.owner}/${r.name}/blob/${r.defaultBranch}/${path}`;
    return {
      type: 'file', encoding: 'base64', size: Buffer.byteLength(text), name: path.split('/').pop(), path, sha,
      // GitHub wraps base64 content at 60 characters.
      content: (Buffer.from(text).toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
      url: `${api}/contents/${path}?ref=${r.defaultBranch}`, git_url: `${api}/git/blobs/${sha}`, html_url: html,
      download_url: `https://raw.githubusercontent.com/${r.owner}/${r.name}/${r.defaultBranch}/${path}`,
      _links: { self: `${api}/contents/${path}?ref=${r.defaultBranch}`, git: `${api}/git/blobs/${sha}`, html },
    };
  }

  private installation(): Record<string, unknown> {
    const app = this.options.app!;
    const org = this.orgOwner();
    return {
      id: app.installationId, account: org, access_tokens_url: this.api(`/app/installations/${app.installationId}/access_tokens`),
      repositories_url: this.api('/installation/repositories'), html_url: `https://github.com/organizations/${this.fixture.org.login}/settings/installations/${app.installationId}`,
      app_id: app.id, app_slug: 'paved-backfill', target_id: this.fixture.org.id, target_type: 'Organization',
      permissions: app.permissions ?? BACKFILL_PERMISSIONS,
      events: [], created_at: '2025-12-01T00:00:00Z', updated_at: '2025-12-01T00:00:00Z', single_file_name: null, has_multiple_single_files: false,
      single_file_paths: [], repository_selection: 'all', suspended_by: null, suspended_at: null,
    };
  }
}
