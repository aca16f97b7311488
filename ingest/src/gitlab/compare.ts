import { z } from 'zod';
import type { Delivery } from '../delivery.js';
import { fields, list, sha, text } from '../payload.js';

/*
 * GitLab lists only the newest 20 commits of a push. For a push that listed fewer than
 * `total_commits_count`, GitLab's compare API (`GET /projects/:id/repository/compare?from=<before>&to=<after>`)
 * gives all of them; the completed push then goes through the normaliser like the original
 * (docs/sources/gitlab.md, "Pushes of more than 20 commits").
 */

export interface GitlabApiOptions {
  /** REST API base, e.g. https://gitlab.com/api/v4 (sources.gitlab.apiUrl). */
  apiUrl: string;
  /** A token with read_api (GITLAB_TOKEN); sent as PRIVATE-TOKEN, never logged. */
  token: string;
  fetch?: typeof fetch;
  /** Waits on 429/503 (Retry-After or RateLimit-Reset) before giving up (default 3). */
  maxRetries?: number;
  /** Longest single wait GitLab may ask for before the call gives up (default 60 s). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const CompareCommit = z.object({
  id: z.string().regex(/^[0-9a-f]{40,64}$/i),
  message: z.string().optional(),
  title: z.string().optional(),
  author_name: z.string().nullish(),
  author_email: z.string().nullish(),
  authored_date: z.string().nullish(),
  created_at: z.string().nullish(),
});
const CompareResponse = z.object({
  commits: z.array(CompareCommit),
  compare_timeout: z.boolean().optional(),
});
export type GitlabCompare = z.infer<typeof CompareResponse>;

export class GitlabApiError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
  }
}

/** The commits between two shas of a project (oldest first, as GitLab lists them), waiting out rate limits. */
export async function fetchGitlabCompare(options: GitlabApiOptions, project: string, from: string, to: string): Promise<GitlabCompare> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const url = `${options.apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(project)}/repository/compare?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  for (let attempt = 0; ; attempt += 1) {
    const response = await doFetch(url, { headers: { 'private-token': options.token, accept: 'application/json' } });
    if (response.ok) {
      const parsed = CompareResponse.safeParse(await response.json());
      if (!parsed.success) throw new GitlabApiError(`GitLab compare of ${project} answered an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}`, response.status);
      return parsed.data;
    }
    if ((response.status === 429 || response.status === 503) && attempt < maxRetries) {
      const waitMs = retryWaitMs(response.headers, now());
      if (waitMs > maxWaitMs) throw new GitlabApiError(`GitLab asks to wait ${Math.ceil(waitMs / 1000)} s (rate limit): longer than ${maxWaitMs / 1000} s`, response.status);
      await sleep(waitMs);
      continue;
    }
    throw new GitlabApiError(`GitLab compare of ${project} ${from.slice(0, 12)}...${to.slice(0, 12)} answered ${response.status}${response.status === 401 || response.status === 403 ? ': check GITLAB_TOKEN has read_api on the project' : ''}`, response.status);
  }
}

/** `Retry-After` (seconds or a date), else `RateLimit-Reset` (epoch seconds), else one second. */
function retryWaitMs(headers: Headers, nowMs: number): number {
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

/** Whether a Push Hook delivery listed fewer commits than it had, and can be completed (it has a before to compare from). */
export function truncatedPush(delivery: Delivery): { project: string; before: string; after: string } | undefined {
  if (delivery.source !== 'gitlab' || delivery.event !== 'Push Hook') return undefined;
  const payload = fields(delivery.payload);
  if (!payload || payload.paved_completed === true) return undefined;
  const listed = list(payload.commits).length;
  const total = typeof payload.total_commits_count === 'number' ? payload.total_commits_count : listed;
  const before = sha(payload.before);
  const after = sha(payload.after);
  const project = text(fields(payload.project)?.path_with_namespace);
  // A branch creation (before all zeros) has nothing to compare from.
  if (total <= listed || !before || /^0+$/.test(before) || !after || !project) return undefined;
  return { project, before, after };
}

/**
 * The original delivery with every commit the compare found, as a Push Hook GitLab could have sent,
 * under its own delivery id so a repeat changes nothing. Commits the original listed keep their
 * file lists (the compare has none per commit); `total_commits_count` stays GitLab's, so a compare
 * that still misses commits is flagged again; `paved_completed` marks it.
 */
export function completedPushDelivery(original: Delivery, compare: GitlabCompare, receivedAt: string): Delivery {
  const payload = { ...fields(original.payload) };
  const listed = new Map(list(payload.commits).flatMap((commit) => {
    const id = sha(fields(commit)?.id);
    return id ? [[id, commit] as const] : [];
  }));
  const commits = compare.commits.map((commit) => listed.get(commit.id.toLowerCase()) ?? {
    id: commit.id,
    message: commit.message ?? commit.title ?? '',
    title: commit.title ?? '',
    timestamp: commit.authored_date ?? commit.created_at ?? null,
    author: { name: commit.author_name ?? null, email: commit.author_email ?? null },
  });
  return {
    source: 'gitlab',
    event: 'Push Hook',
    deliveryId: `${original.deliveryId}:compare`,
    receivedAt,
    payload: { ...payload, commits, paved_completed: true },
  };
}
