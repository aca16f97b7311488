import { App, Octokit } from 'octokit';
import { z } from 'zod';

/*
 * `paved connect github` and the Settings page, GitHub side: find out what a token or a GitHub App
 * installation may do, name each missing permission with why Paved needs it, and create (or
 * update, never duplicate) the webhook that sends Paved events as they happen. Plain fetch against
 * the REST API, so the answers' headers (X-OAuth-Scopes, X-Accepted-GitHub-Permissions) are read
 * as GitHub sends them. docs/getting-started.md, docs/commands.md.
 */

/** The events Paved normalises (sources.md): everything else would be archived and acknowledged for nothing. */
export const GITHUB_WEBHOOK_EVENTS = [
  'push', 'pull_request', 'pull_request_review', 'deployment', 'deployment_status', 'workflow_run', 'issues', 'release', 'check_run',
] as const;

export type GithubCredentials =
  | { kind: 'token'; token: string }
  /** A GitHub App: Paved signs a JWT with the private key and mints an installation token. */
  | { kind: 'app'; appId: string; privateKey: string; installationId?: number };

/** Where the webhook goes: the organisation's, or one per named repository. */
export interface GithubTarget {
  org?: string;
  /** `owner/name`: hooks on these repositories only (and the backfill reads only these). */
  repos: string[];
}

export type CredentialKind = 'classic token' | 'fine-grained token' | 'GitHub App installation';

/** One permission Paved needs, whether the credentials have it, why it is needed and how to grant it. */
export interface Requirement {
  /** Fine-grained / App permission name (`pull_requests`), as GitHub names it. */
  permission: string;
  level: 'read' | 'write';
  /** What it is called in GitHub's settings ("Pull requests: Read-only"). */
  label: string;
  why: string;
  /** How to grant it with these credentials (the classic scope, or the App/token setting). */
  grant: string;
  granted: boolean;
  /** How it was found out: the token's scopes, a probe request, or the installation's permissions. */
  evidence: string;
}

export interface AccessReport {
  credential: CredentialKind;
  /** Classic tokens: the scopes GitHub reports in X-OAuth-Scopes. */
  scopes?: string[];
  /** App installations: the installation's permissions. */
  permissions?: Record<string, string>;
  /** The repository probed for fine-grained tokens (the first named, else the organisation's first). */
  sampleRepo: string | null;
  /** Where the webhook goes: the organisation (`org`) or each repository (`repos`). */
  hookScope: 'org' | 'repos';
  /** Why per-repository hooks, when they are. */
  hookScopeReason: string | null;
  requirements: Requirement[];
  missing: Requirement[];
  ok: boolean;
}

export interface HookOutcome {
  /** `org:acme` or `repo:acme/web`. */
  target: string;
  id: number;
  action: 'created' | 'updated';
  events: string[];
  url: string;
}

export class ConnectError extends Error {
  constructor(message: string, readonly missing: Requirement[] = []) {
    super(message);
    this.name = 'ConnectError';
  }
}

// ---------------------------------------------------------------------------------------------
// the webhook URL

const LOOPBACK = /^(localhost|.*\.localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0|\[?::\]?|\[?::ffff:127(?:\.\d{1,3}){3}\]?)$/i;

/**
 * The webhook's payload URL from Paved's public address (`https://paved.example.com` →
 * `https://paved.example.com/webhooks/github`). GitHub cannot reach a loopback address, so one is
 * refused unless `allowLoopback` (tests, a GitHub Enterprise Server on the same machine).
 */
export function webhookUrlOf(publicUrl: string, path: string, allowLoopback = false): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConnectError(`"${publicUrl}" is not a URL: give Paved's public address, e.g. --url https://paved.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConnectError(`"${publicUrl}" must start with https:// (the address GitHub posts webhooks to)`);
  if (url.username || url.password) throw new ConnectError('the public URL must not carry a user name or password: webhooks authenticate with the webhook secret');
  if (!allowLoopback && LOOPBACK.test(url.hostname)) {
    throw new ConnectError(`${url.host} is a loopback address, which GitHub cannot reach: give the address GitHub can post to (--url https://paved.example.com, or server.publicUrl in paved.config.yaml); a tunnel or proxy in front of Paved works too`);
  }
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = base.endsWith(path) ? base : `${base}${path}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// REST over fetch

export interface RestAnswer { status: number; headers: Headers; data: unknown }

/** The REST API with one credential; answers keep their headers (scopes, accepted permissions). */
export class GithubRest {
  requests = 0;
  constructor(readonly apiUrl: string, private readonly authorization: string, private readonly signal?: AbortSignal) {}

  async call(method: string, path: string, body?: unknown): Promise<RestAnswer> {
    this.requests += 1;
    const url = path.startsWith('http') ? path : `${this.apiUrl.replace(/\/+$/, '')}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json', authorization: this.authorization, 'x-github-api-version': '2022-11-28', 'user-agent': 'paved-connect',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.signal ?? AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    return { status: response.status, headers: response.headers, data };
  }

  /** Every page of a listing (Link header). */
  async list(path: string): Promise<{ status: number; items: unknown[]; headers: Headers | null }> {
    const items: unknown[] = [];
    let next: string | null = path;
    let last: RestAnswer | null = null;
    while (next) {
      last = await this.call('GET', next);
      if (last.status !== 200) return { status: last.status, items, headers: last.headers };
      if (Array.isArray(last.data)) items.push(...last.data);
      next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(last.headers.get('link') ?? '')?.[1] ?? null;
    }
    return { status: 200, items, headers: last?.headers ?? null };
  }
}

const Installation = z.object({ id: z.number(), permissions: z.record(z.string(), z.string()).default({}), account: z.object({ login: z.string() }).nullable().optional() });

/** A REST client for the credentials; an App signs a JWT and mints an installation token (its permissions come with it). */
export async function restClientOf(apiUrl: string, credentials: GithubCredentials, target: GithubTarget, signal?: AbortSignal): Promise<{ rest: GithubRest; installation: z.infer<typeof Installation> | null }> {
  if (credentials.kind === 'token') return { rest: new GithubRest(apiUrl, `token ${credentials.token.trim()}`, signal), installation: null };
  const privateKey = credentials.privateKey.includes('\\n') ? credentials.privateKey.replaceAll('\\n', '\n') : credentials.privateKey;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) throw new ConnectError('the GitHub App private key is not a PEM file: download it from the App\'s settings (Private keys → Generate) and pass the .pem file');
  const app = new App({ appId: credentials.appId, privateKey, Octokit: Octokit.defaults({ baseUrl: apiUrl.replace(/\/+$/, ''), throttle: { enabled: false }, retry: { enabled: false } }) });
  let found: unknown;
  try {
    if (credentials.installationId !== undefined) found = (await app.octokit.request('GET /app/installations/{installation_id}', { installation_id: credentials.installationId })).data;
    else if (target.org) found = (await app.octokit.request('GET /orgs/{org}/installation', { org: target.org })).data;
    else {
      const [owner = '', repo = ''] = (target.repos[0] ?? '').split('/');
      found = (await app.octokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo })).data;
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401) throw new ConnectError(`GitHub refused the App's JWT (401): check the App id (${credentials.appId}) and that the private key is the App's current one`);
    if (status === 404) throw new ConnectError(`the GitHub App ${credentials.appId} is not installed on ${credentials.installationId !== undefined ? `installation ${credentials.installationId}` : target.org ?? target.repos[0]}: install it (App settings → Install App) or pass --installation-id`);
    throw error;
  }
  const installation = Installation.parse(found);
  const token = await app.getInstallationOctokit(installation.id).then((octokit) => octokit.auth({ type: 'installation' })) as { token: string };
  return { rest: new GithubRest(apiUrl, `token ${token.token}`, signal), installation };
}

// ---------------------------------------------------------------------------------------------
// what is needed, and whether it is there

interface Need { permission: string; label: string; why: string; classic: string[]; probe: (repo: string) => string }

/** What backfill reads, per repository. The probes list one item: they cost one request each. */
const READS: Need[] = [
  { permission: 'metadata', label: 'Metadata: Read-only', why: 'to list the repositories and read each one', classic: ['repo'], probe: (r) => `/repos/${r}` },
  { permission: 'contents', label: 'Contents: Read-only', why: 'default-branch commits, the compare between two production deployments (what each deployment shipped), releases and catalog-info.yaml', classic: ['repo'], probe: (r) => `/repos/${r}/commits?per_page=1` },
  { permission: 'pull_requests', label: 'Pull requests: Read-only', why: 'pull requests with their reviews and commits (lead time for changes, review time)', classic: ['repo'], probe: (r) => `/repos/${r}/pulls?state=all&per_page=1` },
  { permission: 'deployments', label: 'Deployments: Read-only', why: 'deployments and their statuses (deployment frequency, change failure rate, recovery time)', classic: ['repo', 'repo_deployment'], probe: (r) => `/repos/${r}/deployments?per_page=1` },
  { permission: 'issues', label: 'Issues: Read-only', why: 'issues labelled as incidents (time to restore, failure links)', classic: ['repo'], probe: (r) => `/repos/${r}/issues?state=all&per_page=1` },
  { permission: 'actions', label: 'Actions: Read-only', why: 'workflow runs that deploy (sources.github.deploymentWorkflowPattern) and platform pipeline adoption', classic: ['repo'], probe: (r) => `/repos/${r}/actions/workflows?per_page=1` },
];
const ORG_HOOKS: Need = {
  permission: 'organization_hooks', label: 'Organization permissions → Webhooks: Read and write', why: 'to create the organisation webhook that sends Paved pushes, pull requests, deployments and incidents as they happen',
  classic: ['admin:org_hook'], probe: () => '',
};
const REPO_HOOKS: Need = {
  permission: 'repository_hooks', label: 'Repository permissions → Webhooks: Read and write', why: 'to create a webhook on each repository that sends Paved pushes, pull requests, deployments and incidents as they happen',
  classic: ['admin:repo_hook', 'write:repo_hook', 'repo'], probe: (r) => `/repos/${r}/hooks?per_page=1`,
};

/** Classic scopes include others (GitHub's scope hierarchy). */
const SCOPE_INCLUDES: Record<string, string[]> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
};

function expandScopes(scopes: string[]): Set<string> {
  const held = new Set<string>();
  const add = (scope: string): void => {
    if (held.has(scope)) return;
    held.add(scope);
    for (const included of SCOPE_INCLUDES[scope] ?? []) add(included);
  };
  scopes.forEach(add);
  return held;
}

const LEVEL_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

function requirement(need: Need, level: 'read' | 'write', credential: CredentialKind, granted: boolean, evidence: string): Requirement {
  const grant = credential === 'classic token'
    ? `the ${need.classic[0]} scope (github.com/settings/tokens → edit the token)`
    : credential === 'GitHub App installation'
      ? `${need.label} in the App's settings (Permissions & events), then approve the new permission on the installation`
      : `${need.label} on the token (github.com/settings/personal-access-tokens → edit), for the organisation's repositories`;
  return { permission: need.permission, level, label: need.label, why: need.why, grant, granted, evidence };
}

/**
 * What the credentials may do, against what Paved needs: read access for the backfill, and
 * webhook administration (the organisation's, else each repository's). Classic tokens: their
 * X-OAuth-Scopes; App installations: their `permissions`; fine-grained tokens, which report
 * neither: one probe request per permission on a sample repository.
 */
export async function checkGithubAccess(rest: GithubRest, _credentials: GithubCredentials, target: GithubTarget, installation: { permissions: Record<string, string> } | null): Promise<AccessReport> {
  if (!target.org && !target.repos.length) throw new ConnectError('name the organisation (--org acme, or sources.github.org) or the repositories (--repo owner/name)');
  // The first request tells a classic token (X-OAuth-Scopes) from a fine-grained one and finds a repository to probe.
  let sampleRepo = target.repos[0] ?? null;
  let first: RestAnswer;
  if (target.org) {
    first = await rest.call('GET', `/orgs/${encodeURIComponent(target.org)}/repos?per_page=1&sort=pushed`);
    if (first.status === 401) throw new ConnectError('GitHub refused the credentials (401 Bad credentials): check the token, or that it has not expired');
    if (first.status === 404) throw new ConnectError(`GitHub shows no organisation "${target.org}" to these credentials: check the name, and for a fine-grained token that its resource owner is ${target.org}`);
    if (first.status === 403) throw new ConnectError(`GitHub refused to list ${target.org}'s repositories (403: ${messageOf(first.data)}); if the organisation uses SAML single sign-on, authorise the token for it`);
    if (first.status !== 200) throw new ConnectError(`GitHub answered ${first.status} listing ${target.org}'s repositories: ${messageOf(first.data)}`);
    const listed = z.array(z.object({ full_name: z.string() })).safeParse(first.data);
    sampleRepo ??= listed.success ? listed.data[0]?.full_name ?? null : null;
  } else {
    first = await rest.call('GET', `/repos/${sampleRepo}`);
    if (first.status === 401) throw new ConnectError('GitHub refused the credentials (401 Bad credentials): check the token, or that it has not expired');
    if (first.status === 404) throw new ConnectError(`GitHub shows no repository ${sampleRepo} to these credentials: check the name, and that the token (or App installation) covers it`);
  }

  const scopesHeader = first.headers.get('x-oauth-scopes');
  const credential: CredentialKind = installation ? 'GitHub App installation' : scopesHeader !== null ? 'classic token' : 'fine-grained token';
  const perRepo = target.repos.length > 0;
  const requirements: Requirement[] = [];

  if (credential === 'classic token') {
    const scopes = (scopesHeader ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const held = expandScopes(scopes);
    const has = (need: Need) => need.classic.some((scope) => held.has(scope));
    const evidence = `X-OAuth-Scopes: ${scopes.join(', ') || '(none)'}`;
    for (const need of READS) requirements.push(requirement(need, 'read', credential, has(need), evidence));
    const canOrg = !perRepo && has(ORG_HOOKS);
    const hookScope = perRepo || (!canOrg && has(REPO_HOOKS)) ? 'repos' : 'org';
    requirements.push(requirement(hookScope === 'org' ? ORG_HOOKS : REPO_HOOKS, 'write', credential, hookScope === 'org' ? canOrg : has(REPO_HOOKS), evidence));
    return report(credential, requirements, sampleRepo, hookScope, hookScopeReason(perRepo, hookScope), { scopes });
  }

  if (installation) {
    const permissions = installation.permissions;
    const has = (permission: string, level: 'read' | 'write') => (LEVEL_RANK[permissions[permission] ?? ''] ?? 0) >= LEVEL_RANK[level]!;
    const evidence = `installation permissions: ${Object.entries(permissions).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)'}`;
    for (const need of READS) requirements.push(requirement(need, 'read', credential, has(need.permission, 'read'), evidence));
    const canOrg = !perRepo && has('organization_hooks', 'write');
    const hookScope = perRepo || (!canOrg && has('repository_hooks', 'write')) ? 'repos' : 'org';
    requirements.push(requirement(hookScope === 'org' ? ORG_HOOKS : REPO_HOOKS, 'write', credential, has(hookScope === 'org' ? 'organization_hooks' : 'repository_hooks', 'write'), evidence));
    return report(credential, requirements, sampleRepo, hookScope, hookScopeReason(perRepo, hookScope), { permissions });
  }

  // Fine-grained: probe. 403 (with X-Accepted-GitHub-Permissions naming what was needed) means missing.
  if (!sampleRepo) throw new ConnectError(`${target.org} shows no repository to these credentials: give the token access to the organisation's repositories (Repository access → All repositories)`);
  for (const need of READS) {
    const answer = await rest.call('GET', need.probe(sampleRepo));
    // 409: an empty repository has no commits, which still proves the read.
    const granted = answer.status === 200 || answer.status === 409;
    requirements.push(requirement(need, 'read', credential, granted, probeEvidence(need.probe(sampleRepo), answer)));
  }
  let hookScope: 'org' | 'repos' = perRepo ? 'repos' : 'org';
  if (!perRepo) {
    const org = await rest.call('GET', `/orgs/${encodeURIComponent(target.org!)}/hooks?per_page=1`);
    if (org.status === 200) requirements.push(requirement(ORG_HOOKS, 'write', credential, true, `${probeEvidence(`/orgs/${target.org}/hooks`, org)} (write is confirmed when the hook is saved)`));
    else hookScope = 'repos';
    if (hookScope === 'repos') {
      const repoHooks = await rest.call('GET', REPO_HOOKS.probe(sampleRepo));
      if (repoHooks.status === 200) requirements.push(requirement(REPO_HOOKS, 'write', credential, true, `${probeEvidence(REPO_HOOKS.probe(sampleRepo), repoHooks)}; ${probeEvidence(`/orgs/${target.org}/hooks`, org)}`));
      else {
        hookScope = 'org';
        requirements.push(requirement(ORG_HOOKS, 'write', credential, false, `${probeEvidence(`/orgs/${target.org}/hooks`, org)}; ${probeEvidence(REPO_HOOKS.probe(sampleRepo), repoHooks)}`));
      }
    }
  } else {
    const repoHooks = await rest.call('GET', REPO_HOOKS.probe(sampleRepo));
    requirements.push(requirement(REPO_HOOKS, 'write', credential, repoHooks.status === 200, `${probeEvidence(REPO_HOOKS.probe(sampleRepo), repoHooks)}${repoHooks.status === 200 ? ' (write is confirmed when the hook is saved)' : ''}`));
  }
  return report(credential, requirements, sampleRepo, hookScope, hookScopeReason(perRepo, hookScope));
}

function hookScopeReason(perRepo: boolean, hookScope: 'org' | 'repos'): string | null {
  if (hookScope === 'org') return null;
  return perRepo ? 'repositories were named' : 'the credentials cannot administer the organisation\'s webhooks, but can each repository\'s';
}

function report(credential: CredentialKind, requirements: Requirement[], sampleRepo: string | null, hookScope: 'org' | 'repos', reason: string | null, extra: { scopes?: string[]; permissions?: Record<string, string> } = {}): AccessReport {
  const missing = requirements.filter((r) => !r.granted);
  return { credential, ...extra, sampleRepo, hookScope, hookScopeReason: reason, requirements, missing, ok: missing.length === 0 };
}

function probeEvidence(path: string, answer: RestAnswer): string {
  const accepted = answer.headers.get('x-accepted-github-permissions');
  return `GET ${path.split('?')[0]} → ${answer.status}${accepted && answer.status !== 200 ? ` (GitHub wants ${accepted})` : ''}`;
}

function messageOf(data: unknown): string {
  return typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : 'no message';
}

/** The report as lines a person can act on: one per missing permission, with why and how. */
export function describeMissing(report: AccessReport): string[] {
  return report.missing.map((m) => `missing ${m.label} — needed ${m.why}; grant: ${m.grant} [${m.evidence}]`);
}

// ---------------------------------------------------------------------------------------------
// the webhook

const Hook = z.object({ id: z.number(), config: z.object({ url: z.string().optional() }).loose(), events: z.array(z.string()).default([]) });

export interface EnsureHooksOptions {
  target: GithubTarget;
  hookScope: 'org' | 'repos';
  /** The payload URL (webhookUrlOf). */
  url: string;
  secret: string;
  events?: readonly string[];
  /** With the organisation but per-repository hooks: its repositories (listed here when not given). */
  onHook?: (outcome: HookOutcome) => void;
}

/**
 * Creates Paved's webhook on the organisation (or each repository), or updates the one already
 * pointing at the same URL (secret, events, JSON, active): running it twice leaves one hook.
 */
export async function ensureWebhooks(rest: GithubRest, options: EnsureHooksOptions): Promise<HookOutcome[]> {
  const events = [...(options.events ?? GITHUB_WEBHOOK_EVENTS)];
  let targets: { label: string; path: string; need: Need }[];
  if (options.hookScope === 'org') {
    targets = [{ label: `org:${options.target.org}`, path: `/orgs/${encodeURIComponent(options.target.org!)}/hooks`, need: ORG_HOOKS }];
  } else {
    let repos = options.target.repos;
    if (!repos.length) {
      const listed = await rest.list(`/orgs/${encodeURIComponent(options.target.org!)}/repos?per_page=100`);
      const parsed = z.array(z.object({ full_name: z.string(), archived: z.boolean().optional() })).parse(listed.items);
      repos = parsed.filter((r) => !r.archived).map((r) => r.full_name);
    }
    targets = repos.map((repo) => ({ label: `repo:${repo}`, path: `/repos/${repo.split('/').map(encodeURIComponent).join('/')}/hooks`, need: REPO_HOOKS }));
  }
  const outcomes: HookOutcome[] = [];
  const config = { url: options.url, content_type: 'json', secret: options.secret, insecure_ssl: '0' };
  for (const target of targets) {
    const listed = await rest.list(`${target.path}?per_page=100`);
    if (listed.status !== 200) throw hookError(target, 'list', listed.status, listed.headers);
    const hooks = z.array(Hook).parse(listed.items);
    const existing = hooks.find((hook) => sameUrl(hook.config.url, options.url));
    const answer = existing
      ? await rest.call('PATCH', `${target.path}/${existing.id}`, { config, events, active: true })
      : await rest.call('POST', target.path, { name: 'web', config, events, active: true });
    if (answer.status !== 200 && answer.status !== 201) throw hookError(target, existing ? 'update' : 'create', answer.status, answer.headers, answer.data);
    const saved = Hook.parse(answer.data);
    const outcome: HookOutcome = { target: target.label, id: saved.id, action: existing ? 'updated' : 'created', events: saved.events, url: options.url };
    outcomes.push(outcome);
    options.onHook?.(outcome);
  }
  return outcomes;
}

function sameUrl(a: string | undefined, b: string): boolean {
  return a !== undefined && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function hookError(target: { label: string; need: Need }, verb: string, status: number, headers: Headers | null, data?: unknown): ConnectError {
  const accepted = headers?.get('x-accepted-github-permissions');
  if (status === 403 || status === 404) {
    return new ConnectError(`GitHub refused to ${verb} the webhook on ${target.label.replace(/^\w+:/, '')} (${status}${accepted ? `, wants ${accepted}` : ''}): the credentials need ${target.need.label} (classic tokens: the ${target.need.classic[0]} scope) ${target.need.why}`);
  }
  return new ConnectError(`GitHub answered ${status} to ${verb} the webhook on ${target.label.replace(/^\w+:/, '')}: ${messageOf(data)}`);
}
