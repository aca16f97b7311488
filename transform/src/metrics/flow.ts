import { z } from 'zod';
import type { FlowQuery, FlowResult } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { dayStart } from './dora.js';
import { sqlFiles } from './sql-files.js';

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);

/** The query is part of the API contract, in @paved/schemas. */
export { FlowQuery } from '@paved/schemas';

const TeamFlowRow = z.object({
  team: z.string(), prs: num, coding_p50: nullableNum, pickup_p50: nullableNum, review_p50: nullableNum, deploy_p50: nullableNum, cycle_p50: nullableNum,
});
const SlowPrRow = z.object({
  repo: z.string(), number: num, title: z.string(), team: z.string(), author_login: z.string().nullable(), merged_at: z.string(),
  coding_hours: nullableNum, pickup_hours: nullableNum, review_hours: nullableNum, deploy_hours: nullableNum, cycle_hours: nullableNum, deployment_id: z.string().nullable(),
});

/** The answer is part of the API contract too (zod, with every key described). */
export type { FlowResult } from '@paved/schemas';

/** queries/flow/*.sql: overall, per team, the slowest PRs. */
const SQL = sqlFiles('queries/flow', ['overall', 'teams', 'slowest']);

/** PR cycle time in four stages (coding, pickup, review, deploy), per team, with the slowest PRs. */
export async function flowMetrics(warehouse: Warehouse, query: FlowQuery): Promise<FlowResult> {
  const params = { from: dayStart(query.from), to: dayStart(query.to), team: query.team ?? '' };
  const [overall, teams, slowest] = await Promise.all([
    warehouse.query(SQL.overall.for(warehouse), params, TeamFlowRow),
    warehouse.query(SQL.teams.for(warehouse), params, TeamFlowRow),
    warehouse.query(SQL.slowest.for(warehouse), params, SlowPrRow),
  ]);
  return { from: query.from, to: query.to, scope: { team: query.team ?? null }, overall: overall[0]!, teams, slowest };
}
