import type { Logger } from '../log.js';

/*
 * The GitLab REST API (`/api/v4`) as `paved backfill gitlab` uses it: plain fetch with
 * `PRIVATE-TOKEN`, GitLab's pagination (the `Link` header's rel="next", else `X-Next-Page`), and its
 * rate limits: a 429 (or 503) is retried after `Retry-After` (else `RateLimit-Reset`), and when
 * `RateLimit-Remaining` reaches 0 the next request waits for `RateLimit-Reset` first.
 * https://docs.gitlab.com/api/rest/#pagination, https://docs.gitlab.com/security/rate_limits/
 */

export interface GitlabApiClientOptions {
  /** e.g. https://gitlab.com/api/v4 (sources.gitlab.apiUrl). */
  apiUrl: string;
  /** read_api token (GITLAB_TOKEN); sent as PRIVATE-TOKEN, never logged. */
  token: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Retries of one request after a 429/5xx/network error (default 5). */
  maxRetries?: number;
  /** Longest wait GitLab may ask for before the run gives up with a clear error (default 15 min). */
  maxWaitMs?: number;
  /** Backoff base for 5xx and network errors (default 1000 ms; tests shorten it). */
  retryBaseMs?: number;
  log?: Logger;
}

export interface GitlabApiStats {
  requests: number;
  statuses: Record<number, number>;
  rateLimited: number;
  serverErrors: number;
  /** Waits before a request because RateLimit-Remaining was 0. */
  throttled: number;
  rateLimitRemaining: number | null;
}

export interface GitlabPage {
  /** Parsed JSON body; null for 404. */
  data: unknown;
  /** Absolute URL of the next page, or null on the last. */
  next: string | null;
}

export class GitlabBackfillAbortedError extends Error {
  constructor() {
    super('backfill stopped (interrupted): run the same command again to go on where it stopped');
  }
}

export class GitlabHttpError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
  }
}

export class GitlabApi {
  readonly stats: GitlabApiStats = { requests: 0, statuses: {}, rateLimited: 0, serverErrors: 0, throttled: 0, rateLimitRemaining: null };
  private readonly base: string;
  /** Epoch ms before which no request is sent (RateLimit-Remaining hit 0). */
  private resumeAt = 0;

  constructor(private readonly options: GitlabApiClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  /** An absolute URL for a path below the API base (`/projects/...`), or the URL itself. */
  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
  }

  /** `group/project` as the `:id` of a path. */
  static project(path: string): string {
    return encodeURIComponent(path);
  }

  async get(pathOrUrl: string): Promise<GitlabPage> {
    const url = this.url(pathOrUrl);
    const doFetch = this.options.fetch ?? fetch;
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      if (this.options.signal?.aborted) throw new GitlabBackfillAbortedError();
      const wait = this.resumeAt - this.now();
      if (wait > 0) {
        this.stats.throttled += 1;
        this.options.log?.('warn', 'GitLab rate limit exhausted: waiting for RateLimit-Reset', { wait_ms: wait });
        await this.wait(wait);
        this.resumeAt = 0;
      }
      let response: Response;
      try {
        this.stats.requests += 1;
        response = await doFetch(url, { headers: { 'private-token': this.options.token, accept: 'application/json' }, signal: this.options.signal });
      } catch (error) {
        if (this.options.signal?.aborted) throw new GitlabBackfillAbortedError();
        if (attempt >= maxRetries) throw new GitlabHttpError(`GitLab did not answer ${redacted(url)}: ${(error as Error).message}`, null);
        await this.wait(this.backoff(attempt));
        continue;
      }
      this.stats.statuses[response.status] = (this.stats.statuses[response.status] ?? 0) + 1;
      this.noteRateLimit(response.headers);
      if (response.ok) return { data: await response.json(), next: nextPageOf(response.headers, url) };
      await response.body?.cancel();
      if (response.status === 404) return { data: null, next: null };
      if (response.status === 429 || response.status >= 500) {
        if (response.status === 429) this.stats.rateLimited += 1;
        else this.stats.serverErrors += 1;
        if (attempt >= maxRetries) throw new GitlabHttpError(`GitLab answered ${response.status} to ${redacted(url)} ${attempt + 1} times: try again later`, response.status);
        const waitMs = response.status === 429 || response.headers.has('retry-after') ? retryWaitMs(response.headers, this.now()) : this.backoff(attempt);
        const maxWait = this.options.maxWaitMs ?? 15 * 60_000;
        if (waitMs > maxWait) throw new GitlabHttpError(`GitLab asks to wait ${Math.ceil(waitMs / 1000)} s (rate limit), longer than ${maxWait / 1000} s: run the command again later`, response.status);
        this.options.log?.('warn', `GitLab answered ${response.status}: retrying`, { url: redacted(url), wait_ms: waitMs, attempt });
        await this.wait(waitMs);
        continue;
      }
      const hint = response.status === 401 || response.status === 403 ? ': check that GITLAB_TOKEN is valid and has the read_api scope on the project' : '';
      throw new GitlabHttpError(`GitLab answered ${response.status} to ${redacted(url)}${hint}`, response.status);
    }
  }

  /** Every page of a listing from `pathOrUrl` on. */
  async getAll(pathOrUrl: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = pathOrUrl;
    while (next) {
      const page = await this.get(next);
      if (Array.isArray(page.data)) items.push(...page.data);
      next = page.next;
    }
    return items;
  }

  private noteRateLimit(headers: Headers): void {
    const remaining = headers.get('ratelimit-remaining');
    if (remaining === null || remaining === '' || !Number.isFinite(Number(remaining))) return;
    this.stats.rateLimitRemaining = Number(remaining);
    if (Number(remaining) <= 0) this.resumeAt = Math.max(this.resumeAt, this.now() + retryWaitMs(headers, this.now()));
  }

  private backoff(attempt: number): number {
    return (this.options.retryBaseMs ?? 1000) * 2 ** attempt;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async wait(ms: number): Promise<void> {
    const sleep = this.options.sleep ?? abortableSleep(this.options.signal);
    await sleep(ms);
    if (this.options.signal?.aborted) throw new GitlabBackfillAbortedError();
  }
}

function abortableSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `Retry-After` (seconds or an HTTP date), else `RateLimit-Reset` (epoch seconds), else one second. */
export function retryWaitMs(headers: Headers, nowMs: number): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  const reset = Number(headers.get('ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
  return 1000;
}

/** The `Link` header's rel="next" (offset and keyset pagination both send it), else `X-Next-Page` applied to this URL. */
export function nextPageOf(headers: Headers, url: string): string | null {
  const link = headers.get('link');
  if (link) {
    for (const part of link.split(',')) {
      const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
      if (match?.[1]) return match[1];
    }
  }
  const page = headers.get('x-next-page');
  if (!page || !/^\d+$/.test(page.trim())) return null;
  const next = new URL(url);
  next.searchParams.set('page', page.trim());
  return next.toString();
}

/** A URL without query values that could be private (none are secrets, but keep logs short). */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return url;
  }
}
