import { z } from 'zod';
import type { AdoptionQuery, AdoptionResult } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { doraMetrics, dayStart } from './dora.js';
import type { BenchmarkProfile } from './levels.js';
import { sqlFiles } from './sql-files.js';

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);

/** The query is part of the API contract, in @paved/schemas. */
export { AdoptionQuery } from '@paved/schemas';

const TeamRow = z.object({ team: z.string(), services: num, golden_services: num, golden_share: nullableNum, deployments: num, golden_deployments: num, platform_deployments: num });
const WeekRow = z.object({ week: z.string(), deployments: num, golden_share: nullableNum, platform_share: nullableNum });
const TemplateRow = z.object({ template: z.string(), services: num, runs: num });
/** `services` counts those created after Paved's history starts; `before_history` those left out (their first deployment predates what Paved saw). */
const FirstDeployRow = z.object({ golden_path: z.coerce.boolean(), services: num, p50_hours: nullableNum, before_history: num });

/** The answer is part of the API contract too (zod, with every key described). */
export type { AdoptionResult } from '@paved/schemas';

/** queries/adoption/*.sql. */
const SQL = sqlFiles('queries/adoption', ['teams', 'weekly', 'templates', 'first_deployment']);

/** Golden-path and platform-pipeline adoption, template usage, time to first deployment and the golden-path comparison. */
export async function adoptionMetrics(warehouse: Warehouse, query: AdoptionQuery, profile: BenchmarkProfile = '2023'): Promise<AdoptionResult> {
  const params = { from: dayStart(query.from), to: dayStart(query.to), team: query.team ?? '' };
  const [teams, weekly, templates, firstDeploy, goldenPath, other] = await Promise.all([
    warehouse.query(SQL.teams.for(warehouse), params, TeamRow),
    warehouse.query(SQL.weekly.for(warehouse), params, WeekRow),
    warehouse.query(SQL.templates.for(warehouse), params, TemplateRow),
    warehouse.query(SQL.first_deployment.for(warehouse), params, FirstDeployRow),
    doraMetrics(warehouse, { from: query.from, to: query.to, team: query.team, goldenPath: true }, profile),
    doraMetrics(warehouse, { from: query.from, to: query.to, team: query.team, goldenPath: false }, profile),
  ]);
  const services = teams.reduce((sum, row) => sum + row.services, 0);
  const goldenServices = teams.reduce((sum, row) => sum + row.golden_services, 0);
  const deployments = weekly.reduce((sum, row) => sum + row.deployments, 0);
  const golden = weekly.reduce((sum, row) => sum + (row.golden_share ?? 0) * row.deployments, 0);
  const platform = weekly.reduce((sum, row) => sum + (row.platform_share ?? 0) * row.deployments, 0);
  return {
    from: query.from,
    to: query.to,
    scope: { team: query.team ?? null },
    headline: {
      services, goldenServices, goldenServiceShare: services ? goldenServices / services : null, deployments,
      goldenDeploymentShare: deployments ? Math.round((golden / deployments) * 10_000) / 10_000 : null,
      platformDeploymentShare: deployments ? Math.round((platform / deployments) * 10_000) / 10_000 : null,
    },
    teams,
    weekly,
    templates,
    timeToFirstDeployment: firstDeploy,
    comparison: { goldenPath, other },
  };
}
