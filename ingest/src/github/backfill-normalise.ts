import type { CanonicalEventInput, Instant } from '@paved/schemas';
import { z } from 'zod';
import type { Delivery, NormaliseOutcome } from '../delivery.js';
import { actor, canonicalEvent, dlq, instant, issues, looksLikeBot, neverThrowing, validated, type DataOf } from '../payload.js';
import { GqlPullRequest, RestCommit, RestCompare } from './backfill-objects.js';

/*
 * Deliveries only backfill makes, for what a webhook cannot carry (see README, "Backfill"):
 * - `backfill.pull_request`: a pull request with its full commit list (authored times) and reviews,
 *   as the GraphQL API returned it;
 * - `backfill.commit`: one default-branch commit with its parents, as the REST API returned it;
 * - `backfill.compare`: the compare API's answer between two consecutive production deployments'
 *   shas (the commits a deployment shipped, with authored times).
 * They are archived raw like webhooks, so `paved replay` re-derives their events.
 */

export const BACKFILL_PULL_REQUEST = 'backfill.pull_request';
export const BACKFILL_COMMIT = 'backfill.commit';
export const BACKFILL_COMPARE = 'backfill.compare';

const Repository = z.object({ full_name: z.string().min(1) });
export const BackfillPullRequestPayload = z.object({ repository: Repository, pull_request: GqlPullRequest });
export type BackfillPullRequestPayload = z.infer<typeof BackfillPullRequestPayload>;
export const BackfillCommitPayload = z.object({ repository: Repository, ref: z.string().min(1), commit: RestCommit });
export type BackfillCommitPayload = z.infer<typeof BackfillCommitPayload>;

export const BackfillComparePayload = z.object({ repository: Repository, base: z.string().min(7), head: z.string().min(7), compare: RestCompare, fetched_at: z.string() });
export type BackfillComparePayload = z.infer<typeof BackfillComparePayload>;

export const isBackfillEvent = (event: string): boolean => event === BACKFILL_PULL_REQUEST || event === BACKFILL_COMMIT || event === BACKFILL_COMPARE;

export const normaliseGithubBackfill = neverThrowing('GitHub backfill', (delivery) => {
  if (delivery.event === BACKFILL_PULL_REQUEST) return pullRequest(delivery);
  if (delivery.event === BACKFILL_COMMIT) return commit(delivery);
  if (delivery.event === BACKFILL_COMPARE) return compare(delivery);
  return dlq(`"${delivery.event}" is not a backfill event`);
});

const REVERT = /This reverts commit ([0-9a-f]{7,64})/i;
const CREATED_BRANCH = '0'.repeat(40);

function pullRequest(delivery: Delivery): NormaliseOutcome {
  const parsed = BackfillPullRequestPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${BACKFILL_PULL_REQUEST} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const repo = parsed.data.repository.full_name;
  const pr = parsed.data.pull_request;
  const author = pr.author ? actor(pr.author.login, undefined, undefined, pr.author.__typename === 'Bot') : actor(undefined);

  const commits = pr.commits.nodes.flatMap((node) => (node ? [node.commit] : []));
  const commitEvents: CanonicalEventInput[] = commits.map((c) => {
    const authoredAt = instant(c.authoredDate) ?? delivery.receivedAt;
    const data: DataOf<'commit'> = {
      sha: c.oid,
      repo,
      author: actor(c.author?.user?.login ?? undefined, c.author?.name ?? undefined, c.author?.email ?? undefined),
      authored_at: authoredAt,
      committed_at: instant(c.committedDate) ?? authoredAt,
      message: c.message,
      parents: [],
      reverts_sha: REVERT.exec(c.message)?.[1]?.toLowerCase() ?? null,
    };
    return canonicalEvent(delivery, 'commit', c.oid.toLowerCase(), authoredAt, data);
  });

  // Pending reviews are drafts nobody saw; a PR author's own comments are not a review.
  const submitted = (pr.reviews?.nodes ?? []).flatMap((review) => {
    const submittedAt = review ? instant(review.submittedAt) : undefined;
    if (!review || review.databaseId === null || !submittedAt || review.state === 'PENDING') return [];
    return [{ ...review, databaseId: review.databaseId, submittedAt }];
  });
  const reviewEvents: CanonicalEventInput[] = submitted.map((review) => {
    const data: DataOf<'review'> = {
      // The database id is what the pull_request_review webhook calls review.id: both dedupe together.
      id: String(review.databaseId),
      repo,
      pr_number: pr.number,
      reviewer: review.author ? actor(review.author.login, undefined, undefined, review.author.__typename === 'Bot') : actor(undefined),
      state: reviewState(review.state),
      submitted_at: review.submittedAt,
    };
    return canonicalEvent(delivery, 'review', data.id, review.submittedAt, data);
  });
  const byOthers = submitted.filter((review) => !pr.author || review.author?.login !== pr.author.login);

  const updatedAt = instant(pr.updatedAt) ?? delivery.receivedAt;
  const data: DataOf<'pull_request'> = {
    number: pr.number,
    repo,
    title: pr.title,
    author,
    labels: (pr.labels?.nodes ?? []).flatMap((label) => (label ? [label.name] : [])),
    state: pr.state === 'MERGED' ? 'merged' : pr.state === 'CLOSED' ? 'closed' : 'open',
    base_ref: pr.baseRefName,
    head_sha: pr.headRefOid,
    merge_commit_sha: pr.mergeCommit?.oid ?? null,
    opened_at: instant(pr.createdAt) ?? updatedAt,
    first_commit_at: earliest(commits.map((c) => instant(c.authoredDate))),
    first_review_at: earliest(byOthers.map((review) => review.submittedAt)),
    approved_at: earliest(byOthers.filter((review) => review.state === 'APPROVED').map((review) => review.submittedAt)),
    merged_at: instant(pr.mergedAt) ?? null,
    closed_at: instant(pr.closedAt) ?? null,
    commit_shas: commits.map((c) => c.oid),
    updated_at: updatedAt,
  };
  const prEvent = canonicalEvent(delivery, 'pull_request', `${repo}#${pr.number}`, updatedAt, data);
  return validated([prEvent, ...reviewEvents, ...commitEvents]);
}

function reviewState(state: string): DataOf<'review'>['state'] {
  switch (state) {
    case 'APPROVED': return 'approved';
    case 'CHANGES_REQUESTED': return 'changes_requested';
    case 'DISMISSED': return 'dismissed';
    default: return 'commented';
  }
}

function earliest(times: (Instant | undefined)[]): Instant | null {
  let first: Instant | null = null;
  for (const time of times) if (time && (first === null || time < first)) first = time;
  return first;
}

/**
 * A default-branch commit becomes a commit event and a synthetic push `parent → sha` carrying only
 * that commit: the change-set walker follows `before` links, so one push per commit lets it walk
 * the first-parent history exactly as if every commit had been pushed on its own.
 */
function commit(delivery: Delivery): NormaliseOutcome {
  const parsed = BackfillCommitPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${BACKFILL_COMMIT} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const { repository, ref, commit: c } = parsed.data;
  const repo = repository.full_name;
  const authoredAt = instant(c.commit.author?.date) ?? instant(c.commit.committer?.date) ?? delivery.receivedAt;
  const committedAt = instant(c.commit.committer?.date) ?? authoredAt;
  const sha = c.sha.toLowerCase();
  const parents = c.parents.map((parent) => parent.sha.toLowerCase());
  const commitData: DataOf<'commit'> = {
    sha,
    repo,
    author: actor(c.author?.login, c.commit.author?.name ?? undefined, c.commit.author?.email ?? undefined, c.author?.type === 'Bot'),
    authored_at: authoredAt,
    committed_at: committedAt,
    message: c.commit.message,
    parents,
    reverts_sha: REVERT.exec(c.commit.message)?.[1]?.toLowerCase() ?? null,
    files: filesOf(c),
  };
  const pusherLogin = c.committer?.login;
  const pushData: DataOf<'push'> = {
    repo,
    ref,
    before: parents[0] ?? CREATED_BRANCH,
    after: sha,
    pushed_at: committedAt,
    pusher: actor(pusherLogin, c.commit.committer?.name ?? undefined, c.commit.committer?.email ?? undefined, c.committer?.type === 'Bot' || looksLikeBot(pusherLogin)),
    commits: [sha],
    forced: false,
  };
  return validated([
    canonicalEvent(delivery, 'push', `${repo}:${ref}:${sha}`, committedAt, pushData),
    canonicalEvent(delivery, 'commit', sha, authoredAt, commitData),
  ]);
}

/** Commit data from a REST commit object (the commits listing and the compare API share the shape). */
/** GitHub lists at most this many files of a commit on one page: a full page may be cut short. */
const FILES_PAGE = 300;

/** The files of a commit's detail (both paths of a rename); null without a detail, or when the list may be cut short. */
function filesOf(c: RestCommit): string[] | null {
  if (!c.files || c.files.length >= FILES_PAGE) return null;
  return [...new Set(c.files.flatMap((file) => (file.previous_filename ? [file.filename, file.previous_filename] : [file.filename])))];
}

function commitDataOf(repo: string, c: RestCommit, fallbackAt: Instant): DataOf<'commit'> {
  const authoredAt = instant(c.commit.author?.date) ?? instant(c.commit.committer?.date) ?? fallbackAt;
  return {
    sha: c.sha.toLowerCase(),
    repo,
    author: actor(c.author?.login, c.commit.author?.name ?? undefined, c.commit.author?.email ?? undefined, c.author?.type === 'Bot'),
    authored_at: authoredAt,
    committed_at: instant(c.commit.committer?.date) ?? authoredAt,
    message: c.commit.message,
    parents: c.parents.map((parent) => parent.sha.toLowerCase()),
    reverts_sha: REVERT.exec(c.commit.message)?.[1]?.toLowerCase() ?? null,
  };
}

/**
 * `backfill.compare`: the compare event (which commits lie between the two shas) plus a commit
 * event per commit, so their authored times are known even when no push carried them.
 */
function compare(delivery: Delivery): NormaliseOutcome {
  const parsed = BackfillComparePayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`${BACKFILL_COMPARE} payload does not fit: ${issues(parsed.error, delivery.payload)}`);
  const { repository, base, head, compare: answer, fetched_at: fetchedAt } = parsed.data;
  const repo = repository.full_name;
  const commits = answer.commits.map((c) => commitDataOf(repo, c, delivery.receivedAt));
  const at = instant(fetchedAt) ?? delivery.receivedAt;
  const data: DataOf<'compare'> = {
    repo, base: base.toLowerCase(), head: head.toLowerCase(), status: answer.status, commits: commits.map((c) => c.sha), total_commits: answer.total_commits, fetched_at: at,
  };
  return validated([
    canonicalEvent(delivery, 'compare', `${repo}:${data.base}...${data.head}`, at, data),
    ...commits.map((c) => canonicalEvent(delivery, 'commit', c.sha, c.authored_at, c)),
  ]);
}
