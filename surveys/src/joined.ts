/**
 * Perception next to measurement, per team: each driver's % favourable beside the metric it speaks
 * to, flagged where the two disagree. Teams come only from `SurveyResults.groups`, so a team whose
 * survey results are hidden is hidden here too.
 */
import type { PavedConfig } from '@paved/schemas';
import { formatDuration } from '@paved/schemas/duration';
import { levelMeaning } from '@paved/schemas/glossary';
import type { Warehouse } from '@paved/warehouse';
import { type BenchmarkProfile, changeFailureRateLevel, deploymentFrequencyLevel, flowMetrics, type Level, leadTimeLevel, ranking, recoveryLevel } from '@paved/transform';
import type { SurveyResults } from './results.js';

export const MEASURES = ['pickupTime', 'deploymentFrequency', 'leadTime', 'changeFailureRate', 'reworkRate', 'recovery'] as const;
export type Measure = (typeof MEASURES)[number];

export const MEASURE_LABELS: Record<Measure, string> = {
  pickupTime: 'PR pickup time p50',
  deploymentFrequency: 'Deployments per week (median service)',
  leadTime: 'Lead time p50',
  changeFailureRate: 'Change failure rate',
  reworkRate: 'Rework rate',
  recovery: 'Failed deployment recovery p50',
};

export const MEASURE_UNITS: Record<Measure, 'hours' | 'perWeek' | 'rate'> = {
  pickupTime: 'hours', deploymentFrequency: 'perWeek', leadTime: 'hours', changeFailureRate: 'rate', reworkRate: 'rate', recovery: 'hours',
};

/** Which measured metrics each driver speaks to; `surveys.metricMapping` in the config replaces entries. */
export const DEFAULT_METRIC_MAPPING: Readonly<Record<string, readonly Measure[]>> = {
  code_review: ['pickupTime'],
  ease_of_deployment: ['deploymentFrequency', 'leadTime'],
  ci_reliability: ['changeFailureRate', 'reworkRate'],
  build_test_speed: ['leadTime'],
  on_call: ['recovery'],
  flow_focus: ['reworkRate'],
};

export function metricMappingOf(config: PavedConfig): Record<string, readonly Measure[]> {
  return { ...DEFAULT_METRIC_MAPPING, ...(config.surveys.metricMapping ?? {}) };
}

/**
 * DORA publishes no levels for PR pickup time or rework rate; these are Paved's bands, in the same
 * spirit (elite: within the morning / almost never; low: next day or later / more than one in ten).
 */
export const PICKUP_HOURS_BANDS: [number, number, number] = [2, 8, 24];
export const REWORK_RATE_BANDS: [number, number, number] = [0.02, 0.05, 0.1];

const LEVELS: Level[] = ['elite', 'high', 'medium', 'low'];
function band(value: number | null, limits: [number, number, number], inclusive: boolean): Level | null {
  if (value === null) return null;
  const index = limits.findIndex((limit) => (inclusive ? value <= limit : value < limit));
  return LEVELS[index === -1 ? 3 : index]!;
}
export const pickupLevel = (hours: number | null) => band(hours, PICKUP_HOURS_BANDS, false);
export const reworkLevel = (rate: number | null) => band(rate, REWORK_RATE_BANDS, true);

export interface MeasuredValue {
  value: number | null;
  level: Level | null;
}
export type TeamMeasures = Partial<Record<Measure, MeasuredValue>>;

/** The measured metrics per team over [from, to). */
export async function measuresByTeam(warehouse: Warehouse, window: { from: string; to: string }, profile: BenchmarkProfile): Promise<Map<string, TeamMeasures>> {
  const [teams, flow] = await Promise.all([ranking(warehouse, window, 'team'), flowMetrics(warehouse, window)]);
  const out = new Map<string, TeamMeasures>();
  const entry = (team: string): TeamMeasures => {
    const found = out.get(team);
    if (found) return found;
    const created: TeamMeasures = {};
    out.set(team, created);
    return created;
  };
  for (const row of teams) {
    const m = entry(row.key);
    // A team's frequency is its median service's (DORA measures frequency per service); none shipped: no data.
    const perWeek = row.deployments === 0 ? null : row.per_service_per_week;
    m.deploymentFrequency = { value: perWeek, level: deploymentFrequencyLevel(perWeek, profile) };
    m.leadTime = { value: row.lead_p50, level: leadTimeLevel(row.lead_p50, profile) };
    m.changeFailureRate = { value: row.change_failure_rate, level: changeFailureRateLevel(row.change_failure_rate, profile) };
    m.reworkRate = { value: row.rework_rate, level: reworkLevel(row.rework_rate) };
    m.recovery = { value: row.recovery_p50, level: recoveryLevel(row.recovery_p50, profile) };
  }
  for (const row of flow.teams) entry(row.team).pickupTime = { value: row.pickup_p50, level: pickupLevel(row.pickup_p50) };
  return out;
}

/** Favourable at or above this while a mapped metric is medium or low: people are happier than the numbers. */
export const ROSY_AT = 0.7;
/** Favourable at or below this while a mapped metric is elite or high: the numbers miss something people feel. */
export const HARSH_AT = 0.4;

export type Disagreement = 'perception_higher' | 'perception_lower';

export interface JoinedCell {
  driverId: string;
  label: string;
  favourable: number | null;
  measures: ({ measure: Measure } & MeasuredValue)[];
  flag: Disagreement | null;
  /** Why it is flagged, in words. */
  reason: string | null;
}

export interface JoinedTeam {
  team: string;
  respondents: number;
  cells: JoinedCell[];
}

/** "PR pickup time p50" stays as it is, "Lead time p50" becomes "lead time p50" inside a sentence. */
function inSentence(label: string): string {
  return /^[A-Z]{2}/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}

/** A measured value as the pages write it: durations by the one rule, rates in percent, frequencies a week. */
export function measuredText(measure: Measure, value: number | null): string {
  if (value === null) return 'no data';
  const unit = MEASURE_UNITS[measure];
  if (unit === 'hours') return formatDuration(value);
  if (unit === 'rate') return `${Number((value * 100).toFixed(1))} %`;
  return `${Number(value.toFixed(1))} a week`;
}

/**
 * Why a cell is flagged, saying good or bad in words: "rework rate is low" read as good news when
 * it meant the level (the worst of four), so the reason names the value and where its level stands.
 */
export function disagreement(favourable: number | null, measures: JoinedCell['measures']): { flag: Disagreement | null; reason: string | null } {
  if (favourable === null) return { flag: null, reason: null };
  const pct = `${Math.round(favourable * 100)} % favourable`;
  if (favourable >= ROSY_AT) {
    const weak = measures.find((m) => m.level === 'medium' || m.level === 'low');
    if (weak) return { flag: 'perception_higher', reason: `${pct}, yet the measured ${inSentence(MEASURE_LABELS[weak.measure])} is poor: ${measuredText(weak.measure, weak.value)}, level ${levelMeaning(weak.level!)}` };
  }
  if (favourable <= HARSH_AT) {
    const strong = measures.find((m) => m.level === 'elite' || m.level === 'high');
    if (strong) return { flag: 'perception_lower', reason: `only ${pct}, although the measured ${inSentence(MEASURE_LABELS[strong.measure])} is good: ${measuredText(strong.measure, strong.value)}, level ${levelMeaning(strong.level!)}` };
  }
  return { flag: null, reason: null };
}

/** One row per shown team (results broken down by team) with its mapped drivers. */
export function joinPerception(results: SurveyResults, measures: ReadonlyMap<string, TeamMeasures>, mapping: Readonly<Record<string, readonly Measure[]>>): JoinedTeam[] {
  if (results.by !== 'team') throw new Error('the joined view needs results broken down by team');
  return results.groups.map((group) => ({
    team: group.group,
    respondents: group.respondents,
    cells: group.drivers
      .filter((d) => (mapping[d.id] ?? []).length > 0)
      .map((d) => {
        const teamMeasures = measures.get(group.group) ?? {};
        const cellMeasures = (mapping[d.id] ?? []).map((measure) => ({ measure, ...(teamMeasures[measure] ?? { value: null, level: null }) }));
        return { driverId: d.id, label: d.label, favourable: d.favourable, measures: cellMeasures, ...disagreement(d.favourable, cellMeasures) };
      }),
  }));
}
