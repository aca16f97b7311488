import { type AccessReport, BackfillAbortedError, backfillGithub, type BackfillResult, type Bus, checkGithubAccess, ConnectError, ensureWebhooks, GITHUB_WEBHOOK_EVENTS, GithubApi, type GithubAuth, type GithubCredentials, type HookOutcome, type InProcessBus, type Logger, restClientOf, webhookUrlOf } from '@paved/ingest';
import { type PavedConfig, type PavedEnv, parseInstant } from '@paved/schemas';
import { WarehouseCursorStore } from '@paved/pipeline';
import { normaliseContextOf } from '../config.js';
import { ensureWebhookSecret, type WebhookSecret } from '../webhook-secrets.js';
import type { Warehouse } from '@paved/warehouse';
import type { GithubConnectRequest } from './request.js';

/*
 * Connecting GitHub end to end, for `paved connect github` and the Settings page alike: check the
 * permissions, make sure Paved holds a webhook secret, create or update the webhook, backfill the
 * history through the existing GitHub backfill, recompute the metrics. Each step updates a state
 * the caller shows (a progress bar, the Settings page); a missing permission stops before anything
 * is created.
 */

export type ConnectPhase = 'checking' | 'webhooks' | 'backfill' | 'transform' | 'done' | 'failed';

/** What a connection has done so far; no secret in it. */
export interface ConnectState {
  source: 'github';
  phase: ConnectPhase;
  startedAt: string;
  finishedAt: string | null;
  /** One line saying where it is. */
  message: string;
  target: { org: string | null; repos: string[] };
  access: AccessReport | null;
  webhookUrl: string | null;
  /** Where the webhook secret comes from (never the value). */
  secret: Omit<WebhookSecret, 'value'> | null;
  hooks: HookOutcome[];
  backfill: { done: number; total: number; label: string; requests: number } | null;
  /** The backfill's counts when it finished. */
  result: Pick<BackfillResult, 'repos' | 'missingRepos' | 'fetched' | 'deliveries' | 'events' | 'deadLettered' | 'requests'> | null;
  /** Things to do next (set GITHUB_TOKEN for compares, add sources.github.org to the config). */
  notes: string[];
  error: string | null;
  /** True when the check found missing permissions (the CLI exits 1). */
  refused: boolean;
}

export interface ConnectDeps {
  warehouse: Warehouse;
  bus: Bus;
  config: PavedConfig;
  /** The process's environment: the webhook secret is put here, where the receiver reads it. */
  env: PavedEnv;
  runTransform: () => Promise<unknown>;
  log?: Logger;
  signal?: AbortSignal;
  /** Tests: shorter waits for GitHub's pacing. */
  graphqlIntervalMs?: number;
}

export function initialState(request: Pick<GithubConnectRequest, 'org' | 'repos'>): ConnectState {
  return {
    source: 'github', phase: 'checking', startedAt: new Date().toISOString(), finishedAt: null, message: 'checking the credentials\' permissions',
    target: { org: request.org ?? null, repos: request.repos }, access: null, webhookUrl: null, secret: null, hooks: [], backfill: null, result: null, notes: [],
    error: null, refused: false,
  };
}

/** Runs one connection; `onState` sees every change. Never throws: a failure ends in phase `failed` with its message. */
export async function connectGithub(request: GithubConnectRequest, deps: ConnectDeps, onState: (state: ConnectState) => void = () => {}): Promise<ConnectState> {
  const state = initialState(request);
  const update = (change: Partial<ConnectState>) => {
    Object.assign(state, change);
    onState(state);
  };
  const finish = (phase: 'done' | 'failed', change: Partial<ConnectState>): ConnectState => {
    update({ ...change, phase, finishedAt: new Date().toISOString() });
    return state;
  };
  const log = deps.log ?? (() => {});
  update({});
  try {
    const github = deps.config.sources.github;
    const apiUrl = request.apiUrl ?? github?.apiUrl ?? 'https://api.github.com';
    const target = { org: request.org, repos: request.repos };
    const webhookUrl = webhookUrlOf(request.url, '/webhooks/github', request.allowLoopback);
    const credentials: GithubCredentials = request.credentials;
    const { rest, installation } = await restClientOf(apiUrl, credentials, target, deps.signal);
    const access = await checkGithubAccess(rest, credentials, target, installation);
    update({ access, webhookUrl });
    log(access.ok ? 'info' : 'warn', 'GitHub permissions checked', { credential: access.credential, missing: access.missing.map((m) => `${m.permission}:${m.level}`), hookScope: access.hookScope });
    if (!access.ok) {
      return finish('failed', { refused: true, message: `the ${access.credential} lacks ${access.missing.length} permission${access.missing.length === 1 ? '' : 's'} Paved needs: nothing was created`, error: 'missing permissions' });
    }
    if (request.check) return finish('done', { message: `the ${access.credential} has every permission Paved needs (webhook on ${access.hookScope === 'org' ? `the organisation ${request.org}` : 'each repository'})` });

    update({ phase: 'webhooks', message: `${access.hookScope === 'org' ? 'creating the organisation webhook' : 'creating the repository webhooks'} → ${webhookUrl}` });
    const secret = ensureWebhookSecret(deps.env, 'GITHUB_WEBHOOK_SECRET');
    update({ secret: { from: secret.from, file: secret.file } });
    const hooks: HookOutcome[] = [];
    await ensureWebhooks(rest, {
      target, hookScope: access.hookScope, url: webhookUrl, secret: secret.value, events: GITHUB_WEBHOOK_EVENTS,
      onHook: (hook) => {
        hooks.push(hook);
        update({ hooks: [...hooks], message: `webhook ${hook.action} on ${hook.target.replace(/^\w+:/, '')}` });
      },
    });
    log('info', 'GitHub webhooks in place', { hooks: hooks.map((h) => `${h.action} ${h.target} #${h.id}`), secret: secret.from });

    const notes = notesOf(request, deps, secret);
    update({ notes });
    if (!request.backfill) return finish('done', { message: `${hooks.length} webhook${hooks.length === 1 ? '' : 's'} in place; no backfill (run \`paved backfill github\` for the history)` });

    update({ phase: 'backfill', message: 'backfill: listing repositories', backfill: { done: 0, total: 1, label: 'listing repositories', requests: 0 } });
    const result = await backfill(request, deps, credentials, apiUrl, (progress) => update({ backfill: progress, message: `backfill: ${progress.label}` }));
    update({
      result: { repos: result.repos, missingRepos: result.missingRepos, fetched: result.fetched, deliveries: result.deliveries, events: result.events, deadLettered: result.deadLettered, requests: result.requests },
      phase: 'transform', message: 'computing the metrics',
    });
    await deps.runTransform();
    const f = result.fetched;
    return finish('done', {
      message: `connected: ${hooks.length} webhook${hooks.length === 1 ? '' : 's'}, ${result.repos.length} repositories backfilled (${f.pullRequests} pull requests, ${f.deployments} deployments, ${f.commits} commits, ${f.incidentIssues} incident issues)`,
    });
  } catch (error) {
    if (error instanceof BackfillAbortedError) return finish('failed', { error: 'stopped', message: 'backfill stopped; run the same connect (or `paved backfill github`) again to go on where it stopped' });
    const message = error instanceof ConnectError ? error.message : `${(error as Error).message}`;
    log('error', 'connecting GitHub failed', { error: message });
    return finish('failed', { error: message, message });
  }
}

function notesOf(request: GithubConnectRequest, deps: ConnectDeps, secret: WebhookSecret): string[] {
  const notes: string[] = [];
  const github = deps.config.sources.github;
  if (secret.from === 'generated') notes.push(`a new webhook secret is in ${secret.file} (owner-only); Paved processes on this data directory verify with it. Set GITHUB_WEBHOOK_SECRET to it wherever \`paved ingest\` runs elsewhere.`);
  if (request.org && github?.org !== request.org && !(github?.repos.length)) notes.push(`add \`sources.github.org: ${request.org}\` to paved.config.yaml so \`paved backfill github\` and restarts know the organisation`);
  if (!request.org && request.repos.some((repo) => !github?.repos.includes(repo))) notes.push(`add the repositories to \`sources.github.repos\` in paved.config.yaml so \`paved backfill github\` reads them too`);
  if (request.credentials.kind === 'token' && !deps.env.GITHUB_TOKEN) notes.push('the token was used for this set-up and backfill only and is not stored: set GITHUB_TOKEN to a read-only token so Paved fetches the compare for new production deployments');
  return notes;
}

async function backfill(request: GithubConnectRequest, deps: ConnectDeps, credentials: GithubCredentials, apiUrl: string, onProgress: (progress: NonNullable<ConnectState['backfill']>) => void): Promise<BackfillResult> {
  const auth: GithubAuth = credentials.kind === 'token'
    ? { kind: 'token', token: credentials.token }
    : { kind: 'app', appId: credentials.appId, privateKey: credentials.privateKey, installationOf: credentials.installationId !== undefined ? { id: credentials.installationId } : request.org ? { org: request.org } : { repo: request.repos[0]! } };
  const api = await GithubApi.connect({ apiUrl, auth, signal: deps.signal, log: deps.log, ...(deps.graphqlIntervalMs !== undefined ? { graphqlIntervalMs: deps.graphqlIntervalMs } : {}) });
  const config = deps.config;
  const since = request.since ? parseInstant(request.since) : null;
  return backfillGithub({
    api, bus: deps.bus, cursors: new WarehouseCursorStore(deps.warehouse, () => drain(deps.bus)), context: normaliseContextOf(config),
    org: request.repos.length ? undefined : request.org, repos: request.repos, since, catalogFromRepos: config.catalog.backstageFromRepos, log: deps.log,
    productionEnvironment: new RegExp(config.metrics.productionPattern, 'i'),
    commitFiles: { requests: config.sources.github?.commitFileRequests ?? 1000, repos: monorepoRepos(config) },
    onProgress: (state) => onProgress({
      done: state.done, total: Math.max(1, state.total), requests: state.requests,
      label: `${state.repo ? `${state.repo} ${state.kind}` : 'listing repositories'} · ${state.requests} requests · rate limit ${state.rateLimitRemaining ?? '?'} left`,
    }),
  });
}

/** With the in-process bus, events wait in memory until the sink inserted them: a cursor moves only after that. */
export async function drain(bus: Bus): Promise<void> {
  if (bus.kind === 'in-process') await (bus as InProcessBus).drained(3_600_000);
}

/** Repositories whose commits' files decide which services they count for (a service under a path, or a shared path). */
export function monorepoRepos(config: PavedConfig): string[] {
  const repos = new Set<string>();
  for (const service of config.catalog.services) if (service.path && service.path.replace(/^\/+|\/+$/g, '') !== '') repos.add(service.repo);
  for (const shared of config.catalog.sharedPaths) if (shared.repo) repos.add(shared.repo);
  return [...repos];
}

/**
 * One connection at a time per Paved process, its state kept for the Settings page and the CLI
 * to poll (GET /api/admin/connect/github). A new one while one runs is refused.
 */
export class ConnectJobs {
  private state: ConnectState | null = null;
  private running: Promise<ConnectState> | null = null;

  constructor(private readonly deps: () => ConnectDeps) {}

  get current(): ConnectState | null {
    return this.state;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Starts a connection in the background; null when one is already running. */
  startGithub(request: GithubConnectRequest): ConnectState | null {
    if (this.running) return null;
    this.state = initialState(request);
    this.running = connectGithub(request, this.deps(), (state) => {
      this.state = { ...state };
    }).finally(() => {
      this.running = null;
    });
    return this.state;
  }

  /** Waits for the running connection (tests, shutdown). */
  async settled(): Promise<ConnectState | null> {
    if (this.running) await this.running;
    return this.state;
  }
}
