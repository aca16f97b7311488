import { z } from 'zod';
import type { AdoptionQuery, AdoptionResult } from '@paved/schemas';
import type { Warehouse } from '../warehouse/client.js';
import { SERVICE_CATALOG_CTE } from './catalog.js';
import { doraMetrics, dayStart } from './dora.js';
import type { BenchmarkProfile } from './levels.js';

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

const TEAM = `({team:String} = '' OR team = {team:String})`;
const TEAM_NULLABLE = `({team:String} = '' OR ifNull(team, '') = {team:String})`;

/** Golden-path and platform-pipeline adoption, template usage, time to first deployment and the golden-path comparison. */
export async function adoptionMetrics(warehouse: Warehouse, query: AdoptionQuery, profile: BenchmarkProfile = '2023'): Promise<AdoptionResult> {
  const params = { from: dayStart(query.from), to: dayStart(query.to), team: query.team ?? '' };
  const [teams, weekly, templates, firstDeploy, goldenPath, other] = await Promise.all([
    warehouse.query(`
      WITH
      -- The one service catalog (catalog.ts), as the DORA ranking and frequency levels count it.
      ${SERVICE_CATALOG_CTE},
      services AS (SELECT service, team, golden_path AS golden FROM service_catalog),
      deps AS (
          SELECT team, count() AS deployments, countIf(golden_path) AS golden_deployments, countIf(via_platform) AS platform_deployments
          FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} GROUP BY team
      )
      SELECT s.team AS team, count() AS services, countIf(s.golden) AS golden_services, round(countIf(s.golden) / count(), 4) AS golden_share,
             any(d.deployments) AS deployments, any(d.golden_deployments) AS golden_deployments, any(d.platform_deployments) AS platform_deployments
      FROM services AS s LEFT JOIN deps AS d ON d.team = s.team
      WHERE ({team:String} = '' OR s.team = {team:String})
      GROUP BY s.team ORDER BY golden_share DESC, s.team
      SETTINGS join_use_nulls = 0`, params, TeamRow),
    warehouse.query(`
      SELECT toString(toMonday(deployed_at)) AS week, count() AS deployments, round(countIf(golden_path) / count(), 4) AS golden_share, round(countIf(via_platform) / count(), 4) AS platform_share
      FROM {{db}}.t_deployment_facts WHERE deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')} AND ${TEAM}
      GROUP BY week ORDER BY week`, params, WeekRow),
    warehouse.query(`
      SELECT template, sum(services) AS services, sum(runs) AS runs FROM (
          SELECT assumeNotNull(source_template) AS template, count() AS services, 0 AS runs FROM {{db}}.catalog_entities FINAL WHERE source_template IS NOT NULL AND ${TEAM_NULLABLE} GROUP BY template
          UNION ALL
          SELECT assumeNotNull(template), 0, count() FROM {{db}}.adoption_events FINAL WHERE kind = 'template_run' AND template IS NOT NULL
            AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')} AND ${TEAM_NULLABLE} GROUP BY template
      ) GROUP BY template ORDER BY services DESC, template`, params, TemplateRow),
    warehouse.query(`
      WITH firsts AS (SELECT service, min(deployed_at) AS first_deployed FROM {{db}}.t_deployment_facts GROUP BY service),
           (SELECT min(deployed_at) FROM {{db}}.t_deployment_facts) AS history_start
      SELECT (c.source_template IS NOT NULL OR mapContains(c.annotations, 'backstage.io/source-template')) AS golden_path,
             countIf(c.created_at >= history_start) AS services,
             if(services = 0, NULL, round(quantileExactInclusiveIf(0.5)(dateDiff('millisecond', assumeNotNull(c.created_at), f.first_deployed) / 3600000, c.created_at >= history_start), 2)) AS p50_hours,
             countIf(c.created_at < history_start) AS before_history
      FROM {{db}}.catalog_entities AS c FINAL
      INNER JOIN firsts AS f ON f.service = c.service
      WHERE c.created_at IS NOT NULL AND f.first_deployed >= assumeNotNull(c.created_at)
        AND ({team:String} = '' OR ifNull(c.team, '') = {team:String})
      GROUP BY golden_path ORDER BY golden_path DESC`, params, FirstDeployRow),
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
