import { z } from 'zod';
import type { FlowQuery, FlowResult } from '@paved/schemas';
import type { Warehouse } from '../warehouse/client.js';
import { dayStart } from './dora.js';

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

const CYCLE = `if(deployed_at IS NULL, NULL, dateDiff('millisecond', coalesce(first_commit_at, opened_at), assumeNotNull(deployed_at)) / 3600000)`;
const MEDIANS = `
    count() AS prs,
    quantileExactInclusiveIf(0.5)(assumeNotNull(coding_hours), coding_hours IS NOT NULL) AS coding_p50_raw, countIf(coding_hours IS NOT NULL) AS coding_n,
    quantileExactInclusiveIf(0.5)(assumeNotNull(pickup_hours), pickup_hours IS NOT NULL) AS pickup_p50_raw, countIf(pickup_hours IS NOT NULL) AS pickup_n,
    quantileExactInclusiveIf(0.5)(assumeNotNull(review_hours), review_hours IS NOT NULL) AS review_p50_raw, countIf(review_hours IS NOT NULL) AS review_n,
    quantileExactInclusiveIf(0.5)(assumeNotNull(deploy_hours), deploy_hours IS NOT NULL) AS deploy_p50_raw, countIf(deploy_hours IS NOT NULL) AS deploy_n,
    quantileExactInclusiveIf(0.5)(assumeNotNull(${CYCLE}), deployed_at IS NOT NULL) AS cycle_p50_raw, countIf(deployed_at IS NOT NULL) AS cycle_n`;
const PICK = `prs, if(coding_n = 0, NULL, round(coding_p50_raw, 2)) AS coding_p50, if(pickup_n = 0, NULL, round(pickup_p50_raw, 2)) AS pickup_p50,
    if(review_n = 0, NULL, round(review_p50_raw, 2)) AS review_p50, if(deploy_n = 0, NULL, round(deploy_p50_raw, 2)) AS deploy_p50, if(cycle_n = 0, NULL, round(cycle_p50_raw, 2)) AS cycle_p50`;
const WHERE = `merged_at >= {from:DateTime64(3, 'UTC')} AND merged_at < {to:DateTime64(3, 'UTC')} AND NOT author_bot AND ({team:String} = '' OR team = {team:String})`;

/** PR cycle time in four stages (coding, pickup, review, deploy), per team, with the slowest PRs. */
export async function flowMetrics(warehouse: Warehouse, query: FlowQuery): Promise<FlowResult> {
  const params = { from: dayStart(query.from), to: dayStart(query.to), team: query.team ?? '' };
  const [overall, teams, slowest] = await Promise.all([
    warehouse.query(`SELECT 'all' AS team, ${PICK} FROM (SELECT ${MEDIANS} FROM {{db}}.t_pr_flow WHERE ${WHERE})`, params, TeamFlowRow),
    warehouse.query(`SELECT team, ${PICK} FROM (SELECT team, ${MEDIANS} FROM {{db}}.t_pr_flow WHERE ${WHERE} GROUP BY team) ORDER BY cycle_p50 DESC NULLS LAST, team`, params, TeamFlowRow),
    warehouse.query(`
      SELECT repo, number, title, team, author_login, merged_at AS merged_at, round(coding_hours, 2) AS coding_hours, round(pickup_hours, 2) AS pickup_hours,
             round(review_hours, 2) AS review_hours, round(deploy_hours, 2) AS deploy_hours, round(${CYCLE}, 2) AS cycle_hours, deployment_id
      FROM {{db}}.t_pr_flow WHERE ${WHERE}
      ORDER BY coalesce(${CYCLE}, dateDiff('millisecond', coalesce(first_commit_at, opened_at), merged_at) / 3600000) DESC
      LIMIT 25`, params, SlowPrRow),
  ]);
  return { from: query.from, to: query.to, scope: { team: query.team ?? null }, overall: overall[0]!, teams, slowest };
}
