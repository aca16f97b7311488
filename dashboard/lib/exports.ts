import 'server-only';
import type { ExplainMetric, ExportQuery, ExportTable } from '@paved/schemas';
import { adoptionMetrics, explain, ranking, type Window } from '@paved/transform';
import { type Cell, type Column, toCsv } from './csv';
import { addDays, todayUtc } from './period';
import { changesInWindow, prsInWindow } from './queries';
import { runtime } from './runtime';
import { deploymentSource } from './sources';

/** The tables every page offers as CSV, under /api/v1/export/<table>, and their query: the API contract in @paved/schemas. */
export { EXPORT_TABLES, ExportQuery, type ExportTable } from '@paved/schemas';

export function exportWindow(query: ExportQuery, now = new Date()): Window {
  const to = query.to ?? addDays(todayUtc(now), 1);
  const from = query.from ?? addDays(to, -Number(query.range ?? '90'));
  return { from, to, ...(query.team ? { team: query.team } : {}), ...(query.service ? { service: query.service } : {}) };
}

type Rows<R> = { rows: R[]; columns: Column<R>[] };
const col = <R,>(header: string, value: (row: R) => Cell): Column<R> => ({ header, value });

async function table(name: ExportTable, query: ExportQuery): Promise<Rows<never>> {
  const { warehouse, config } = runtime();
  const window = exportWindow(query);
  const metric = query.metric ?? 'deploymentFrequency';
  const drill = (m: ExplainMetric) => explain(warehouse, window, m, { deploymentId: query.deployment, limit: 100_000 });
  switch (name) {
    case 'services':
    case 'teams': {
      const rows = await ranking(warehouse, window, name === 'services' ? 'service' : 'team');
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>(name === 'services' ? 'service' : 'team', (r) => r.key),
        ...(name === 'services' ? [col<R>('team', (r) => r.team), col<R>('golden_path', (r) => r.golden_path)] : [col<R>('services', (r) => r.services), col<R>('deployments_per_week_median_service', (r) => r.per_service_per_week)]),
        col<R>('deployments', (r) => r.deployments), col<R>('deployments_per_week', (r) => r.per_week),
        col<R>('lead_time_p50_hours', (r) => r.lead_p50), col<R>('changes', (r) => r.changes),
        col<R>('failed_deployments', (r) => r.failed), col<R>('change_failure_rate', (r) => r.change_failure_rate),
        col<R>('recovery_p50_hours', (r) => r.recovery_p50), col<R>('rework_rate', (r) => r.rework_rate),
      ]);
    }
    case 'deployments': {
      const rows = (await drill(metric)).deployments;
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>('id', (r) => r.id), col<R>('service', (r) => r.service), col<R>('team', (r) => r.team), col<R>('repo', (r) => r.repo), col<R>('sha', (r) => r.sha),
        col<R>('deployed_at', (r) => r.deployed_at), col<R>('change_set_method', (r) => r.change_set_method), col<R>('commits', (r) => r.commits),
        col<R>('failed', (r) => r.failed), col<R>('failure_methods', (r) => r.failure_methods), col<R>('recovery_hours', (r) => r.recovery_hours),
        col<R>('rework', (r) => r.rework), col<R>('rework_reasons', (r) => r.rework_reasons), col<R>('golden_path', (r) => r.golden_path),
        col<R>('creator', (r) => r.creator_login), col<R>('workflow', (r) => r.workflow_name), col<R>('url', (r) => r.url),
        // Which tool reported it: github, gitlab, argocd, flux or a generic sender's source_system.
        col<R>('source', (r) => deploymentSource(r.id)),
      ]);
    }
    case 'changes': {
      const rows = await changesInWindow(warehouse, window, { deploymentId: query.deployment });
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>('deployment_id', (r) => r.deployment_id), col<R>('service', (r) => r.service), col<R>('team', (r) => r.team), col<R>('repo', (r) => r.repo),
        col<R>('sha', (r) => r.sha), col<R>('via', (r) => r.via), col<R>('authored_at', (r) => r.authored_at), col<R>('deployed_at', (r) => r.deployed_at),
        col<R>('lead_hours', (r) => r.lead_hours), col<R>('pr_number', (r) => r.pr_number), col<R>('is_revert', (r) => r.is_revert), col<R>('fix_pr', (r) => r.fix_pr),
      ]);
    }
    case 'failure-links': {
      const rows = (await drill(query.deployment ? metric : 'changeFailureRate')).failureLinks;
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>('deployment_id', (r) => r.deployment_id), col<R>('method', (r) => r.method), col<R>('incident_id', (r) => r.incident_id),
        col<R>('other_deployment_id', (r) => r.other_deployment_id), col<R>('evidence', (r) => r.evidence),
      ]);
    }
    case 'incidents': {
      const rows = (await drill(query.deployment ? metric : 'recovery')).incidents;
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>('id', (r) => r.id), col<R>('source', (r) => r.source), col<R>('service', (r) => r.service), col<R>('team', (r) => r.team),
        col<R>('severity', (r) => r.severity), col<R>('title', (r) => r.title), col<R>('status', (r) => r.status), col<R>('opened_at', (r) => r.opened_at),
        col<R>('resolved_at', (r) => r.resolved_at), col<R>('restore_hours', (r) => r.restore_hours), col<R>('url', (r) => r.url),
      ]);
    }
    case 'flow-prs': {
      const rows = await prsInWindow(warehouse, window);
      type R = (typeof rows)[number];
      const cycle = (r: R) => (r.deployed_at === null ? null : [r.coding_hours, r.pickup_hours, r.review_hours, r.deploy_hours].reduce<number>((s, v) => s + (v ?? 0), 0));
      return erase<R>(rows, [
        col<R>('repo', (r) => r.repo), col<R>('number', (r) => r.number), col<R>('title', (r) => r.title), col<R>('team', (r) => r.team), col<R>('service', (r) => r.service),
        col<R>('author', (r) => r.author_login), col<R>('labels', (r) => r.labels), col<R>('opened_at', (r) => r.opened_at), col<R>('first_review_at', (r) => r.first_review_at),
        col<R>('merged_at', (r) => r.merged_at), col<R>('deployed_at', (r) => r.deployed_at), col<R>('deployment_id', (r) => r.deployment_id),
        col<R>('coding_hours', (r) => r.coding_hours), col<R>('pickup_hours', (r) => r.pickup_hours), col<R>('review_hours', (r) => r.review_hours),
        col<R>('deploy_hours', (r) => r.deploy_hours), col<R>('stages_sum_hours', (r) => { const v = cycle(r); return v === null ? null : Math.round(v * 100) / 100; }),
      ]);
    }
    case 'adoption-teams': {
      const rows = (await adoptionMetrics(warehouse, { from: window.from, to: window.to, team: window.team }, config.metrics.benchmarkProfile)).teams;
      type R = (typeof rows)[number];
      return erase<R>(rows, [
        col<R>('team', (r) => r.team), col<R>('services', (r) => r.services), col<R>('golden_path_services', (r) => r.golden_services),
        col<R>('golden_path_share', (r) => r.golden_share), col<R>('deployments', (r) => r.deployments),
        col<R>('golden_path_deployments', (r) => r.golden_deployments), col<R>('platform_pipeline_deployments', (r) => r.platform_deployments),
      ]);
    }
  }
}

function erase<R>(rows: R[], columns: Column<R>[]): Rows<never> {
  return { rows, columns } as unknown as Rows<never>;
}

/** The CSV text and a file name saying what and which window it holds. */
export async function exportCsv(name: ExportTable, query: ExportQuery): Promise<{ csv: string; filename: string }> {
  const { rows, columns } = await table(name, query);
  const window = exportWindow(query);
  const scope = [query.team, query.service, query.deployment ? 'deployment' : undefined].filter(Boolean).map((s) => String(s).replace(/[^\w.-]+/g, '-'));
  const filename = `${['paved', name, ...scope, window.from, window.to].join('_')}.csv`;
  return { csv: toCsv(rows, columns), filename };
}
