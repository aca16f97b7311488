import { DoraResult } from '@paved/schemas';
import { formatDuration } from '@paved/schemas/duration';
import { deployDaysText, levelMeaning } from '@paved/schemas/glossary';
import { checkScope, DoraQuery, doraMetrics, doraWindow } from '@paved/transform';
import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
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
/** Durations by Paved's one rule (hours under 48 h, days from 48 h), as on the dashboard and in digests. */
const duration = (value: number | null) => formatDuration(value);
/** "low, the worst of four levels": a level rates performance, so "low" never reads as a small number. */
const level = (value: DoraResult['leadTime']['level'], extra = '') => `[level ${value ? levelMeaning(value) : 'none: not enough data'}${extra}]`;

export function formatDora(r: DoraResult): string {
  const scope = [r.scope.team && `team ${r.scope.team}`, r.scope.service && `service ${r.scope.service}`].filter(Boolean).join(', ') || 'whole organisation';
  return [
    `DORA metrics, ${r.from} to ${r.to} (exclusive), ${scope}, benchmark ${r.profile}`,
    r.scope.service
      ? `  deployment frequency        ${r.deploymentFrequency.deployments} deployments, ${show(r.deploymentFrequency.perWeek, '/week')}; ${deployDaysText(r.deploymentFrequency.deployDaysPerWeekP50)}  ${level(r.deploymentFrequency.level)}`
      : `  deployment frequency        ${r.deploymentFrequency.deployments} deployments over ${r.deploymentFrequency.services} services, ${show(r.deploymentFrequency.perWeek, '/week')} in total; the median service ${show(r.deploymentFrequency.perServicePerWeekP50, '/week')} and ${deployDaysText(r.deploymentFrequency.deployDaysPerWeekP50)}  ${level(r.deploymentFrequency.level, ', of the median service')}`,
    `  lead time for changes       p50 ${duration(r.leadTime.p50Hours)}, p75 ${duration(r.leadTime.p75Hours)}, p90 ${duration(r.leadTime.p90Hours)} over ${r.leadTime.changes} changes  ${level(r.leadTime.level)}`,
    `  change failure rate         ${pct(r.changeFailureRate.rate)} (${r.changeFailureRate.failedDeployments}/${r.changeFailureRate.deployments})  ${level(r.changeFailureRate.level)}`,
    `  failed deployment recovery  p50 ${duration(r.recovery.failedDeploymentRecoveryP50Hours)} (${r.recovery.recoveredDeployments} of ${r.recovery.failedDeployments} failed deployments recovered)  ${level(r.recovery.level)}`,
    `  time to restore service     p50 ${duration(r.recovery.timeToRestoreP50Hours)} over ${r.recovery.incidents} incidents (any cause; no level)`,
    `  rework rate                 ${pct(r.reworkRate.rate)} (${r.reworkRate.reworkDeployments}/${r.reworkRate.deployments})  [no DORA levels]`,
    `  Levels best to worst: elite, high, medium, low. Lower is better for lead time, failure rate, recovery, restore and rework; higher for frequency.`,
    '',
  ].join('\n');
}
