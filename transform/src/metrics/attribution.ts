import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import { sqlFiles } from './sql-files.js';

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

/** queries/attribution/*.sql. */
const SQL = sqlFiles('queries/attribution', ['totals', 'uncounted_examples', 'assumed_examples']);

export async function changeSetAttributionHealth(warehouse: Warehouse, examples = 5): Promise<ChangeSetAttributionHealth> {
  const [totals, uncountedExamples, assumedExamples] = await Promise.all([
    warehouse.query(SQL.totals.for(warehouse), {}, Totals),
    warehouse.query(SQL.uncounted_examples.for(warehouse), { examples }, UncountedCommit),
    warehouse.query(SQL.assumed_examples.for(warehouse), { examples }, AssumedCommit),
  ]);
  const total = totals[0]!;
  return { uncounted: total.uncounted, uncountedExamples, assumed: total.assumed, assumedExamples, stoppedAtForcePush: total.force_push };
}
