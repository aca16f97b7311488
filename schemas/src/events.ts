import { z } from 'zod';
import { Instant } from './time.js';

/** Bumped when a canonical event changes shape; the sink accepts every version it knows. */
export const SCHEMA_VERSION = 1 as const;

/** The sources that ship with Paved, plus Paved's own producers (catalog, survey, paved). */
export const BUILT_IN_SOURCES = ['github', 'gitlab', 'jira', 'pagerduty', 'opsgenie', 'generic', 'catalog', 'survey', 'paved'] as const;

/**
 * Where an event came from: a built-in source or the id of a source plugin (ingest/src/sources),
 * so adding a source needs no change here. docs/sources/adding-a-source.md.
 */
export const EventSource = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a source id: lower-case letters, digits and "-", e.g. github');
export type EventSource = z.infer<typeof EventSource>;

/** Where the source delivery that produced an event is archived, so it can be replayed. */
export const RawRef = z.object({
  /** Source delivery id (X-GitHub-Delivery, PagerDuty event id, sender's id, backfill request key). */
  delivery_id: z.string().min(1),
  /** Source event name as sent (e.g. `pull_request`, `incident.resolved`). */
  event: z.string(),
});
export type RawRef = z.infer<typeof RawRef>;

export const Actor = z.object({
  login: z.string().nullable(),
  name: z.string().nullable().default(null),
  email: z.string().nullable().default(null),
  bot: z.boolean().default(false),
});
export type Actor = z.infer<typeof Actor>;

export const Sha = z.string().regex(/^[0-9a-f]{7,64}$/i, 'expected a git sha (hex)').transform((s) => s.toLowerCase());

export const Commit = z.object({
  sha: Sha,
  repo: z.string(),
  author: Actor,
  authored_at: Instant,
  committed_at: Instant,
  message: z.string(),
  /** Parent shas when the source tells them (push payloads do not). */
  parents: z.array(Sha).default([]),
  /** The sha this commit reverts ("This reverts commit <sha>."), when it is a revert. */
  reverts_sha: Sha.nullable().default(null),
  /**
   * Paths the commit added, modified or removed (both paths of a rename), relative to the
   * repository root, when the source told them (push payloads, backfill's commit detail); null
   * when unknown. Decides which services of a monorepo the commit counts for (docs/metrics.md).
   */
  files: z.array(z.string()).nullable().default(null),
});
export type Commit = z.infer<typeof Commit>;

export const Push = z.object({
  repo: z.string(),
  ref: z.string(),
  /** All zeros when the push created the branch. */
  before: Sha,
  /** `after`, or `head_commit.id` when the sender left `after` out. */
  after: Sha,
  pushed_at: Instant,
  pusher: Actor,
  /** The pushed commits, oldest first, as the source ordered them. */
  commits: z.array(Sha),
  forced: z.boolean().default(false),
});
export type Push = z.infer<typeof Push>;

/**
 * What GitHub's compare API said lies between two shas (`base...head`): the source of truth for a
 * deployment's change set when base is the previous production deployment's sha (README, "Change set").
 */
export const Compare = z.object({
  repo: z.string(),
  base: Sha,
  head: Sha,
  /** GitHub's verdict: `ahead` (head descends from base), `behind`, `diverged` or `identical`. */
  status: z.enum(['ahead', 'behind', 'diverged', 'identical']),
  /** The commits reachable from head and not from base, oldest first. */
  commits: z.array(Sha),
  total_commits: z.number().int().nonnegative(),
  fetched_at: Instant,
});
export type Compare = z.infer<typeof Compare>;

export const PullRequest = z.object({
  number: z.number().int().positive(),
  repo: z.string(),
  title: z.string(),
  author: Actor,
  labels: z.array(z.string()),
  state: z.enum(['open', 'closed', 'merged']),
  base_ref: z.string().nullable(),
  head_sha: Sha.nullable(),
  merge_commit_sha: Sha.nullable(),
  opened_at: Instant,
  first_commit_at: Instant.nullable(),
  first_review_at: Instant.nullable(),
  approved_at: Instant.nullable(),
  merged_at: Instant.nullable(),
  closed_at: Instant.nullable(),
  /** The PR's own commits, oldest first: they stand in for a squash or rebase merge commit. */
  commit_shas: z.array(Sha),
  /** Last change of the PR at the source; the newest version wins in the warehouse. */
  updated_at: Instant,
});
export type PullRequest = z.infer<typeof PullRequest>;

export const ReviewState = z.enum(['approved', 'changes_requested', 'commented', 'dismissed', 'pending']);
export const Review = z.object({
  id: z.string(),
  repo: z.string(),
  pr_number: z.number().int().positive(),
  reviewer: Actor,
  state: ReviewState,
  submitted_at: Instant,
});
export type Review = z.infer<typeof Review>;

export const DeploymentStatus = z.enum(['pending', 'queued', 'in_progress', 'success', 'failure', 'error', 'inactive', 'cancelled']);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const Deployment = z.object({
  /** Unique across sources, e.g. `github:owner/repo:123456`, `actions:owner/repo:run/987`, `argocd:payments:42`. */
  id: z.string().min(1),
  repo: z.string(),
  /** Set when the sender names the service; otherwise resolved from the catalog (repo + path). */
  service: z.string().nullable(),
  /** Monorepo path the deployment covers, when known. */
  path: z.string().nullable().default(null),
  environment: z.string(),
  sha: Sha.nullable(),
  ref: z.string().nullable().default(null),
  status: DeploymentStatus,
  started_at: Instant,
  finished_at: Instant.nullable(),
  /** Time of this status: the newest status wins. */
  status_at: Instant,
  creator: Actor,
  workflow_name: z.string().nullable(),
  source_system: z.string(),
  url: z.string().nullable().default(null),
});
export type Deployment = z.infer<typeof Deployment>;

export const IncidentSeverity = z.enum(['critical', 'high', 'medium', 'low', 'unknown']);
export const Incident = z.object({
  /** Unique across sources, e.g. `github:owner/repo#12`, `gitlab:group/project#7`, `jira:OPS-12`, `pagerduty:Q1ABC`. */
  id: z.string().min(1),
  source: EventSource,
  service: z.string().nullable(),
  repo: z.string().nullable().default(null),
  severity: IncidentSeverity,
  title: z.string(),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  opened_at: Instant,
  acknowledged_at: Instant.nullable(),
  resolved_at: Instant.nullable(),
  /** Explicit links written by a person (`deployment: <id>` / `root cause: <sha>`) or sent by the source. */
  linked_deployment_ids: z.array(z.string()).default([]),
  linked_shas: z.array(Sha).default([]),
  url: z.string().nullable().default(null),
  updated_at: Instant,
});
export type Incident = z.infer<typeof Incident>;

export const CatalogEntity = z.object({
  service: z.string().min(1),
  team: z.string().nullable(),
  tier: z.string().nullable().default(null),
  repo: z.string().nullable(),
  /** Monorepo path prefix ('' or null for the whole repository). */
  path: z.string().nullable().default(null),
  lifecycle: z.string().nullable().default(null),
  system: z.string().nullable().default(null),
  /** Backstage `metadata.annotations`, e.g. `backstage.io/source-template`. */
  annotations: z.record(z.string(), z.string()).default({}),
  /** The golden-path template the service was created from, when any. */
  source_template: z.string().nullable().default(null),
  created_at: Instant.nullable().default(null),
  updated_at: Instant,
});
export type CatalogEntity = z.infer<typeof CatalogEntity>;

export const AdoptionEvent = z.object({
  id: z.string().min(1),
  kind: z.enum(['template_run', 'service_created', 'pipeline_adopted', 'pipeline_removed', 'docs_published', 'other']),
  service: z.string().nullable(),
  team: z.string().nullable(),
  template: z.string().nullable().default(null),
  occurred_at: Instant,
  detail: z.string().default(''),
});
export type AdoptionEvent = z.infer<typeof AdoptionEvent>;
