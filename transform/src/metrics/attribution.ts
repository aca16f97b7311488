import { z } from 'zod';
import type { Warehouse } from '../warehouse/client.js';

/*
 * Data health for path-aware change sets (docs/metrics.md, "Change set"): commits that count for no
 * service of their monorepo, and commits counted at the repository level because their files are
 * unknown (an assumption), each with examples a person can look up.
 */

export const UncountedCommit = z.object({ repo: z.string(), sha: z.string(), files: z.array(z.string()), deployment_id: z.string() });
export type UncountedCommit = z.infer<typeof UncountedCommit>;
export const AssumedCommit = z.object({ repo: z.string(), sha: z.string(), services: z.array(z.string()), deployment_id: z.string() });
export type AssumedCommit = z.infer<typeof AssumedCommit>;

export interface ChangeSetAttributionHealth {
  /** Commits a change set walked over whose files touch no service's path nor a shared path. */
  uncounted: number;
  uncountedExamples: UncountedCommit[];
  /** Commits with unknown files counted for a service with a path (at the repository level). */
  assumed: number;
  assumedExamples: AssumedCommit[];
  /** Change sets whose push-chain walk stopped at a force push (a compare would have gone further). */
  stoppedAtForcePush: number;
}

const Totals = z.object({ uncounted: z.coerce.number(), assumed: z.coerce.number(), force_push: z.coerce.number() });

export async function changeSetAttributionHealth(warehouse: Warehouse, examples = 5): Promise<ChangeSetAttributionHealth> {
  const [totals, uncountedExamples, assumedExamples] = await Promise.all([
    warehouse.query(`
      SELECT (SELECT count() FROM {{db}}.t_uncounted_commits) AS uncounted,
             (SELECT uniqExact(repo, sha) FROM {{db}}.t_change_set_commits WHERE attribution = 'assumed') AS assumed,
             (SELECT count() FROM {{db}}.t_change_sets WHERE stopped_at = 'force_push') AS force_push`, {}, Totals),
    warehouse.query(`SELECT repo, sha, arraySlice(files, 1, 5) AS files, deployment_id FROM {{db}}.t_uncounted_commits ORDER BY repo, sha LIMIT {examples:UInt32}`, { examples }, UncountedCommit),
    warehouse.query(`
      SELECT repo, sha, groupArray(service) AS services, min(deployment_id) AS deployment_id
      FROM {{db}}.t_change_set_commits WHERE attribution = 'assumed'
      GROUP BY repo, sha ORDER BY repo, sha LIMIT {examples:UInt32}`, { examples }, AssumedCommit),
  ]);
  const total = totals[0]!;
  return { uncounted: total.uncounted, uncountedExamples, assumed: total.assumed, assumedExamples, stoppedAtForcePush: total.force_push };
}
