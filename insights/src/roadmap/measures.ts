import { type BenchmarkProfile, doraMetrics, flowMetrics, PROFILES, ranking } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import type { SurveySource } from './survey-source.js';
import { gapToNextLevel, type Gap } from './scoring.js';

/** The measured metrics a survey driver can map to (the same names as surveys' `MEASURES`). */
export const MEASURES = ['pickupTime', 'deploymentFrequency', 'leadTime', 'changeFailureRate', 'reworkRate', 'recovery'] as const;
export type Measure = (typeof MEASURES)[number];
export const isMeasure = (value: string): value is Measure => (MEASURES as readonly string[]).includes(value);

export const MEASURE_INFO: Record<Measure, { label: string; unit: 'hours' | 'per week' | 'share' }> = {
  pickupTime: { label: 'PR pickup time p50', unit: 'hours' },
  // DORA's frequency is per service: a team's or the organisation's is that of its median service.
  deploymentFrequency: { label: 'Deployments per week (median service)', unit: 'per week' },
  leadTime: { label: 'Lead time p50', unit: 'hours' },
  changeFailureRate: { label: 'Change failure rate', unit: 'share' },
  reworkRate: { label: 'Rework rate', unit: 'share' },
  recovery: { label: 'Failed deployment recovery p50', unit: 'hours' },
};

export type MeasureValues = Partial<Record<Measure, number | null>>;

export interface MeasuredWindow {
  org: MeasureValues;
  teams: Map<string, MeasureValues>;
}

/** Organisation-wide and per-team values of every measure over [from, to). */
export async function measureWindow(warehouse: Warehouse, window: { from: string; to: string }, profile: BenchmarkProfile): Promise<MeasuredWindow> {
  const [org, teams, flow] = await Promise.all([doraMetrics(warehouse, window, profile), ranking(warehouse, window, 'team'), flowMetrics(warehouse, window)]);
  const byTeam = new Map<string, MeasureValues>();
  for (const row of teams) {
    byTeam.set(row.key, { deploymentFrequency: row.deployments === 0 ? null : row.per_service_per_week, leadTime: row.lead_p50, changeFailureRate: row.change_failure_rate, reworkRate: row.rework_rate, recovery: row.recovery_p50 });
  }
  for (const row of flow.teams) byTeam.set(row.team, { ...(byTeam.get(row.team) ?? {}), pickupTime: row.pickup_p50 });
  return {
    org: {
      pickupTime: flow.overall.pickup_p50, deploymentFrequency: org.deploymentFrequency.deployments === 0 ? null : org.deploymentFrequency.perServicePerWeekP50, leadTime: org.leadTime.p50Hours,
      changeFailureRate: org.changeFailureRate.rate, reworkRate: org.reworkRate.rate, recovery: org.recovery.failedDeploymentRecoveryP50Hours,
    },
    teams: byTeam,
  };
}

/** The level gap of one measure's value, with the bands of the benchmark profile (or Paved's bands where DORA has none). */
export function measureGap(measure: Measure, value: number, profile: BenchmarkProfile, bands: SurveySource['bands']): Gap {
  const p = PROFILES[profile];
  switch (measure) {
    case 'deploymentFrequency': return gapToNextLevel(value, p.deploysPerWeek, 'higher');
    case 'leadTime': return gapToNextLevel(value, p.leadTimeHours, 'lower');
    case 'changeFailureRate': return gapToNextLevel(value, p.changeFailureRate, 'lower', true);
    case 'recovery': return gapToNextLevel(value, p.recoveryHours, 'lower');
    case 'pickupTime': return gapToNextLevel(value, bands.pickupTime, 'lower');
    case 'reworkRate': return gapToNextLevel(value, bands.reworkRate, 'lower', true);
  }
}
