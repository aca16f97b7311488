import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import { ALL_HISTORY, serviceCatalog } from './catalog.js';
import { dayStart, scopeParams, scopeWhere, type Scope } from './dora.js';
import { sqlFiles } from './sql-files.js';

/** A window and scope, as the dashboard and the API take them. */
export interface Window extends Scope {
  from: string;
  to: string;
}

/** queries/explore/*.sql. */
const SQL = sqlFiles('queries/explore', [
  'series', 'ranking', 'deployments', 'changes', 'failure_links', 'incidents',
  'health_sources', 'health_dead_letters', 'health_coverage', 'health_runs', 'health_assumptions', 'health_unresolved_references',
]);

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);
const params = (window: Window) => ({ from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) });

const SeriesRow = z.object({
  week: z.string(), deployments: num, failed: num, rework: num, recovery_p50: nullableNum,
  lead_p50: nullableNum, lead_p75: nullableNum, lead_p90: nullableNum, changes: num,
});
export type SeriesPoint = z.infer<typeof SeriesRow> & { changeFailureRate: number | null; reworkRate: number | null };

/** The five keys per Monday-starting week, with lead-time p50/p75/p90 bands. */
export async function doraSeries(warehouse: Warehouse, window: Window): Promise<SeriesPoint[]> {
  const rows = await warehouse.query(SQL.series.for(warehouse, { scope: scopeWhere(window) }), params(window), SeriesRow);
  return rows.map((row) => ({
    ...row,
    changeFailureRate: row.deployments ? row.failed / row.deployments : null,
    reworkRate: row.deployments ? row.rework / row.deployments : null,
  }));
}

const RankingRow = z.object({
  key: z.string(), team: z.string(), golden_path: z.coerce.boolean(), services: num, deployments: num, per_week: num,
  /** Median over the key's services of each one's deployments per week (the basis of a team's level); per_week for a service. */
  per_service_per_week: num, failed: num,
  change_failure_rate: nullableNum, recovery_p50: nullableNum, rework_rate: nullableNum, lead_p50: nullableNum, changes: num,
});
export type RankingRow = z.infer<typeof RankingRow>;

/**
 * Services (or teams) with each key, for the ranked table: every service of the catalog in scope
 * (catalog.ts; the same list Adoption counts), with 0 deployments when it shipped nothing in the window.
 */
export async function ranking(warehouse: Warehouse, window: Window, by: 'service' | 'team'): Promise<RankingRow[]> {
  const key = by === 'service' ? 'service' : 'team';
  const days = (Date.parse(window.to) - Date.parse(window.from)) / 86_400_000;
  return warehouse.query(SQL.ranking.for(warehouse, { scope: scopeWhere(window), key }), { ...params(window), days }, RankingRow);
}

const DeploymentRow = z.object({
  id: z.string(), service: z.string(), team: z.string(), repo: z.string(), sha: z.string().nullable(), deployed_at: z.string(),
  change_set_method: z.string(), commits: num, failed: z.coerce.boolean(), failure_methods: z.array(z.string()),
  recovery_hours: nullableNum, rework: z.coerce.boolean(), rework_reasons: z.array(z.string()), golden_path: z.coerce.boolean(),
  creator_login: z.string().nullable(), workflow_name: z.string().nullable(), url: z.string().nullable(),
});
export type DeploymentRow = z.infer<typeof DeploymentRow>;

/** Production deployments in the window, newest first (optionally only failed ones, or only those that shipped commits). */
export async function deployments(warehouse: Warehouse, window: Window, options: { failedOnly?: boolean; withCommitsOnly?: boolean; limit?: number } = {}): Promise<DeploymentRow[]> {
  return warehouse.query(
    SQL.deployments.for(warehouse, { scope: scopeWhere(window) }),
    { ...params(window), failedOnly: options.failedOnly ?? false, withCommitsOnly: options.withCommitsOnly ?? false, limit: options.limit ?? 500 },
    DeploymentRow,
  );
}

const ChangeRow = z.object({
  deployment_id: z.string(), sha: z.string(), via: z.string(), authored_at: z.string().nullable(), lead_hours: nullableNum,
  is_revert: z.coerce.boolean(), pr_number: nullableNum, fix_pr: z.coerce.boolean(), message: z.string(), author: z.string().nullable(),
});
const LinkRow = z.object({ deployment_id: z.string(), method: z.string(), incident_id: z.string().nullable(), other_deployment_id: z.string().nullable(), evidence: z.string() });
const IncidentRow = z.object({
  id: z.string(), source: z.string(), service: z.string(), team: z.string(), severity: z.string(), title: z.string(), status: z.string(),
  opened_at: z.string(), resolved_at: z.string().nullable(), url: z.string().nullable(), restore_hours: nullableNum,
});
export type IncidentRow = z.infer<typeof IncidentRow>;

export interface Explanation {
  metric: string;
  deployments: DeploymentRow[];
  changes: z.infer<typeof ChangeRow>[];
  failureLinks: z.infer<typeof LinkRow>[];
  incidents: IncidentRow[];
}

export const ExplainMetric = z.enum(['deploymentFrequency', 'leadTime', 'changeFailureRate', 'recovery', 'reworkRate']);

/**
 * The rows behind a number: the deployments counted (for lead time, those that shipped commits; for
 * the failure keys, the failed ones; for rework, the rework ones), their change sets (with each
 * commit's lead time and how it was found), the failure links with method and evidence, and the incidents.
 */
export async function explain(warehouse: Warehouse, window: Window, metric: z.infer<typeof ExplainMetric>, options: { deploymentId?: string; limit?: number } = {}): Promise<Explanation> {
  const limit = options.limit ?? 200;
  const only = options.deploymentId ?? '';
  // Lead time is over commits: its rows are the deployments that shipped some (the newest deployments
  // of a window are often redeploys without commits, which left the commit table empty).
  const deploymentRows = (await deployments(warehouse, window, {
    failedOnly: metric === 'changeFailureRate' || metric === 'recovery', withCommitsOnly: metric === 'leadTime' && !only, limit: only ? 100_000 : limit,
  }))
    .filter((d) => !only || d.id === only)
    .filter((d) => metric !== 'reworkRate' || d.rework || only);
  const ids = deploymentRows.map((d) => d.id);
  const [changes, failureLinks, incidents] = await Promise.all([
    metric === 'leadTime' || metric === 'reworkRate' || only
      ? warehouse.query(SQL.changes.for(warehouse), { ids }, ChangeRow)
      : Promise.resolve([]),
    warehouse.query(SQL.failure_links.for(warehouse), { ids }, LinkRow),
    warehouse.query(SQL.incidents.for(warehouse, { scope: scopeWhere(window) }), { ids, metric, only, ...params(window) }, IncidentRow),
  ]);
  return { metric, deployments: deploymentRows, changes, failureLinks, incidents };
}

/**
 * Teams and services for filters: the service catalog (catalog.ts) as of the window, or, without
 * one, of all history (every service of the catalog or ever deployed to production).
 */
export async function scopeOptions(warehouse: Warehouse, window?: { from: string; to: string }): Promise<{ teams: string[]; services: { service: string; team: string; goldenPath: boolean }[] }> {
  const rows = await serviceCatalog(warehouse, window ?? ALL_HISTORY);
  return { teams: [...new Set(rows.map((r) => r.team))], services: rows.map((r) => ({ service: r.service, team: r.team, goldenPath: r.goldenPath })) };
}

const FreshnessRow = z.object({ source: z.string(), last_received: z.string(), deliveries: num, dead_lettered: num, ignored: num });
const DeadLetterRow = z.object({ step: z.string(), reason: z.string(), count: num, last_failed: z.string() });
const CoverageRow = z.object({ deployments: num, with_change_set: num, mapped_by_catalog: num, unmapped_repos: z.array(z.string()), unmapped_incidents: num });
const RunRow = z.object({ job: z.string(), started_at: z.string(), finished_at: z.string().nullable(), status: z.string(), detail: z.string() });
const UnresolvedRow = z.object({ unresolved: num, examples: z.array(z.string()) });
const AssumptionRow = z.object({
  source: z.string(), event: z.string(), assumption: z.string(), deliveries: num, example_delivery: z.string(), example_payload: z.string(), last_seen: z.string(),
});

export interface DataHealth {
  sources: z.infer<typeof FreshnessRow>[];
  deadLetters: z.infer<typeof DeadLetterRow>[];
  deadLetterTotal: number;
  /** What normalisers assumed about fields senders left out, per source, event and assumption, with an example delivery. */
  assumptions: z.infer<typeof AssumptionRow>[];
  /** Deployment references written on incidents that match no production deployment (docs/metrics.md, "Incident references"). */
  unresolvedReferences: z.infer<typeof UnresolvedRow>;
  coverage: z.infer<typeof CoverageRow>;
  runs: z.infer<typeof RunRow>[];
}

/** Sources and their last event, dead letters by reason, mapping gaps, change-set coverage and job runs. */
export async function dataHealth(warehouse: Warehouse): Promise<DataHealth> {
  const [sources, deadLetters, coverage, runs, assumptions, unresolved] = await Promise.all([
    warehouse.query(SQL.health_sources.for(warehouse), {}, FreshnessRow),
    warehouse.query(SQL.health_dead_letters.for(warehouse), {}, DeadLetterRow),
    warehouse.query(SQL.health_coverage.for(warehouse), {}, CoverageRow),
    warehouse.query(SQL.health_runs.for(warehouse), {}, RunRow),
    warehouse.query(SQL.health_assumptions.for(warehouse), {}, AssumptionRow),
    warehouse.query(SQL.health_unresolved_references.for(warehouse), {}, UnresolvedRow),
  ]);
  return {
    sources, deadLetters, deadLetterTotal: deadLetters.reduce((sum, row) => sum + row.count, 0), assumptions, unresolvedReferences: unresolved[0] ?? { unresolved: 0, examples: [] },
    coverage: coverage[0]!, runs,
  };
}
