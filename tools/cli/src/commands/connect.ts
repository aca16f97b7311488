import { readFileSync } from 'node:fs';
import { createLogger, describeMissing } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { type ConnectState, connectGithub, type GithubConnectInput, GithubConnectRequest, loadConfig } from '@paved/runtime';
import { metricSettingsOf, runTransform } from '@paved/transform';
import { migrate } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { type Progress, progress } from '../progress.js';
import { createBus, openWarehouse, runningServer } from '../setup.js';
import { drain } from './backfill.js';

export interface ConnectGithubOptions {
  org?: string;
  repo: string[];
  url?: string;
  allowLoopback?: boolean;
  check?: boolean;
  backfill: boolean;
  since?: string;
  tokenStdin?: boolean;
  appId?: string;
  privateKey?: string;
  installationId?: number;
  json?: boolean;
}

/**
 * `paved connect github`: checks the credentials' permissions, creates or updates the webhook,
 * backfills and recomputes, then points at Data health. While `paved start` holds the embedded
 * warehouse, the running server does the work (POST /api/admin/connect/github with the admin
 * token): it has the bus, and its receiver must verify with the webhook secret from now on.
 */
export async function connectGithubCommand(options: ConnectGithubOptions): Promise<void> {
  const { config, env } = loadConfig();
  const input: GithubConnectInput = {
    org: options.org ?? (options.repo.length ? undefined : config.sources.github?.org),
    repos: options.repo.length ? options.repo : options.org ? [] : config.sources.github?.repos ?? [],
    url: publicUrlOf(options, config),
    allowLoopback: options.allowLoopback === true,
    check: options.check === true,
    backfill: options.backfill,
    ...(options.since ? { since: options.since } : {}),
    credentials: await credentialsOf(options, env),
  };
  const parsed = GithubConnectRequest.safeParse(input);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${flagOf(issue.path.join('.'))}: ${issue.message}`).join('\n'));
  }
  const request = parsed.data;
  const server = runningServer(env);
  const view = new ConnectView(options.json === true);
  const state = server ? await throughServer(server, request, view) : await locally(request, config, env, view);
  view.finish(state, request.url);
}

function flagOf(path: string): string {
  const flags: Record<string, string> = { org: '--org', repos: '--repo', url: '--url', since: '--since', 'credentials.token': 'GITHUB_TOKEN', 'credentials.appId': '--app-id', 'credentials.privateKey': '--private-key', 'credentials.installationId': '--installation-id' };
  return flags[path] ?? (path.startsWith('repos') ? '--repo' : path || 'request');
}

function publicUrlOf(options: ConnectGithubOptions, config: PavedConfig): string {
  const url = options.url ?? config.server.publicUrl ?? config.auth.oidc?.publicUrl;
  if (!url) throw new Error('where does GitHub post webhooks? pass --url https://<Paved\'s public address> (or set server.publicUrl in paved.config.yaml)');
  return url;
}

/** A token from stdin (--token-stdin) or GITHUB_TOKEN; else a GitHub App from the flags or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY. */
async function credentialsOf(options: ConnectGithubOptions, env: PavedEnv): Promise<GithubConnectInput['credentials']> {
  const appId = options.appId ?? (options.privateKey ? env.GITHUB_APP_ID : undefined);
  if (appId || options.privateKey) {
    if (!appId) throw new Error('--private-key needs --app-id (or GITHUB_APP_ID)');
    let privateKey = env.GITHUB_APP_PRIVATE_KEY;
    if (options.privateKey) {
      try {
        privateKey = readFileSync(options.privateKey, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the App's private key ${options.privateKey}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    if (!privateKey) throw new Error('--app-id needs the App\'s private key: --private-key app.pem (or GITHUB_APP_PRIVATE_KEY)');
    return { kind: 'app', appId, privateKey, ...(options.installationId ? { installationId: options.installationId } : {}) };
  }
  if (options.tokenStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const token = Buffer.concat(chunks).toString('utf8').trim();
    if (!token) throw new Error('--token-stdin read nothing: pipe the token in (e.g. `gh auth token | paved connect github --token-stdin …`)');
    return { kind: 'token', token };
  }
  if (env.GITHUB_TOKEN) return { kind: 'token', token: env.GITHUB_TOKEN };
  if (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY) return { kind: 'app', appId: env.GITHUB_APP_ID, privateKey: env.GITHUB_APP_PRIVATE_KEY, ...(options.installationId ? { installationId: options.installationId } : {}) };
  throw new Error('no GitHub credentials: set GITHUB_TOKEN (or pipe a token with --token-stdin), or pass --app-id and --private-key of a GitHub App installed on the organisation');
}

async function locally(request: GithubConnectRequest, config: PavedConfig, env: PavedEnv, view: ConnectView): Promise<ConnectState> {
  if (request.check) return connectGithub(request, { warehouse: null as never, bus: null as never, config, env, runTransform: async () => {} }, (s) => view.show(s));
  const warehouse = await openWarehouse(env, config, 'paved connect github');
  const bus = await createBus(env, config);
  const sink = bus.kind === 'in-process' ? new Sink(warehouse, bus, { log: () => {} }) : null;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    await migrate(warehouse);
    await sink?.start();
    return await connectGithub(request, {
      warehouse, bus, config, env, signal: controller.signal,
      log: createLogger('connect', { write: (line) => (process.env.LOG_LEVEL === 'debug' ? process.stderr.write(`${line}\n`) : true) }),
      runTransform: async () => {
        if (bus.kind !== 'in-process') return;
        await drain(bus);
        await runTransform(warehouse, metricSettingsOf(config), (label, index, total) => view.transform(label, index, total));
      },
    }, (state) => view.show(state));
  } finally {
    process.off('SIGINT', stop);
    await sink?.stop();
    await bus.close();
    await warehouse.close();
  }
}

/** Hands the connection to the running `paved start` and follows its progress. */
async function throughServer(server: { url: string; token: string | null; pid: number }, request: GithubConnectRequest, view: ConnectView): Promise<ConnectState> {
  process.stderr.write(`paved start (pid ${server.pid}) holds the warehouse: it connects GitHub and receives the webhooks\n`);
  const headers = { accept: 'application/json', 'content-type': 'application/json', ...(server.token ? { authorization: `Bearer ${server.token}` } : {}) };
  const started = await fetch(`${server.url}/api/admin/connect/github`, { method: 'POST', headers, body: JSON.stringify(request), signal: AbortSignal.timeout(30_000) })
    .catch((error: unknown) => { throw new Error(`the running Paved at ${server.url} did not answer (${(error as Error).message}); is it still running?`); });
  if (started.status !== 202) throw new Error(`the running Paved answered ${started.status}: ${(await started.text()).slice(0, 500)}`);
  let state = (await started.json()) as ConnectState;
  view.show(state);
  while (!state.finishedAt) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = await fetch(`${server.url}/api/admin/connect/github`, { headers, signal: AbortSignal.timeout(30_000) });
    if (!answer.ok) throw new Error(`the running Paved answered ${answer.status} while connecting: ${(await answer.text()).slice(0, 300)}`);
    state = ((await answer.json()) as { state: ConnectState }).state;
    view.show(state);
  }
  return state;
}

/** What the terminal shows: one line per step, a progress bar for the backfill and the transform, then what is missing or what to do next. */
class ConnectView {
  private said = new Set<string>();
  private bar: Progress | null = null;
  private transformBar: Progress | null = null;

  constructor(private readonly json: boolean) {}

  show(state: ConnectState): void {
    if (state.phase === 'backfill' && state.backfill) {
      this.bar ??= progress('backfill github', state.backfill.total);
      this.bar.setTotal(state.backfill.total);
      this.bar.update(state.backfill.done, state.backfill.label);
      return;
    }
    if (this.bar && state.phase !== 'backfill') {
      const r = state.result;
      this.bar.stop(r ? `backfilled ${r.repos.length} repositories: ${r.fetched.pullRequests} pull requests, ${r.fetched.commits} default-branch commits, ${r.fetched.deployments} deployments, ${r.fetched.incidentIssues} incident issues, ${r.fetched.releases} releases; ${r.deliveries} deliveries → ${r.events} events (${r.deadLettered} dead-lettered), ${r.requests} requests` : undefined);
      this.bar = null;
    }
    if (state.phase === 'transform' || state.phase === 'done' || state.phase === 'failed') {
      this.transformBar?.stop();
      this.transformBar = null;
    }
    for (const hook of state.hooks) this.once(`hook ${hook.target}`, `webhook ${hook.action} on ${hook.target.replace(/^org:/, 'the organisation ').replace(/^repo:/, '')} (#${hook.id}): ${hook.events.length} events → ${hook.url}`);
    if (state.access) this.once('access', `${state.access.credential}: ${state.access.requirements.filter((r) => r.granted).length} of ${state.access.requirements.length} permissions Paved needs${state.access.hookScopeReason ? `; webhooks per repository (${state.access.hookScopeReason})` : ''}`);
    if (state.phase !== 'backfill' && !state.finishedAt) this.once(`phase ${state.phase}`, state.message);
  }

  transform(label: string, index: number, total: number): void {
    this.transformBar ??= progress('transform', total);
    this.transformBar.setTotal(total);
    this.transformBar.update(index, label);
  }

  finish(state: ConnectState, publicUrl: string): void {
    this.bar?.stop();
    this.transformBar?.stop();
    const out = process.stderr;
    if (state.access?.missing.length) {
      out.write(`\n${state.message}:\n${describeMissing(state.access).map((line) => `  - ${line}`).join('\n')}\n`);
    } else {
      out.write(`${state.message}\n`);
    }
    for (const note of state.notes) out.write(`note: ${note}\n`);
    if (this.json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
    if (state.phase === 'failed') {
      process.exitCode = 1;
      return;
    }
    if (state.hooks.length) out.write(`Data health: ${publicUrl.replace(/\/+$/, '')}/health\n`);
  }

  private once(key: string, line: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    process.stderr.write(`${line}\n`);
  }
}
