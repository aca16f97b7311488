import { z } from 'zod';

/*
 * What backfill reads from the GitHub API, validated at the boundary. REST objects are kept whole
 * (they go into webhook-shaped deliveries unchanged); only the fields backfill itself needs are
 * checked here. The GraphQL pull request and the REST commit are also what the backfill
 * normaliser reads back from the raw archive.
 */

export const RestRepository = z.looseObject({
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  default_branch: z.string().optional(),
  archived: z.boolean().optional(),
});
export type RestRepository = z.infer<typeof RestRepository>;

export const RestDeployment = z.looseObject({
  id: z.number().int(),
  sha: z.string(),
  environment: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type RestDeployment = z.infer<typeof RestDeployment>;

export const RestDeploymentStatus = z.looseObject({
  id: z.number().int(),
  state: z.string(),
  created_at: z.string(),
});

export const RestIssue = z.looseObject({
  number: z.number().int(),
  updated_at: z.string(),
  state: z.string(),
});

export const RestRelease = z.looseObject({
  id: z.number().int(),
  created_at: z.string(),
  published_at: z.string().nullable(),
  draft: z.boolean(),
});

export const RestWorkflow = z.looseObject({ id: z.number().int(), name: z.string(), path: z.string() });
export const RestWorkflowRun = z.looseObject({
  id: z.number().int(),
  status: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

const GitPerson = z.object({ name: z.string().nullish(), email: z.string().nullish(), date: z.string().nullish() }).nullable();

/** A commit as `GET /repos/{owner}/{repo}/commits` and `.../pulls/{n}/commits` return it. */
export const RestCommit = z.looseObject({
  sha: z.string(),
  commit: z.looseObject({ author: GitPerson, committer: GitPerson, message: z.string() }),
  author: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
  committer: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
  parents: z.array(z.looseObject({ sha: z.string() })),
  /** Only in a single commit's detail (`GET /repos/{owner}/{repo}/commits/{ref}`), at most 300 per page. */
  files: z.array(z.looseObject({ filename: z.string(), previous_filename: z.string().optional() })).optional(),
});
export type RestCommit = z.infer<typeof RestCommit>;

/** GET /repos/{owner}/{repo}/compare/{base}...{head}: `commits` is one page (oldest first), `total_commits` all of them. */
export const RestCompare = z.looseObject({
  status: z.enum(['ahead', 'behind', 'diverged', 'identical']),
  total_commits: z.number().int().nonnegative(),
  commits: z.array(RestCommit),
});
export type RestCompare = z.infer<typeof RestCompare>;

export const RestReview = z.looseObject({
  id: z.number().int(),
  state: z.string(),
  submitted_at: z.string().nullish(),
  user: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
});

/** `backstage catalog-info.yaml` as `GET /repos/{owner}/{repo}/contents/{path}` returns a file. */
export const RestContentFile = z.looseObject({
  type: z.literal('file'),
  path: z.string(),
  sha: z.string(),
  content: z.string(),
  encoding: z.string(),
});

// ---------------------------------------------------------------------------------------------
// GraphQL: one query per page of pull requests, with their reviews and commits nested.

const GqlActor = z.object({ login: z.string(), __typename: z.string().optional() }).nullable();

export const GqlReview = z.object({
  databaseId: z.number().int().nullable(),
  state: z.string(),
  submittedAt: z.string().nullable(),
  author: GqlActor,
});
export type GqlReview = z.infer<typeof GqlReview>;

export const GqlCommit = z.object({
  commit: z.object({
    oid: z.string(),
    message: z.string(),
    authoredDate: z.string(),
    committedDate: z.string(),
    author: z.object({ name: z.string().nullable(), email: z.string().nullable(), user: z.object({ login: z.string() }).nullable() }).nullable(),
  }),
});
export type GqlCommit = z.infer<typeof GqlCommit>;

export const GqlPullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  state: z.enum(['OPEN', 'CLOSED', 'MERGED']),
  createdAt: z.string(),
  updatedAt: z.string(),
  mergedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  baseRefName: z.string().nullable(),
  headRefOid: z.string().nullable(),
  mergeCommit: z.object({ oid: z.string() }).nullable(),
  author: GqlActor,
  labels: z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()) }).nullable(),
  reviews: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean() }),
    nodes: z.array(GqlReview.nullable()),
  }).nullable(),
  commits: z.object({
    totalCount: z.number().int(),
    pageInfo: z.object({ hasNextPage: z.boolean() }),
    nodes: z.array(GqlCommit.nullable()),
  }),
});
export type GqlPullRequest = z.infer<typeof GqlPullRequest>;

export const GqlPullRequestPage = z.object({
  repository: z.object({
    pullRequests: z.object({
      pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      nodes: z.array(GqlPullRequest.nullable()),
    }),
  }).nullable(),
});

/** Nested first pages; a pull request with more reviews or commits is completed through REST. */
export const REVIEWS_PER_PR = 50;
export const COMMITS_PER_PR = 100;

export const PULL_REQUESTS_QUERY = /* GraphQL */ `
query BackfillPullRequests($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $after, orderBy: { field: UPDATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number title state createdAt updatedAt mergedAt closedAt baseRefName headRefOid
        mergeCommit { oid }
        author { login __typename }
        labels(first: 30) { nodes { name } }
        reviews(first: ${REVIEWS_PER_PR}) {
          pageInfo { hasNextPage }
          nodes { databaseId state submittedAt author { login __typename } }
        }
        commits(first: ${COMMITS_PER_PR}) {
          totalCount
          pageInfo { hasNextPage }
          nodes { commit { oid message authoredDate committedDate author { name email user { login } } } }
        }
      }
    }
  }
}`;

/** A REST pull request commit in the GraphQL shape (for pull requests with more commits than the query nests). */
export function gqlCommitOf(commit: RestCommit): GqlCommit {
  const authoredDate = commit.commit.author?.date ?? commit.commit.committer?.date ?? '';
  return {
    commit: {
      oid: commit.sha,
      message: commit.commit.message,
      authoredDate,
      committedDate: commit.commit.committer?.date ?? authoredDate,
      author: { name: commit.commit.author?.name ?? null, email: commit.commit.author?.email ?? null, user: commit.author ? { login: commit.author.login } : null },
    },
  };
}

export function gqlReviewOf(review: z.infer<typeof RestReview>): GqlReview {
  return {
    databaseId: review.id,
    state: review.state,
    submittedAt: review.submitted_at ?? null,
    author: review.user ? { login: review.user.login, __typename: review.user.type === 'Bot' ? 'Bot' : 'User' } : null,
  };
}
