import Bottleneck from 'bottleneck';
import { App, Octokit, RequestError } from 'octokit';
import type { Logger } from '../log.js';

/** How backfill authenticates: a token (PAT, Actions token) or a GitHub App installation. */
export type GithubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationOf: { org: string } | { repo: string } | { id: number } };

export interface GithubApiOptions {
  /** REST base URL (`https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server). */
  apiUrl: string;
  auth: GithubAuth;
  /** Checked before every request: an aborted signal stops the backfill between two requests. */
  signal?: AbortSignal;
  /** Retries of a rate-limited request (primary or secondary limit) before the backfill gives up. */
  rateLimitRetries?: number;
  /** Longest wait for a primary rate limit reset that is worth it; longer means stop and resume later. */
  maxRateLimitWaitSeconds?: number;
  /** Base of the retry-after / backoff waits (1000 = GitHub's seconds; tests shorten it). */
  retryBaseMs?: number;
  /** Pause between GraphQL queries (GitHub asks for about a second between expensive calls). */
  graphqlIntervalMs?: number;
  /** Sees every HTTP request sent, retries included (counting, aborting a test run after N requests). */
  onRequest?: (count: number) => void;
  log?: Logger;
}

export interface GithubApiStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests answered 304 Not Modified (free: they do not count against the rate limit). */
  notModified: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Answers refusing a request for a rate limit (403/429 with retry-after, or no requests left). */
  rateLimited: number;
  /** 5xx answers (octokit retries them with a backoff). */
  serverErrors: number;
  /** The last `x-ratelimit-remaining` GitHub sent (REST or GraphQL budget, whichever answered last). */
  rateLimitRemaining: number | null;
}

export type PageResult =
  | { modified: true; data: unknown; etag: string | null; next: string | null }
  | { modified: false };

export class BackfillAbortedError extends Error {
  constructor() {
    super('backfill aborted; the next run goes on where this one stopped');
    this.name = 'BackfillAbortedError';
  }
}

type Client = InstanceType<typeof Octokit>;

/**
 * The GitHub API as backfill uses it: octokit with its throttling and retry plugins, every HTTP
 * request counted, conditional GETs (If-None-Match → 304) and Link-header pagination.
 */
export class GithubApi {
  private constructor(private readonly client: Client, private readonly options: GithubApiOptions, readonly stats: GithubApiStats) {}

  static async connect(options: GithubApiOptions): Promise<GithubApi> {
    const stats: GithubApiStats = { requests: 0, notModified: 0, statuses: {}, rateLimited: 0, serverErrors: 0, rateLimitRemaining: null };
    const log = options.log ?? (() => {});
    const retryBase = options.retryBaseMs ?? 1_000;
    const maxRetries = options.rateLimitRetries ?? 3;
    const maxWait = options.maxRateLimitWaitSeconds ?? 15 * 60;

    const countingFetch: typeof fetch = async (input, init) => {
      stats.requests += 1;
      options.onRequest?.(stats.requests);
      const response = await fetch(input, init);
      stats.statuses[response.status] = (stats.statuses[response.status] ?? 0) + 1;
      if (response.status === 304) stats.notModified += 1;
      if (response.status >= 500) stats.serverErrors += 1;
      if ((response.status === 403 || response.status === 429) && (response.headers.has('retry-after') || response.headers.get('x-ratelimit-remaining') === '0')) stats.rateLimited += 1;
      const remaining = response.headers.get('x-ratelimit-remaining');
      if (remaining !== null && remaining !== '' && Number.isFinite(Number(remaining))) stats.rateLimitRemaining = Number(remaining);
      return response;
    };

    const limited = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const retry = retryCount < maxRetries && retryAfter <= maxWait;
      log(retry ? 'warn' : 'error', `GitHub ${kind}: ${retry ? `retrying in ${retryAfter} s` : 'giving up'}`, { method: request.method, url: request.url, retryAfter, retryCount });
      return retry;
    };

    const Configured = Octokit.defaults({
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      request: { fetch: countingFetch },
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log('warn', message),
        error: (message: string) => log('error', message),
      },
      throttle: {
        onRateLimit: limited('rate limit exhausted'),
        onSecondaryRateLimit: limited('secondary rate limit'),
        retryAfterBaseValue: retryBase,
        fallbackSecondaryRateRetryAfter: 60,
        // GraphQL queries queue here: one at a time, spaced (octokit's default is 1 s).
        write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.graphqlIntervalMs ?? 1_000 }),
      },
      // 429 is a rate limit: the throttling plugin retries it after retry-after, bounded by rateLimitRetries.
      retry: { retries: 3, retryAfterBaseValue: retryBase, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    });

    const client = options.auth.kind === 'token'
      ? new Configured({ auth: options.auth.token })
      : await installationClient(Configured, options.auth);
    return new GithubApi(client, options, stats);
  }

  private checkAborted(): void {
    if (this.options.signal?.aborted) throw new BackfillAbortedError();
  }

  /**
   * One GET of a path (`/repos/o/r/deployments?per_page=100`) or of a `next` URL from a Link
   * header. With `etag`, a 304 answers `{ modified: false }`; 404 answers `null` data.
   */
  async get(pathOrUrl: string, etag: string | null = null): Promise<PageResult> {
    this.checkAborted();
    try {
      const response = await this.client.request(`GET ${pathOrUrl}`, etag ? { headers: { 'if-none-match': etag } } : {});
      const headers = response.headers as Record<string, string | undefined>;
      return { modified: true, data: response.data, etag: headers.etag ?? null, next: nextLink(headers.link) };
    } catch (error) {
      if (error instanceof RequestError && error.status === 304) return { modified: false };
      if (error instanceof RequestError && error.status === 404) return { modified: true, data: null, etag: null, next: null };
      throw error;
    }
  }

  /** Every page of a listing (for small nested lists: a deployment's statuses, a PR's extra commits). */
  async getAll(path: string, itemsOf: (data: unknown) => unknown[] = (data) => (Array.isArray(data) ? data : [])): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = path;
    while (next) {
      const page = await this.get(next);
      if (!page.modified) break;
      items.push(...itemsOf(page.data));
      next = page.next;
    }
    return items;
  }

  async graphql(query: string, variables: Record<string, unknown>): Promise<unknown> {
    this.checkAborted();
    return this.client.graphql(query, variables);
  }
}

async function installationClient(Configured: typeof Octokit, auth: Extract<GithubAuth, { kind: 'app' }>): Promise<Client> {
  // Environment variables often carry a PEM with literal "\n".
  const privateKey = auth.privateKey.includes('\\n') ? auth.privateKey.replaceAll('\\n', '\n') : auth.privateKey;
  const app = new App({ appId: auth.appId, privateKey, Octokit: Configured });
  const of = auth.installationOf;
  if ('id' in of) return (await app.getInstallationOctokit(of.id)) as unknown as Client;
  const installation = 'org' in of
    ? await app.octokit.request('GET /orgs/{org}/installation', { org: of.org })
    : await app.octokit.request('GET /repos/{owner}/{repo}/installation', repoParams(of.repo));
  return (await app.getInstallationOctokit(installation.data.id)) as unknown as Client;
}

function repoParams(repo: string): { owner: string; repo: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** `/repos/{owner}/{name}` with both parts encoded. */
export function repoPath(repo: string): string {
  const { owner, repo: name } = repoParams(repo);
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}
