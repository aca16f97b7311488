import { z } from 'zod';
import type { DoraQuery, DoraResult } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { changeFailureRateLevel, deploymentFrequencyLevel, leadTimeLevel, recoveryLevel, type BenchmarkProfile } from './levels.js';
import { sqlFiles } from './sql-files.js';

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

/**
 * The scope filter on the catalog's team and golden path of t_dora_daily's rows (the catalog of
 * services, fragments/service_catalog.sql), for the medians over services. A single service needs no catalog.
 */
export function catalogScopeWhere(scope: Scope): string {
  const parts: string[] = [];
  if (scope.team) parts.push('catalog_team = {team:String}');
  if (scope.goldenPath !== undefined) parts.push('catalog_golden = {golden:Bool}');
  return parts.length ? parts.join(' AND ') : '1';
}

/** The parameters `scopeWhere` names. */
export function scopeParams(scope: Scope): { team: string; service: string; golden: boolean } {
  return { team: scope.team ?? '', service: scope.service ?? '', golden: scope.goldenPath ?? false };
}
export const WINDOW = `deployed_at >= {from:DateTime64(3, 'UTC')} AND deployed_at < {to:DateTime64(3, 'UTC')}`;

/**
 * The first Monday on or after `from` (weeks, Monday–Sunday, lying wholly inside the window start
 * there) and the number of such weeks before `to`, both `YYYY-MM-DD` days. Computed here once and
 * passed as the parameters `{first_monday:Date}` and `{whole_weeks:Int64}`: written as SQL
 * expressions of `{from}` and `{to}` they appeared a dozen times in the DORA statement, and ClickHouse
 * analysed and folded each one on every read (a few ms of the statement's fixed cost).
 */
export function wholeWeeksOf(from: string, to: string): { firstMonday: string; wholeWeeks: number } {
  const start = Date.parse(`${from}T00:00:00Z`);
  const isoDay = ((new Date(start).getUTCDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
  const firstMonday = isoDay === 1 ? start : start + (8 - isoDay) * 86_400_000;
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - firstMonday) / 86_400_000);
  return { firstMonday: new Date(firstMonday).toISOString().slice(0, 10), wholeWeeks: Math.max(0, Math.trunc(days / 7)) };
}

/** The parameters of the window: its bounds as DateTime64 and its whole weeks (wholeWeeksOf). */
function windowParams(query: { from: string; to: string }): { from: string; to: string; from_day: string; to_day: string; first_monday: string; whole_weeks: number } {
  const { firstMonday, wholeWeeks } = wholeWeeksOf(query.from, query.to);
  return { from: dayStart(query.from), to: dayStart(query.to), from_day: query.from, to_day: query.to, first_monday: firstMonday, whole_weeks: wholeWeeks };
}

/** queries/dora/*.sql: one service (from the entity-level tables), and a team or the organisation (from t_dora_daily). */
const SQL = sqlFiles('queries/dora', ['service', 'scope']);

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
const ScopeDoraRow = DoraRow.extend({ services: num, deployments_p50: nullableNum, per_service_deploy_days_p50: nullableNum });

/** Turns a `YYYY-MM-DD` date into the DateTime64 parameter for midnight UTC. */
export function dayStart(date: string): string {
  return `${date} 00:00:00.000`;
}

const round = (value: number | null | undefined, digits = 2): number | null => (value === null || value === undefined || Number.isNaN(value) ? null : Number(value.toFixed(digits)));

export async function doraMetrics(warehouse: Warehouse, query: DoraQuery, defaultProfile: BenchmarkProfile = '2023'): Promise<DoraResult> {
  const profile = query.profile ?? defaultProfile;
  const params = { ...windowParams(query), ...scopeParams(query) };
  // A single service is its own median: no per-service frequency, and no catalog to read.
  if (query.service) {
    const [row] = await warehouse.query(SQL.service.for(warehouse, { scope: scopeWhere(query) }), params, DoraRow);
    if (!row) throw new Error('the DORA query returned no row');
    return doraResultOf(query, row, undefined, profile);
  }
  const [row] = await warehouse.query(SQL.scope.for(warehouse, { scope: scopeWhere(query), catalog_scope: catalogScopeWhere(query) }), params, ScopeDoraRow);
  if (!row) throw new Error('the DORA query returned no row');
  return doraResultOf(query, row, { services: row.services, deployments_p50: row.deployments_p50, deploy_days_p50: row.per_service_deploy_days_p50 }, profile);
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
