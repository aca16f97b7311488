import 'server-only';
import type { Warehouse } from '@paved/warehouse';
import { dayStart, scopeParams, scopeWhere, type Window, WINDOW } from '@paved/transform';
import { z } from 'zod';

/**
 * Small read models the pages need beyond the metric layer. Values reach SQL only as typed
 * parameters; bucket edges are constants of this file.
 */

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);
const params = (window: Window) => ({ from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) });

/** Lead-time buckets (upper bound in hours, exclusive). */
export const LEAD_BUCKETS = [
  { label: '< 1 h', upTo: 1 },
  { label: '1–4 h', upTo: 4 },
  { label: '4–12 h', upTo: 12 },
  { label: '12–24 h', upTo: 24 },
  { label: '1–2 d', upTo: 48 },
  { label: '2–7 d', upTo: 168 },
  { label: '7–14 d', upTo: 336 },
  { label: '14–28 d', upTo: 672 },
  { label: '≥ 28 d', upTo: Number.POSITIVE_INFINITY },
] as const;

const HistogramRow = z.object({ bucket: num, changes: num });

/** How many changes (commits reaching production) fell in each lead-time bucket. */
export async function leadTimeHistogram(warehouse: Warehouse, window: Window): Promise<{ label: string; from: number; upTo: number; changes: number }[]> {
  const edges = LEAD_BUCKETS.slice(0, -1).map((b) => b.upTo);
  const rows = await warehouse.query(`
    SELECT arrayFirstIndex(edge -> lead_hours < edge, {edges:Array(Float64)}) AS bucket, count() AS changes
    FROM {{db}}.t_changes
    WHERE ${WINDOW} AND ${scopeWhere(window)} AND lead_hours > 0
    GROUP BY bucket ORDER BY bucket`, { ...params(window), edges }, HistogramRow);
  const byBucket = new Map(rows.map((r) => [r.bucket === 0 ? LEAD_BUCKETS.length : r.bucket, r.changes]));
  return LEAD_BUCKETS.map((b, i) => ({ label: b.label, from: i === 0 ? 0 : LEAD_BUCKETS[i - 1]!.upTo, upTo: b.upTo, changes: byBucket.get(i + 1) ?? 0 }));
}

const CountsRow = z.object({ deliveries: num, deployments: num, prs: num, incidents: num, catalog: num, first_deployment: z.string().nullable() });
export type WarehouseCounts = z.infer<typeof CountsRow>;

/** What has arrived at all, so empty pages can say which source to connect next. */
export async function warehouseCounts(warehouse: Warehouse): Promise<WarehouseCounts> {
  const [row] = await warehouse.query(`
    SELECT
      (SELECT count() FROM {{db}}.raw_deliveries FINAL) AS deliveries,
      (SELECT count() FROM {{db}}.t_deployment_facts) AS deployments,
      (SELECT count() FROM {{db}}.t_pr_flow) AS prs,
      (SELECT count() FROM {{db}}.t_incidents) AS incidents,
      (SELECT count() FROM {{db}}.catalog_entities FINAL) AS catalog,
      (SELECT if(count() = 0, NULL, toString(toDate(min(deployed_at)))) FROM {{db}}.t_deployment_facts) AS first_deployment`, {}, CountsRow);
  return row ?? { deliveries: 0, deployments: 0, prs: 0, incidents: 0, catalog: 0, first_deployment: null };
}

const DeploymentTimeRow = z.object({ id: z.string(), deployed_at: z.string(), service: z.string() });

/** When a deployment happened, so a drill-down link can open a window that contains it. */
export async function deploymentTime(warehouse: Warehouse, id: string): Promise<z.infer<typeof DeploymentTimeRow> | null> {
  const [row] = await warehouse.query(
    `SELECT id, deployed_at, service FROM {{db}}.t_deployment_facts WHERE id = {id:String} LIMIT 1`, { id }, DeploymentTimeRow);
  return row ?? null;
}

const CandidateRow = z.object({ id: z.string(), title: z.string(), severity: z.string(), opened_at: z.string(), service: z.string() });

/** Incidents a person might link to a deployment: its service's, opened in the week after it. */
export async function incidentCandidates(warehouse: Warehouse, deploymentId: string): Promise<z.infer<typeof CandidateRow>[]> {
  return warehouse.query(`
    SELECT i.id AS id, i.title AS title, i.severity AS severity, i.opened_at AS opened_at, i.service AS service
    FROM {{db}}.t_incidents AS i
    INNER JOIN (SELECT service, deployed_at FROM {{db}}.t_deployment_facts WHERE id = {id:String} LIMIT 1) AS d ON d.service = i.service
    WHERE i.opened_at >= d.deployed_at AND i.opened_at < d.deployed_at + INTERVAL 7 DAY
    ORDER BY i.opened_at
    LIMIT 50`, { id: deploymentId }, CandidateRow);
}

const ChangeExportRow = z.object({
  deployment_id: z.string(), service: z.string(), team: z.string(), repo: z.string(), sha: z.string(), via: z.string(), deployed_at: z.string(),
  authored_at: z.string().nullable(), lead_hours: nullableNum, is_revert: z.coerce.boolean(), pr_number: nullableNum, fix_pr: z.coerce.boolean(),
});

/** Every change (commit reaching production) in the window, for CSV export. */
export async function changesInWindow(warehouse: Warehouse, window: Window, options: { deploymentId?: string; limit?: number } = {}): Promise<z.infer<typeof ChangeExportRow>[]> {
  return warehouse.query(`
    SELECT deployment_id, service, team, repo, sha, via, deployed_at, authored_at, round(lead_hours, 2) AS lead_hours, is_revert, pr_number, fix_pr
    FROM {{db}}.t_changes
    WHERE ${WINDOW} AND ${scopeWhere(window)} AND ({deployment:String} = '' OR deployment_id = {deployment:String})
    ORDER BY deployed_at DESC, deployment_id, lead_hours DESC
    LIMIT {limit:UInt32}`, { ...params(window), deployment: options.deploymentId ?? '', limit: options.limit ?? 200_000 }, ChangeExportRow);
}

const PrExportRow = z.object({
  repo: z.string(), number: num, title: z.string(), team: z.string(), service: z.string(), author_login: z.string().nullable(), labels: z.array(z.string()),
  opened_at: z.string(), first_review_at: z.string().nullable(), merged_at: z.string(), deployed_at: z.string().nullable(), deployment_id: z.string().nullable(),
  coding_hours: nullableNum, pickup_hours: nullableNum, review_hours: nullableNum, deploy_hours: nullableNum,
});

/** Merged PRs in the window with their four stages (bots excluded, as in the flow metrics). */
export async function prsInWindow(warehouse: Warehouse, window: { from: string; to: string; team?: string }): Promise<z.infer<typeof PrExportRow>[]> {
  return warehouse.query(`
    SELECT repo, number, title, team, service, author_login, labels, opened_at, first_review_at, merged_at, deployed_at, deployment_id,
           round(coding_hours, 2) AS coding_hours, round(pickup_hours, 2) AS pickup_hours, round(review_hours, 2) AS review_hours, round(deploy_hours, 2) AS deploy_hours
    FROM {{db}}.t_pr_flow
    WHERE merged_at >= {from:DateTime64(3, 'UTC')} AND merged_at < {to:DateTime64(3, 'UTC')} AND NOT author_bot AND ({team:String} = '' OR team = {team:String})
    ORDER BY merged_at DESC
    LIMIT 200000`, { from: dayStart(window.from), to: dayStart(window.to), team: window.team ?? '' }, PrExportRow);
}
