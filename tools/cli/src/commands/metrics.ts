import { DoraResult } from '@paved/schemas';
import { DoraQuery, doraMetrics, doraWindow } from '@paved/transform/metrics/dora';
import { checkScope } from '@paved/transform/metrics/scope';
import { loadConfig } from '@paved/transform/runtime/config';
import { migrate } from '@paved/transform/warehouse/migrate';
import { callServer } from '../remote.js';
import { openWarehouse, runningServer } from '../setup.js';

export async function metricsDora(options: { from?: string; to?: string; team?: string; service?: string; profile?: '2023' | '2024'; json?: boolean }): Promise<void> {
  const parsed = DoraQuery.safeParse({ ...doraWindow(options), team: options.team, service: options.service, profile: options.profile });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'from')}: ${i.message}`).join('; '));
  const { config, env } = loadConfig();
  const server = runningServer(env);
  let result: DoraResult;
  if (server) {
    const query = new URLSearchParams(Object.entries(parsed.data).filter(([, v]) => v !== undefined) as [string, string][]);
    const answer = DoraResult.safeParse(await callServer(server, 'GET', `/api/v1/metrics/dora?${query}`));
    if (!answer.success) throw new Error(`the server at ${server.url} answered /api/v1/metrics/dora with something that is not the DORA contract (${answer.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ')}): is it running the same Paved version as this CLI?`);
    result = answer.data;
  } else {
    const warehouse = await openWarehouse(env, config, 'paved metrics dora');
    try {
      await migrate(warehouse);
      await checkScope(warehouse, parsed.data);
      result = await doraMetrics(warehouse, parsed.data, config.metrics.benchmarkProfile);
    } finally {
      await warehouse.close();
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatDora(result));
}

const show = (value: number | null, unit = '') => (value === null ? 'no data' : `${value}${unit}`);
const pct = (value: number | null) => (value === null ? 'no data' : `${(value * 100).toFixed(1)} %`);

export function formatDora(r: DoraResult): string {
  const scope = [r.scope.team && `team ${r.scope.team}`, r.scope.service && `service ${r.scope.service}`].filter(Boolean).join(', ') || 'whole organisation';
  return [
    `DORA metrics, ${r.from} to ${r.to} (exclusive), ${scope}, benchmark ${r.profile}`,
    r.scope.service
      ? `  deployment frequency   ${r.deploymentFrequency.deployments} deployments, ${show(r.deploymentFrequency.perWeek, '/week')}, median ${show(r.deploymentFrequency.deployDaysPerWeekP50)} deploy days/week  [${r.deploymentFrequency.level ?? '-'}]`
      : `  deployment frequency   ${r.deploymentFrequency.deployments} deployments over ${r.deploymentFrequency.services} services, ${show(r.deploymentFrequency.perWeek, '/week')} in total; median service ${show(r.deploymentFrequency.perServicePerWeekP50, '/week')}, ${show(r.deploymentFrequency.deployDaysPerWeekP50)} deploy days/week  [${r.deploymentFrequency.level ?? '-'}, of the median service]`,
    `  lead time for changes  p50 ${show(r.leadTime.p50Hours, ' h')}, p75 ${show(r.leadTime.p75Hours, ' h')}, p90 ${show(r.leadTime.p90Hours, ' h')} over ${r.leadTime.changes} changes  [${r.leadTime.level ?? '-'}]`,
    `  change failure rate    ${pct(r.changeFailureRate.rate)} (${r.changeFailureRate.failedDeployments}/${r.changeFailureRate.deployments})  [${r.changeFailureRate.level ?? '-'}]`,
    `  recovery               failed-deployment recovery p50 ${show(r.recovery.failedDeploymentRecoveryP50Hours, ' h')} (${r.recovery.recoveredDeployments} of ${r.recovery.failedDeployments} failed recovered), time to restore p50 ${show(r.recovery.timeToRestoreP50Hours, ' h')} (${r.recovery.incidents} incidents)  [${r.recovery.level ?? '-'}]`,
    `  rework rate            ${pct(r.reworkRate.rate)} (${r.reworkRate.reworkDeployments}/${r.reworkRate.deployments})`,
    '',
  ].join('\n');
}
