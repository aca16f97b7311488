import { z } from 'zod';
import type { Warehouse } from '../warehouse/client.js';
import { ALL_HISTORY, SERVICE_CATALOG_CTE, serviceCatalog } from './catalog.js';
import { dayStart, scopeParams, scopeWhere, WINDOW, type Scope } from './dora.js';
import { INCIDENT_REFERENCE_CTES } from './sql-links.js';

/** A window and scope, as the dashboard and the API take them. */
export interface Window extends Scope {
  from: string;
  to: string;
}

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
  const rows = await warehouse.query(`
    WITH
    deps AS (
        SELECT toMonday(deployed_at) AS week, count() AS deployments, countIf(failed) AS failed_n, countIf(rework) AS rework_n,
               quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_p50,
               countIf(failed AND recovery_hours IS NOT NULL) AS recovered
        FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${scopeWhere(window)} GROUP BY week
    ),
    leads AS (
        SELECT toMonday(deployed_at) AS week, quantilesExactInclusive(0.5, 0.75, 0.9)(lead_hours) AS q, count() AS changes
        FROM {{db}}.t_changes WHERE ${WINDOW} AND ${scopeWhere(window)} AND lead_hours > 0 GROUP BY week
    )
    SELECT toString(d.week) AS week, d.deployments AS deployments, d.failed_n AS failed, d.rework_n AS rework,
           if(d.recovered = 0, NULL, d.recovery_p50) AS recovery_p50,
           if(l.changes = 0, NULL, l.q[1]) AS lead_p50, if(l.changes = 0, NULL, l.q[2]) AS lead_p75, if(l.changes = 0, NULL, l.q[3]) AS lead_p90,
           l.changes AS changes
    FROM deps AS d LEFT JOIN leads AS l ON l.week = d.week
    ORDER BY d.week
    SETTINGS join_use_nulls = 0`, params(window), SeriesRow);
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
  return warehouse.query(`
    WITH
    ${SERVICE_CATALOG_CTE},
    per_service AS (
        SELECT s.service AS service, s.team AS team, s.golden_path AS golden_path, c.n AS n
        FROM (SELECT service, team, golden_path FROM service_catalog WHERE ${scopeWhere(window)}) AS s
        LEFT JOIN (SELECT service, count() AS n FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${scopeWhere(window)} GROUP BY service) AS c ON c.service = s.service
    ),
    keys AS (
        SELECT ${key} AS key, any(team) AS team_name, max(golden_path) AS golden, count() AS services, quantileExactInclusive(0.5)(toFloat64(n)) AS n_p50
        FROM per_service GROUP BY key
    ),
    deps AS (
        SELECT ${key} AS key, count() AS deployments, countIf(failed) AS failed_n, countIf(rework) AS rework_n,
               quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS recovery_p50,
               countIf(failed AND recovery_hours IS NOT NULL) AS recovered
        FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${scopeWhere(window)} GROUP BY key
    ),
    leads AS (
        SELECT ${key} AS key, quantileExactInclusive(0.5)(lead_hours) AS lead_p50, count() AS changes
        FROM {{db}}.t_changes WHERE ${WINDOW} AND ${scopeWhere(window)} AND lead_hours > 0 GROUP BY key
    )
    SELECT k.key AS key, k.team_name AS team, k.golden AS golden_path, k.services AS services, d.deployments AS deployments,
           round(d.deployments / {days:Float64} * 7, 2) AS per_week, round(k.n_p50 / {days:Float64} * 7, 2) AS per_service_per_week, d.failed_n AS failed,
           if(d.deployments = 0, NULL, round(d.failed_n / d.deployments, 4)) AS change_failure_rate,
           if(d.recovered = 0, NULL, round(d.recovery_p50, 2)) AS recovery_p50,
           if(d.deployments = 0, NULL, round(d.rework_n / d.deployments, 4)) AS rework_rate,
           if(l.changes = 0, NULL, round(l.lead_p50, 2)) AS lead_p50, l.changes AS changes
    FROM keys AS k
    LEFT JOIN deps AS d ON d.key = k.key
    LEFT JOIN leads AS l ON l.key = k.key
    ORDER BY d.deployments DESC, k.key
    SETTINGS join_use_nulls = 0`, { ...params(window), days }, RankingRow);
}

const DeploymentRow = z.object({
  id: z.string(), service: z.string(), team: z.string(), repo: z.string(), sha: z.string().nullable(), deployed_at: z.string(),
  change_set_method: z.string(), commits: num, failed: z.coerce.boolean(), failure_methods: z.array(z.string()),
  recovery_hours: nullableNum, rework: z.coerce.boolean(), rework_reasons: z.array(z.string()), golden_path: z.coerce.boolean(),
  creator_login: z.string().nullable(), workflow_name: z.string().nullable(), url: z.string().nullable(),
});
export type DeploymentRow = z.infer<typeof DeploymentRow>;

/** Production deployments in the window, newest first (optionally only failed ones). */
export async function deployments(warehouse: Warehouse, window: Window, options: { failedOnly?: boolean; limit?: number } = {}): Promise<DeploymentRow[]> {
  return warehouse.query(`
    SELECT id, service, team, repo, sha, deployed_at AS deployed_at, change_set_method, commits, failed, failure_methods,
           recovery_hours, rework, rework_reasons, golden_path, creator_login, workflow_name, url
    FROM {{db}}.t_deployment_facts
    WHERE ${WINDOW} AND ${scopeWhere(window)} AND (NOT {failedOnly:Bool} OR failed)
    ORDER BY deployed_at DESC, id
    LIMIT {limit:UInt32}`, { ...params(window), failedOnly: options.failedOnly ?? false, limit: options.limit ?? 500 }, DeploymentRow);
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
 * The rows behind a number: the deployments counted, their change sets (with each commit's lead
 * time and how it was found), the failure links with method and evidence, and the incidents.
 */
export async function explain(warehouse: Warehouse, window: Window, metric: z.infer<typeof ExplainMetric>, options: { deploymentId?: string; limit?: number } = {}): Promise<Explanation> {
  const limit = options.limit ?? 200;
  const only = options.deploymentId ?? '';
  const deploymentRows = (await deployments(warehouse, window, { failedOnly: metric === 'changeFailureRate' || metric === 'recovery', limit: only ? 100_000 : limit }))
    .filter((d) => !only || d.id === only)
    .filter((d) => metric !== 'reworkRate' || d.rework || only);
  const ids = deploymentRows.map((d) => d.id);
  const [changes, failureLinks, incidents] = await Promise.all([
    metric === 'leadTime' || metric === 'reworkRate' || only
      ? warehouse.query(`
        SELECT c.deployment_id AS deployment_id, c.sha AS sha, c.via AS via, c.authored_at AS authored_at, c.lead_hours AS lead_hours,
               c.is_revert AS is_revert, c.pr_number AS pr_number, c.fix_pr AS fix_pr, substring(m.message, 1, 200) AS message, m.author_login AS author
        FROM {{db}}.t_changes AS c
        -- A commit's copies are identical: any() over the few matching rows is far cheaper than FINAL over the table.
        LEFT JOIN (SELECT repo, sha, any(message) AS message, any(author_login) AS author_login FROM {{db}}.commits
                   WHERE sha IN (SELECT sha FROM {{db}}.t_changes WHERE deployment_id IN {ids:Array(String)}) GROUP BY repo, sha) AS m
          ON m.repo = c.repo AND m.sha = c.sha
        WHERE c.deployment_id IN {ids:Array(String)}
        ORDER BY c.deployed_at DESC, c.lead_hours DESC
        LIMIT 2000
        SETTINGS join_use_nulls = 1`, { ids }, ChangeRow)
      : Promise.resolve([]),
    warehouse.query(`SELECT deployment_id, method, incident_id, other_deployment_id, evidence FROM {{db}}.t_failure_links WHERE deployment_id IN {ids:Array(String)} ORDER BY deployment_id, method`, { ids }, LinkRow),
    warehouse.query(`
      SELECT id, source, service, team, severity, title, status, opened_at AS opened_at, resolved_at AS resolved_at, url,
             if(resolved_at IS NULL, NULL, dateDiff('millisecond', opened_at, assumeNotNull(resolved_at)) / 3600000) AS restore_hours
      FROM {{db}}.t_incidents
      WHERE (id IN (SELECT assumeNotNull(incident_id) FROM {{db}}.t_failure_links WHERE deployment_id IN {ids:Array(String)} AND incident_id IS NOT NULL))
         OR ({metric:String} = 'recovery' AND {only:String} = '' AND opened_at >= {from:DateTime64(3, 'UTC')} AND opened_at < {to:DateTime64(3, 'UTC')} AND ${scopeWhere(window)})
      ORDER BY opened_at DESC
      LIMIT 1000`, { ids, metric, only, ...params(window) }, IncidentRow),
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
    warehouse.query(`
      SELECT source, toString(max(received_at)) AS last_received, count() AS deliveries, countIf(outcome = 'dlq') AS dead_lettered, countIf(outcome = 'ignored') AS ignored
      FROM {{db}}.raw_deliveries FINAL GROUP BY source ORDER BY source`, {}, FreshnessRow),
    warehouse.query(`
      SELECT step, substring(reason, 1, 300) AS reason, count() AS count, toString(max(failed_at)) AS last_failed
      FROM {{db}}.dead_letters FINAL WHERE replayed_at IS NULL GROUP BY step, reason ORDER BY count DESC LIMIT 50`, {}, DeadLetterRow),
    warehouse.query(`
      SELECT
        (SELECT count() FROM {{db}}.t_deployment_facts) AS deployments,
        (SELECT countIf(change_set_method NOT IN ('unknown')) FROM {{db}}.t_deployment_facts) AS with_change_set,
        (SELECT countIf(service_via IN ('catalog', 'sender', 'override')) FROM {{db}}.t_deployments WHERE is_production AND status = 'success') AS mapped_by_catalog,
        (SELECT groupUniqArray(50)(repo) FROM {{db}}.t_deployments WHERE service_via IN ('repo', 'unknown')) AS unmapped_repos,
        (SELECT count() FROM {{db}}.t_incidents WHERE service = 'unknown') AS unmapped_incidents`, {}, CoverageRow),
    warehouse.query(`
      SELECT job, toString(started_at) AS started_at, toString(finished_at) AS finished_at, status, detail
      FROM {{db}}.job_runs FINAL ORDER BY started_at DESC LIMIT 10`, {}, RunRow),
    // Accepted deliveries keep their assumptions in reason, one per line (ingest/src/receive.ts).
    warehouse.query(`
      SELECT source, event, assumption, uniqExact(delivery_id) AS deliveries, argMax(delivery_id, received_at) AS example_delivery,
             substring(argMax(payload, received_at), 1, 300) AS example_payload, toString(max(received_at)) AS last_seen
      FROM (SELECT source, event, delivery_id, received_at, payload, arrayJoin(splitByChar('\\n', reason)) AS assumption
            FROM {{db}}.raw_deliveries WHERE outcome = 'ok' AND reason != '')
      WHERE assumption != ''
      GROUP BY source, event, assumption ORDER BY deliveries DESC, source, event, assumption LIMIT 100`, {}, AssumptionRow),
    warehouse.query(`
      WITH ${INCIDENT_REFERENCE_CTES}
      SELECT count() AS unresolved, groupArray(5)(concat(incident_id, ' names ', ref)) AS examples
      FROM (SELECT DISTINCT incident_id, ref FROM incident_refs)
      WHERE (incident_id, ref) NOT IN (SELECT incident_id, ref FROM resolved_references)`, {}, UnresolvedRow),
  ]);
  return {
    sources, deadLetters, deadLetterTotal: deadLetters.reduce((sum, row) => sum + row.count, 0), assumptions, unresolvedReferences: unresolved[0] ?? { unresolved: 0, examples: [] },
    coverage: coverage[0]!, runs,
  };
}
