import { z } from 'zod';
import type { DoraQuery, DoraResult } from '@paved/schemas';
import type { Warehouse } from '../warehouse/client.js';
import { SERVICE_CATALOG_CTE } from './catalog.js';
import { changeFailureRateLevel, deploymentFrequencyLevel, leadTimeLevel, recoveryLevel, type BenchmarkProfile } from './levels.js';

/** The query and its default window (the last 90 days) are part of the API contract, in @paved/schemas. */
export { DoraQuery, doraWindow, lastNinetyDays } from '@paved/schemas';

/** The contract (zod) lives in @paved/schemas so that clients can validate what the API answers. */
export type { DoraResult } from '@paved/schemas';

export interface Scope {
  team?: string;
  service?: string;
  goldenPath?: boolean;
}

/**
 * The scope filter of a metric query as plain predicates on the columns `team`, `service` and
 * `golden_path`, for the parts of `scope` that are set (`1` when none is): a plain `team = …` lets
 * the table's sort key skip to the team, which `({team} = '' OR team = {team})` did not, and costs
 * about 3 ms less. Only the parameter names are written into the SQL; their values stay typed
 * parameters (`scopeParams`). The statement's text varies with which parts are set, so the result
 * cache keys each shape apart.
 */
export function scopeWhere(scope: Scope): string {
  const parts: string[] = [];
  if (scope.team) parts.push('team = {team:String}');
  if (scope.service) parts.push('service = {service:String}');
  if (scope.goldenPath !== undefined) parts.push('golden_path = {golden:Bool}');
  return parts.length ? parts.join(' AND ') : '1';
}

/** The parameters `scopeWhere` names. */
export function scopeParams(scope: Scope): { team: string; service: string; golden: boolean } {
  return { team: scope.team ?? '', service: scope.service ?? '', golden: scope.goldenPath ?? false };
}
export const WINDOW = `deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}`;

/** The first Monday on or after `from`: weeks (Monday–Sunday) lying wholly inside the window start there. */
const FIRST_MONDAY = `if(toDayOfWeek(toDate({from:DateTime64(3, 'UTC')})) = 1, toDate({from:DateTime64(3, 'UTC')}), toMonday(toDate({from:DateTime64(3, 'UTC')})) + 7)`;

/** The number of Monday–Sunday weeks lying wholly inside the window. */
const WHOLE_WEEKS = `toInt64(greatest(0, intDiv(dateDiff('day', ${FIRST_MONDAY}, toDate({to:DateTime64(3, 'UTC')})), 7)))`;

/**
 * The five keys over the scope, each source table read once. Weekly deploy days come from the same
 * scan of `t_deployment_facts` as the counts: the distinct deployment days, as the Mondays of their
 * weeks, counted for each whole week of the window (0 for a week without one); their median.
 * (ClickHouse inlines a CTE at every use, so scalar subqueries over a shared CTE would scan it
 * again per column.)
 */
function doraSql(scope: Scope): string {
  const where = scopeWhere(scope);
  return `
SELECT d.deployments AS deployments, d.deploy_days_p50 AS deploy_days_p50, l.changes AS changes, l.lead_quantiles AS lead_quantiles,
       d.failed_deployments AS failed_deployments, r.incidents AS incidents, r.restore_p50 AS restore_p50,
       d.recovered_failures AS recovered_failures, d.recovery_p50 AS recovery_p50, d.rework_deployments AS rework_deployments
FROM
    (SELECT count() AS deployments, countIf(failed) AS failed_deployments, countIf(failed AND recovery_hours IS NOT NULL) AS recovered_failures,
            if(recovered_failures = 0, NULL, quantileExactInclusiveIf(0.5)(ifNull(recovery_hours, 0), failed AND recovery_hours IS NOT NULL)) AS recovery_p50,
            countIf(rework) AS rework_deployments,
            arrayMap(x -> toMonday(x), groupUniqArray(toDate(deployed_at))) AS deploy_day_weeks,
            if(${WHOLE_WEEKS} = 0, NULL, arrayReduce('quantileExactInclusive(0.5)',
                arrayMap(i -> toFloat64(countEqual(deploy_day_weeks, ${FIRST_MONDAY} + 7 * i)), range(toUInt64(${WHOLE_WEEKS}))))) AS deploy_days_p50
     FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${where}) AS d
CROSS JOIN
    (SELECT count() AS changes, if(count() = 0, [], quantilesExactInclusive(0.5, 0.75, 0.9)(lead_hours)) AS lead_quantiles
     FROM {{db}}.t_changes WHERE ${WINDOW} AND ${where} AND lead_hours > 0) AS l
CROSS JOIN
    (SELECT count() AS incidents, if(count() = 0, NULL, quantileExactInclusive(0.5)(dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000)) AS restore_p50
     FROM {{db}}.t_incidents
     WHERE opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND resolved_at IS NOT NULL AND ${where}) AS r
`;
}

/**
 * Deployment frequency per service for a team or the organisation: the services of the catalog in
 * scope, each with its deployments in the window (0 when none) and its median deploy days over the
 * whole weeks of the window; then the median over services of both.
 */
function perServiceSql(scope: Scope): string {
  const where = scopeWhere(scope);
  return `
WITH ${SERVICE_CATALOG_CTE}
SELECT count() AS services,
       if(count() = 0, NULL, quantileExactInclusive(0.5)(toFloat64(deployments))) AS deployments_p50,
       if(count() = 0 OR ${WHOLE_WEEKS} = 0, NULL, quantileExactInclusive(0.5)(days_p50)) AS deploy_days_p50
FROM (
    -- Weeks without a deployment are not in week_days: they are the zeros that pad it to every whole week.
    SELECT s.service AS service, d.deployments AS deployments,
           arrayReduce('quantileExactInclusive(0.5)', arrayConcat(d.week_days, arrayWithConstant(toUInt64(greatest(0, ${WHOLE_WEEKS} - length(d.week_days))), toFloat64(0)))) AS days_p50
    FROM (SELECT service FROM service_catalog WHERE ${where}) AS s
    LEFT JOIN (
        SELECT service, sum(n) AS deployments, groupArrayIf(toFloat64(days), whole) AS week_days
        FROM (
            SELECT service, toMonday(toDate(deployed_at)) AS week, count() AS n, uniqExact(toDate(deployed_at)) AS days,
                   week >= ${FIRST_MONDAY} AND week + 7 <= toDate({to:DateTime64(3, 'UTC')}) AS whole
            FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${where} GROUP BY service, week
        )
        GROUP BY service
    ) AS d ON d.service = s.service
    SETTINGS join_use_nulls = 0
)
`;
}

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);
const DoraRow = z.object({
  deployments: num,
  deploy_days_p50: nullableNum,
  changes: num,
  lead_quantiles: z.array(num),
  failed_deployments: num,
  incidents: num,
  restore_p50: nullableNum,
  recovered_failures: num,
  recovery_p50: nullableNum,
  rework_deployments: num,
});

const PerServiceRow = z.object({ services: num, deployments_p50: nullableNum, deploy_days_p50: nullableNum });

/** Turns a `YYYY-MM-DD` date into the DateTime64 parameter for midnight UTC. */
export function dayStart(date: string): string {
  return `${date} 00:00:00.000`;
}

const round = (value: number | null | undefined, digits = 2): number | null => (value === null || value === undefined || Number.isNaN(value) ? null : Number(value.toFixed(digits)));

export async function doraMetrics(warehouse: Warehouse, query: DoraQuery, defaultProfile: BenchmarkProfile = '2023'): Promise<DoraResult> {
  const profile = query.profile ?? defaultProfile;
  const params = { from: dayStart(query.from), to: dayStart(query.to), ...scopeParams(query) };
  // A single service is its own median: the per-service query would only repeat the main one.
  const [[row], [perService]] = await Promise.all([
    warehouse.query(doraSql(query), params, DoraRow),
    query.service ? Promise.resolve([undefined]) : warehouse.query(perServiceSql(query), params, PerServiceRow),
  ]);
  if (!row) throw new Error('the DORA query returned no row');
  return doraResultOf(query, row, perService, profile);
}

/** The row of the DORA statement (one per scope and window). */
export type DoraRow = z.infer<typeof DoraRow>;
/** The row of the per-service frequency statement. */
export type PerServiceRow = z.infer<typeof PerServiceRow>;

/**
 * The answer from the two statements' rows (`perService` undefined for a single service). Exported
 * so that the peer benchmark (tools/bench/peer.ts) turns PostgreSQL's rows into the same answer.
 */
export function doraResultOf(query: DoraQuery, row: DoraRow, perService: PerServiceRow | undefined, profile: BenchmarkProfile): DoraResult {
  const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000;
  const perWeek = row.deployments === 0 ? null : round((row.deployments / days) * 7);
  const frequency = perService
    ? {
      services: perService.services,
      perServicePerWeekP50: perService.deployments_p50 === null ? null : round((perService.deployments_p50 / days) * 7),
      deployDaysPerWeekP50: round(perService.deploy_days_p50),
    }
    : { services: 1, perServicePerWeekP50: perWeek, deployDaysPerWeekP50: round(row.deploy_days_p50) };
  // No deployment in scope at all is "no data", as for the other keys, not "low".
  const frequencyLevel = row.deployments === 0 ? null : deploymentFrequencyLevel(frequency.perServicePerWeekP50, profile);
  const [p50, p75, p90] = row.lead_quantiles;
  const rate = row.deployments === 0 ? null : round(row.failed_deployments / row.deployments, 4);
  const reworkRate = row.deployments === 0 ? null : round(row.rework_deployments / row.deployments, 4);
  const recoveryP50 = round(row.recovery_p50);
  return {
    from: query.from,
    to: query.to,
    scope: { team: query.team ?? null, service: query.service ?? null, ...(query.goldenPath === undefined ? {} : { goldenPath: query.goldenPath }) },
    profile,
    deploymentFrequency: {
      deployments: row.deployments, perWeek, services: frequency.services, perServicePerWeekP50: frequency.perServicePerWeekP50,
      deployDaysPerWeekP50: frequency.deployDaysPerWeekP50, level: frequencyLevel,
    },
    leadTime: { p50Hours: round(p50), p75Hours: round(p75), p90Hours: round(p90), changes: row.changes, level: leadTimeLevel(round(p50), profile) },
    changeFailureRate: { rate, failedDeployments: row.failed_deployments, deployments: row.deployments, level: changeFailureRateLevel(rate, profile) },
    recovery: {
      timeToRestoreP50Hours: round(row.restore_p50), incidents: row.incidents,
      failedDeploymentRecoveryP50Hours: recoveryP50, failedDeployments: row.failed_deployments, recoveredDeployments: row.recovered_failures,
      level: recoveryLevel(recoveryP50, profile),
    },
    reworkRate: { rate: reworkRate, reworkDeployments: row.rework_deployments, deployments: row.deployments },
  };
}
