import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';
import { dayStart, type Scope, scopeParams, scopeWhere } from './dora.js';
import type { Window } from './explore.js';
import { sqlFiles } from './sql-files.js';

/*
 * Small read models the dashboard's pages and exports (queries/reads/*.sql) and the roadmap, ROI and
 * digests (queries/insights/*.sql) need beyond the metrics. They live here so that every read of the
 * metric tables goes through this package: the dashboard and @paved/insights call functions, not SQL.
 */

const SQL = sqlFiles('queries/reads', [
  'lead_time_histogram', 'warehouse_counts', 'deployment_time', 'incident_candidates', 'changes_export', 'prs_export',
  'gitlab_repos', 'freshness_sources', 'last_run', 'dead_letters_waiting', 'newest_deployment_day',
]);
const INSIGHTS = sqlFiles('queries/insights', [
  'deployment_names', 'adoption_change', 'initiative_deployments', 'initiative_changes', 'lead_times_per_deployment', 'failure_sample',
]);

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);
const params = (window: Window) => ({ from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) });

const HistogramRow = z.object({ bucket: num, changes: num });

/**
 * Changes (commits reaching production) per lead-time bucket: `edges` are the buckets' upper bounds in
 * hours (exclusive, ascending); the answer has one count per edge and a last one for lead times past
 * the last edge.
 */
export async function leadTimeHistogram(warehouse: Warehouse, window: Window, edges: readonly number[]): Promise<number[]> {
  const rows = await warehouse.query(SQL.lead_time_histogram.for(warehouse, { scope: scopeWhere(window) }), { ...params(window), edges }, HistogramRow);
  const byBucket = new Map(rows.map((r) => [r.bucket === 0 ? edges.length + 1 : r.bucket, r.changes]));
  return Array.from({ length: edges.length + 1 }, (_, i) => byBucket.get(i + 1) ?? 0);
}

const CountsRow = z.object({ deliveries: num, deployments: num, prs: num, incidents: num, catalog: num, first_deployment: z.string().nullable() });
export type WarehouseCounts = z.infer<typeof CountsRow>;

/** What has arrived at all, so empty pages can say which source to connect next. */
export async function warehouseCounts(warehouse: Warehouse): Promise<WarehouseCounts> {
  const [row] = await warehouse.query(SQL.warehouse_counts.for(warehouse), {}, CountsRow);
  return row ?? { deliveries: 0, deployments: 0, prs: 0, incidents: 0, catalog: 0, first_deployment: null };
}

const DeploymentTimeRow = z.object({ id: z.string(), deployed_at: z.string(), service: z.string() });

/** When a deployment happened, so a drill-down link can open a window that contains it. */
export async function deploymentTime(warehouse: Warehouse, id: string): Promise<z.infer<typeof DeploymentTimeRow> | null> {
  const [row] = await warehouse.query(SQL.deployment_time.for(warehouse), { id }, DeploymentTimeRow);
  return row ?? null;
}

const CandidateRow = z.object({ id: z.string(), title: z.string(), severity: z.string(), opened_at: z.string(), service: z.string() });

/** Incidents a person might link to a deployment: its service's, opened in the week after it. */
export async function incidentCandidates(warehouse: Warehouse, deploymentId: string): Promise<z.infer<typeof CandidateRow>[]> {
  return warehouse.query(SQL.incident_candidates.for(warehouse), { id: deploymentId }, CandidateRow);
}

const ChangeExportRow = z.object({
  deployment_id: z.string(), service: z.string(), team: z.string(), repo: z.string(), sha: z.string(), via: z.string(), deployed_at: z.string(),
  authored_at: z.string().nullable(), lead_hours: nullableNum, is_revert: z.coerce.boolean(), pr_number: nullableNum, fix_pr: z.coerce.boolean(),
});

/** Every change (commit reaching production) in the window, for CSV export. */
export async function changesInWindow(warehouse: Warehouse, window: Window, options: { deploymentId?: string | undefined; limit?: number } = {}): Promise<z.infer<typeof ChangeExportRow>[]> {
  return warehouse.query(
    SQL.changes_export.for(warehouse, { scope: scopeWhere(window) }),
    { ...params(window), deployment: options.deploymentId ?? '', limit: options.limit ?? 200_000 },
    ChangeExportRow,
  );
}

const PrExportRow = z.object({
  repo: z.string(), number: num, title: z.string(), team: z.string(), service: z.string(), author_login: z.string().nullable(), labels: z.array(z.string()),
  opened_at: z.string(), first_review_at: z.string().nullable(), merged_at: z.string(), deployed_at: z.string().nullable(), deployment_id: z.string().nullable(),
  coding_hours: nullableNum, pickup_hours: nullableNum, review_hours: nullableNum, deploy_hours: nullableNum,
});

/** Merged PRs in the window with their four stages (bots excluded, as in the flow metrics). */
export async function prsInWindow(warehouse: Warehouse, window: { from: string; to: string; team?: string | undefined }): Promise<z.infer<typeof PrExportRow>[]> {
  return warehouse.query(SQL.prs_export.for(warehouse), { from: dayStart(window.from), to: dayStart(window.to), team: window.team ?? '' }, PrExportRow);
}

/** Repositories the catalog lists as GitLab projects (`gitlab.com/project-slug`), for links into GitLab. */
export async function gitlabCatalogRepos(warehouse: Warehouse): Promise<string[]> {
  const rows = await warehouse.query(SQL.gitlab_repos.for(warehouse), {}, z.object({ repo: z.string() }));
  return rows.map((row) => row.repo);
}

const FreshSourceRow = z.object({ source: z.string(), last_received: z.string(), deliveries: num });
const RunRow = z.object({ started_at: z.string(), status: z.string() });

/**
 * What the Overview's Data freshness card shows: the last delivery per source, the last job run and
 * the dead letters waiting (Data health's full report, `dataHealth`, reads far more).
 */
export async function freshness(warehouse: Warehouse): Promise<{ sources: z.infer<typeof FreshSourceRow>[]; runs: z.infer<typeof RunRow>[]; deadLetterTotal: number }> {
  const [sources, runs, [waiting]] = await Promise.all([
    warehouse.query(SQL.freshness_sources.for(warehouse), {}, FreshSourceRow),
    warehouse.query(SQL.last_run.for(warehouse), {}, RunRow),
    warehouse.query(SQL.dead_letters_waiting.for(warehouse), {}, z.object({ n: num })),
  ]);
  return { sources, runs, deadLetterTotal: waiting?.n ?? 0 };
}

/** The day of the newest deployment the metrics know (null before the first transform). */
export async function newestDeploymentDay(warehouse: Warehouse): Promise<string | null> {
  const [row] = await warehouse.query(SQL.newest_deployment_day.for(warehouse), {}, z.object({ day: z.string().nullable() }));
  return row?.day ?? null;
}

const NamedDeployment = z.object({ id: z.string(), repo: z.string(), sha: z.string().nullable(), prs: z.array(z.coerce.number()) });
export type NamedDeployment = z.infer<typeof NamedDeployment>;

/** Repository, sha and pull requests of deployments (any environment), so a digest can name them as people do. */
export async function deploymentNames(warehouse: Warehouse, ids: readonly string[]): Promise<NamedDeployment[]> {
  if (!ids.length) return [];
  return warehouse.query(INSIGHTS.deployment_names.for(warehouse), { ids: [...new Set(ids)] }, NamedDeployment);
}

const AdoptionChangeRow = z.object({ deployments: num, golden: num, platform: num, previous_deployments: num, previous_golden: num, previous_platform: num });
export type AdoptionChangeCounts = z.infer<typeof AdoptionChangeRow>;

/**
 * Production deployments, on the golden path and through the platform's pipeline, in [from, to) and in
 * the period before, [previous, from) (days, `YYYY-MM-DD`).
 */
export async function adoptionChangeCounts(warehouse: Warehouse, window: { previous: string; from: string; to: string; team?: string | undefined }): Promise<AdoptionChangeCounts> {
  const [row] = await warehouse.query(
    INSIGHTS.adoption_change.for(warehouse),
    { from: dayStart(window.from), to: dayStart(window.to), previous: dayStart(window.previous), team: window.team ?? '' },
    AdoptionChangeRow,
  );
  return row ?? { deployments: 0, golden: 0, platform: 0, previous_deployments: 0, previous_golden: 0, previous_platform: 0 };
}

const InitiativeDeployRow = z.object({ treated: num, after: num, deployments: num, failed_n: num, recovered_n: num, recovery_p50: nullableNum });
const InitiativeChangeRow = z.object({ treated: num, after: num, changes: num, lead_p50: nullableNum });
export interface InitiativeRows {
  deploys: z.infer<typeof InitiativeDeployRow>[];
  changes: z.infer<typeof InitiativeChangeRow>[];
}

/**
 * The four cells of an initiative's difference in differences: treated (the listed teams or services) and
 * control (the rest), before [before, start) and after [start, end) (days, `YYYY-MM-DD`).
 */
export async function initiativeRows(warehouse: Warehouse, initiative: { teams: readonly string[]; services: readonly string[]; before: string; start: string; end: string }): Promise<InitiativeRows> {
  const params = { teams: initiative.teams, services: initiative.services, before: dayStart(initiative.before), start: dayStart(initiative.start), end: dayStart(initiative.end) };
  const [deploys, changes] = await Promise.all([
    warehouse.query(INSIGHTS.initiative_deployments.for(warehouse), params, InitiativeDeployRow),
    warehouse.query(INSIGHTS.initiative_changes.for(warehouse), params, InitiativeChangeRow),
  ]);
  return { deploys, changes };
}

const LeadRow = z.object({ leads: z.array(num) });

/** Per production deployment in the window, the lead times (hours, > 0, sorted) of its changes, as the DORA lead time counts them. */
export async function leadTimesPerDeployment(warehouse: Warehouse, window: { from: string; to: string } & Scope): Promise<number[][]> {
  const rows = await warehouse.query(INSIGHTS.lead_times_per_deployment.for(warehouse, { scope: scopeWhere(window) }), { from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) }, LeadRow);
  return rows.map((row) => row.leads);
}

const FailureSampleRow = z.object({ deployments: num, unmeasured: num, measured: z.array(num) });
export type FailureSampleCounts = z.infer<typeof FailureSampleRow>;

/** The window's production deployments: how many, failures without a recovery time, and the others' recovery hours (sorted). */
export async function failureSampleOf(warehouse: Warehouse, window: { from: string; to: string } & Scope): Promise<FailureSampleCounts> {
  const [row] = await warehouse.query(INSIGHTS.failure_sample.for(warehouse, { scope: scopeWhere(window) }), { from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) }, FailureSampleRow);
  return row ?? { deployments: 0, unmeasured: 0, measured: [] };
}
