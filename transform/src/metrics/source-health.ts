import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import { sqlFiles } from './sql-files.js';

/*
 * Data health per source as people name their tools: the archive's `generic` deliveries are split
 * by who sent them (Argo CD and Flux post to /webhooks/deployments), and GitLab says how many pushes
 * listed only their newest 20 commits and how many of those the compare API completed.
 */

/** One row of Data health's Sources table. `origin` is the archive's source, or argocd / flux for generic bodies they sent. */
export const SourceRow = z.object({
  origin: z.string(),
  last_received: z.string(),
  deliveries: z.coerce.number(),
  ignored: z.coerce.number(),
  dead_lettered: z.coerce.number(),
});
export type SourceRow = z.infer<typeof SourceRow>;

/** GitLab pushes whose Push Hook listed fewer commits than `total_commits_count` (GitLab sends the newest 20). */
export const GitlabTruncation = z.object({
  truncated: z.coerce.number(),
  completed: z.coerce.number(),
  /** Truncated pushes no completion followed: their older commits are missing from lead time and change sets. */
  not_fetched: z.coerce.number(),
  last_truncated: z.string().nullable(),
  example_delivery: z.string().nullable(),
});
export type GitlabTruncation = z.infer<typeof GitlabTruncation>;

export interface SourceHealth {
  sources: SourceRow[];
  gitlabPushes: GitlabTruncation;
}

/** The phrases the GitLab normaliser records (ingest/src/gitlab/normalise.ts, GITLAB_ASSUMED); kept in step by source-health.test.ts. */
export const GITLAB_TRUNCATED_PREFIX = 'GitLab push listed fewer commits than total_commits_count';
export const GITLAB_COMPLETED_PREFIX = 'GitLab push completed through the compare API';

/** queries/source_health/*.sql. */
const SQL = sqlFiles('queries/source_health', ['by_source', 'by_sender', 'gitlab_pushes']);

export async function sourceHealth(warehouse: Warehouse): Promise<SourceHealth> {
  const [bySource, generic, pushes] = await Promise.all([
    warehouse.query(SQL.by_source.for(warehouse), {}, SourceRow),
    warehouse.query(SQL.by_sender.for(warehouse), {}, SourceRow),
    warehouse.query(SQL.gitlab_pushes.for(warehouse), { truncatedPrefix: GITLAB_TRUNCATED_PREFIX, completedPrefix: GITLAB_COMPLETED_PREFIX }, GitlabTruncation),
  ]);
  const sources = [...bySource, ...generic].sort((a, b) => a.origin.localeCompare(b.origin));
  return { sources, gitlabPushes: pushes[0] ?? { truncated: 0, completed: 0, not_fetched: 0, last_truncated: null, example_delivery: null } };
}
