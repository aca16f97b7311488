import { z } from 'zod';
import type { PavedConfig } from '@paved/schemas';
import type { Warehouse } from '../warehouse/client.js';
import { dayStart, doraMetrics, SCOPE, scopeParams, WINDOW, type DoraResult, type Scope } from '../metrics/dora.js';
import { loadAssumptions, type Assumptions } from './assumptions.js';
import { developersOf, previousWindow } from './friction.js';
import { round } from './scoring.js';
import { readSurvey, type SurveySource, type SurveyView } from './survey-source.js';

/**
 * Figures for leadership, each a range (low, mid, high) with the formula that produced it and every
 * input with its unit, so a reader can redo the sum. Pure functions compute the figures; `roiSummary`
 * gathers their inputs from the warehouse and the survey.
 */

export interface FigureInput {
  name: string;
  value: number | string | null;
  unit: string;
}

export interface Figure {
  id: string;
  label: string;
  /** Currency code for money, else a unit such as `hours`. */
  unit: string;
  /** What the figure covers: a year, or the selected window. */
  period: string;
  low: number | null;
  mid: number | null;
  high: number | null;
  formula: string;
  inputs: FigureInput[];
  notes: string[];
}

export interface Range { low: number | null; mid: number | null; high: number | null }

const ordered = (low: number, mid: number, high: number): { low: number; mid: number; high: number } => {
  const [a, b] = low <= high ? [low, high] : [high, low];
  return { low: round(Math.min(a, mid), 2), mid: round(mid, 2), high: round(Math.max(b, mid), 2) };
};

/** The q-quantile of weighted values (linear between the midpoints of each value's weight). */
export function weightedQuantile(values: readonly { value: number; weight: number }[], q: number): number | null {
  const sorted = values.filter((v) => v.weight > 0).sort((a, b) => a.value - b.value);
  if (!sorted.length) return null;
  const total = sorted.reduce((s, v) => s + v.weight, 0);
  let seen = 0;
  const points = sorted.map((v) => { const at = (seen + v.weight / 2) / total; seen += v.weight; return { at, value: v.value }; });
  if (q <= points[0]!.at) return points[0]!.value;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (q <= b.at) return a.value + ((q - a.at) / (b.at - a.at)) * (b.value - a.value);
  }
  return points.at(-1)!.value;
}

/**
 * Hours lost a week per developer: mid = the organisation's mean answer; low/high = the 25th/75th
 * percentile of the shown teams' mean answers, weighted by respondents (the surveys package shares
 * group means, never individual answers); with fewer than two shown teams, the median and the mean.
 */
export function hoursLostRange(survey: Pick<SurveyView, 'org' | 'groups'>): Range & { source: string } {
  const org = survey.org?.hoursLost;
  if (!org || org.mean === null) return { low: null, mid: null, high: null, source: 'no hours-lost answers' };
  const teams = survey.groups.flatMap((g) => (g.hoursLost?.mean === null || g.hoursLost?.mean === undefined ? [] : [{ value: g.hoursLost.mean, weight: g.hoursLost.answered }]));
  if (teams.length >= 2) {
    const r = ordered(weightedQuantile(teams, 0.25)!, org.mean, weightedQuantile(teams, 0.75)!);
    return { ...r, source: `p25–p75 of ${teams.length} shown teams' mean answers` };
  }
  const median = org.median ?? org.mean;
  return { ...ordered(median, org.mean, org.mean), source: 'organisation median to mean' };
}

const money = (hoursRange: Range, factor: number): Range => ({
  low: hoursRange.low === null ? null : round(hoursRange.low * factor, 0),
  mid: hoursRange.mid === null ? null : round(hoursRange.mid * factor, 0),
  high: hoursRange.high === null ? null : round(hoursRange.high * factor, 0),
});

/** Cost of friction a year = hours lost a week per developer × developers × cost per hour × working weeks. */
export function frictionCost(hours: Range, developers: number, roi: Assumptions['roi']): Range {
  return money(hours, developers * roi.costPerEngineeringHour * roi.workingWeeksPerYear);
}

/** Share of the waiting a faster lead time removes that was engineering time (re-reading, rebasing, chasing). */
export const WAITING_SHARE = { low: 0.05, mid: 0.1, high: 0.15 } as const;

/**
 * Engineering hours returned by a faster lead time over a period: (p50 before − p50 now) ×
 * deployments now × share of waiting that costs engineers time. Counted per deployment, not per
 * commit: people wait for a batch to ship, not for each commit in it. Negative when lead time grew.
 */
export function leadTimeHoursReturned(p50Before: number, p50Now: number, deployments: number): Range {
  const saved = (p50Before - p50Now) * deployments;
  return ordered(saved * WAITING_SHARE.low, saved * WAITING_SHARE.mid, saved * WAITING_SHARE.high);
}

export interface FailureStats {
  failed: number;
  /** Failed deployments with a measured recovery time, and the sum and quartiles of those hours. */
  recovered: number;
  recoveryHoursSum: number;
  recoveryP50: number | null;
  recoveryP75: number | null;
}

/**
 * Recovery hours of failed deployments: low = measured hours only; mid = plus each failure without
 * a measured recovery at the p50; high = at the p75.
 */
export function recoveryHours(stats: FailureStats): Range {
  const unmeasured = stats.failed - stats.recovered;
  const mid = stats.recoveryHoursSum + unmeasured * (stats.recoveryP50 ?? 0);
  const high = stats.recoveryHoursSum + unmeasured * (stats.recoveryP75 ?? stats.recoveryP50 ?? 0);
  return ordered(stats.recoveryHoursSum, mid, high);
}

/** Difference of two ranges bound by bound (previous − current), reordered. */
export function rangeDifference(previous: Range, current: Range): Range {
  if (previous.low === null || previous.mid === null || previous.high === null || current.low === null || current.mid === null || current.high === null) return { low: null, mid: null, high: null };
  return ordered(previous.low - current.low, previous.mid - current.mid, previous.high - current.high);
}

export interface GroupOutcome { deployments: number; failed: number; recoveryP50: number | null }

/**
 * Adoption dividend over the window, in hours: failures avoided on golden-path deployments
 * ((CFR other − CFR golden) × golden deployments, 95 % interval from the two rates' standard error)
 * × recovery p50 of the other services × people, plus golden-path failures × (recovery p50 other −
 * recovery p50 golden) × people.
 */
export function adoptionDividendHours(golden: GroupOutcome, other: GroupOutcome, people: number): (Range & { avoidedFailures: Range; cfrGolden: number; cfrOther: number }) | null {
  if (golden.deployments === 0 || other.deployments === 0 || other.recoveryP50 === null) return null;
  const pg = golden.failed / golden.deployments;
  const po = other.failed / other.deployments;
  const se = Math.sqrt((pg * (1 - pg)) / golden.deployments + (po * (1 - po)) / other.deployments);
  const avoided = (d: number) => d * golden.deployments;
  const avoidedFailures = ordered(avoided(po - pg - 1.96 * se), avoided(po - pg), avoided(po - pg + 1.96 * se));
  const faster = golden.recoveryP50 === null ? 0 : golden.failed * (other.recoveryP50 - golden.recoveryP50) * people;
  const hours = (n: number) => n * other.recoveryP50! * people + faster;
  return { ...ordered(hours(avoidedFailures.low), hours(avoidedFailures.mid), hours(avoidedFailures.high)), avoidedFailures, cfrGolden: pg, cfrOther: po };
}

export interface RoiSummary {
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  campaign: { id: string; title: string } | null;
  previousCampaign: { id: string; title: string } | null;
  currency: string;
  assumptions: Assumptions;
  figures: Figure[];
  notes: string[];
}

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);
const FailureRow = z.object({ failed_n: num, recovered_n: num, hours_sum: num, p50: nullableNum, p75: nullableNum });

export async function failureStats(warehouse: Warehouse, window: { from: string; to: string } & Scope): Promise<FailureStats> {
  const [row] = await warehouse.query(`
    SELECT countIf(failed) AS failed_n, countIf(failed AND recovery_hours IS NOT NULL) AS recovered_n,
           sumIf(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL) AS hours_sum,
           if(recovered_n = 0, NULL, quantileExactInclusiveIf(0.5)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL)) AS p50,
           if(recovered_n = 0, NULL, quantileExactInclusiveIf(0.75)(assumeNotNull(recovery_hours), failed AND recovery_hours IS NOT NULL)) AS p75
    FROM {{db}}.t_deployment_facts WHERE ${WINDOW} AND ${SCOPE}`, { from: dayStart(window.from), to: dayStart(window.to), ...scopeParams(window) }, FailureRow);
  return { failed: row?.failed_n ?? 0, recovered: row?.recovered_n ?? 0, recoveryHoursSum: row?.hours_sum ?? 0, recoveryP50: row?.p50 ?? null, recoveryP75: row?.p75 ?? null };
}

const times = (r: Range, f: number): Range => ({ low: r.low === null ? null : round(r.low * f, 0), mid: r.mid === null ? null : round(r.mid * f, 0), high: r.high === null ? null : round(r.high * f, 0) });

/** The ROI figures for a window (and the survey campaign, newest by default). */
export async function roiSummary(warehouse: Warehouse, config: PavedConfig, query: { campaignId?: string; from: string; to: string }, surveys: SurveySource): Promise<RoiSummary> {
  const profile = config.metrics.benchmarkProfile;
  const before = previousWindow(query);
  const [assumptions, survey, doraNow, doraBefore, failNow, failBefore, golden, other] = await Promise.all([
    loadAssumptions(warehouse, config),
    readSurvey(surveys, query.campaignId, config.surveys.minGroupSize),
    doraMetrics(warehouse, query, profile),
    doraMetrics(warehouse, before, profile),
    failureStats(warehouse, query),
    failureStats(warehouse, before),
    doraMetrics(warehouse, { ...query, goldenPath: true }, profile),
    doraMetrics(warehouse, { ...query, goldenPath: false }, profile),
  ]);
  const previousSurvey = survey?.previous ? await readSurvey(surveys, survey.previous.id, config.surveys.minGroupSize) : null;
  const { roi } = assumptions;
  const c = roi.currency;
  const days = Math.round((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000);
  const period = `${query.from} to ${query.to} (${days} days)`;
  const notes: string[] = [];
  const figures: Figure[] = [];
  const cost = { name: 'Cost per engineering hour', value: roi.costPerEngineeringHour, unit: `${c}/hour` };

  // 1. Cost of friction, and its change since the previous campaign.
  const developerMap = await developersOf(warehouse, assumptions, survey, query);
  const counted = [...developerMap.values()].reduce((s, n) => s + n, 0);
  const developers = Math.max(counted, survey?.respondents ?? 0);
  const hours = survey ? hoursLostRange(survey) : { low: null, mid: null, high: null, source: 'no survey' };
  const frictionInputs: FigureInput[] = [
    { name: 'Hours lost per developer a week (low / mid / high)', value: [hours.low, hours.mid, hours.high].map((h) => (h === null ? 'n/a' : round(h, 2))).join(' / '), unit: 'hours/week' },
    { name: 'Range from', value: hours.source, unit: '' },
    { name: 'Developers', value: developers, unit: 'people' },
    cost,
    { name: 'Working weeks per year', value: roi.workingWeeksPerYear, unit: 'weeks' },
    { name: 'Survey campaign', value: survey?.campaign.title ?? null, unit: '' },
  ];
  const friction = frictionCost(hours, developers, roi);
  figures.push({
    id: 'frictionCost', label: 'Cost of friction', unit: c, period: 'per year', ...friction,
    formula: 'hours lost per developer per week × developers × cost per hour × working weeks per year',
    inputs: frictionInputs,
    notes: [
      counted >= (survey?.respondents ?? 0) ? `Developers: ${[...developerMap].map(([t, n]) => `${t} ${n}`).join(', ') || 'none known'} (admin overrides, then catalog.teams[].developers, then estimated from merged PRs, else a shown team's respondents).` : `Developers: the ${survey?.respondents} respondents (team counts known for fewer people); set catalog.teams[].developers or an override.`,
      'Self-reported hours: people estimate lost time roughly; read the range, not the middle.',
    ],
  });
  const previousHours = previousSurvey ? hoursLostRange(previousSurvey) : null;
  const previousCost = previousHours ? frictionCost(previousHours, developers, roi) : null;
  figures.push({
    id: 'frictionCostChange', label: 'Change in cost of friction since the previous campaign', unit: c, period: 'per year',
    ...(previousCost ? rangeDifference(friction, previousCost) : { low: null, mid: null, high: null }),
    formula: '(hours lost now − hours lost at the previous campaign) × developers × cost per hour × working weeks per year, bound by bound',
    inputs: [
      { name: 'Previous campaign', value: previousSurvey?.campaign.title ?? null, unit: '' },
      { name: 'Hours lost a week then (low / mid / high)', value: previousHours ? [previousHours.low, previousHours.mid, previousHours.high].map((h) => (h === null ? 'n/a' : round(h, 2))).join(' / ') : null, unit: 'hours/week' },
      { name: 'Cost of friction then (mid)', value: previousCost?.mid ?? null, unit: `${c}/year` },
      { name: 'Cost of friction now (mid)', value: friction.mid, unit: `${c}/year` },
    ],
    notes: [previousCost ? 'Negative: friction got cheaper. The same developer count and hourly cost are used for both campaigns so only the answers move.' : 'No earlier campaign of the same survey with visible results.'],
  });

  // 2. Time returned by a faster lead time.
  const p50Before = doraBefore.leadTime.p50Hours;
  const p50Now = doraNow.leadTime.p50Hours;
  const leadHours = p50Before !== null && p50Now !== null ? leadTimeHoursReturned(p50Before, p50Now, doraNow.deploymentFrequency.deployments) : { low: null, mid: null, high: null };
  figures.push({
    id: 'leadTimeReturned', label: 'Engineering time returned by faster lead time', unit: c, period,
    ...times(leadHours, roi.costPerEngineeringHour),
    formula: `(lead time p50 previous period − p50 this period) × deployments this period × share of waiting that costs engineering time (${WAITING_SHARE.low} / ${WAITING_SHARE.mid} / ${WAITING_SHARE.high}) × cost per hour`,
    inputs: [
      { name: 'Lead time p50, previous period', value: p50Before, unit: 'hours' },
      { name: 'Lead time p50, this period', value: p50Now, unit: 'hours' },
      { name: 'Production deployments this period', value: doraNow.deploymentFrequency.deployments, unit: 'deployments' },
      { name: 'Share of waiting that is engineering time', value: `${WAITING_SHARE.low} / ${WAITING_SHARE.mid} / ${WAITING_SHARE.high}`, unit: 'share' },
      { name: 'Hours returned (low / mid / high)', value: [leadHours.low, leadHours.mid, leadHours.high].map((h) => (h === null ? 'n/a' : round(h, 1))).join(' / '), unit: 'hours' },
      cost,
    ],
    notes: ['Assumption, kept conservative: most waiting for a change to reach production is not working time; only 5–15 % of it is assumed to cost engineers (re-reading the change, rebasing, follow-ups), once per deployment rather than per commit. Negative when lead time grew.'],
  });

  // 3. Failed deployments: recovery cost now vs before, and the difference.
  const people = roi.peopleInvolvedPerFailure;
  const recoveryNow = recoveryHours(failNow);
  const recoveryBefore = recoveryHours(failBefore);
  const perHour = people * roi.costPerEngineeringHour;
  const failureInputs = (s: FailureStats, when: string): FigureInput[] => [
    { name: `Failed deployments, ${when}`, value: s.failed, unit: 'deployments' },
    { name: `…with a measured recovery, ${when}`, value: s.recovered, unit: 'deployments' },
    { name: `Measured recovery hours, ${when}`, value: round(s.recoveryHoursSum, 1), unit: 'hours' },
    { name: `Recovery p50 / p75, ${when}`, value: `${s.recoveryP50 === null ? 'n/a' : round(s.recoveryP50, 2)} / ${s.recoveryP75 === null ? 'n/a' : round(s.recoveryP75, 2)}`, unit: 'hours' },
  ];
  figures.push({
    id: 'failureCost', label: 'Cost of recovering failed deployments', unit: c, period, ...times(recoveryNow, perHour),
    formula: 'Σ recovery hours of failed deployments (low: measured only; mid/high: unmeasured ones at p50/p75) × people involved per failure × cost per hour',
    inputs: [...failureInputs(failNow, 'this period'), { name: 'People involved per failure', value: people, unit: 'people' }, cost],
    notes: [],
  });
  figures.push({
    id: 'failureReturned', label: 'Engineering time returned by fewer or faster-recovered failures', unit: c, period,
    ...times(rangeDifference(recoveryBefore, recoveryNow), perHour),
    formula: '(recovery hours previous period − recovery hours this period) × people involved per failure × cost per hour, bound by bound',
    inputs: [...failureInputs(failBefore, 'previous period'), ...failureInputs(failNow, 'this period'), { name: 'People involved per failure', value: people, unit: 'people' }, cost],
    notes: ['Negative when failures cost more this period than the one before.'],
  });

  // 4. Adoption dividend.
  const outcome = (r: DoraResult): GroupOutcome => ({ deployments: r.changeFailureRate.deployments, failed: r.changeFailureRate.failedDeployments, recoveryP50: r.recovery.failedDeploymentRecoveryP50Hours });
  const dividend = adoptionDividendHours(outcome(golden), outcome(other), people);
  figures.push({
    id: 'adoptionDividend', label: 'Adoption dividend (golden path versus other services)', unit: c, period,
    ...(dividend ? times(dividend, roi.costPerEngineeringHour) : { low: null, mid: null, high: null }),
    formula: '[(CFR other − CFR golden) × golden-path deployments × recovery p50 other + golden-path failures × (recovery p50 other − recovery p50 golden)] × people involved per failure × cost per hour; range: 95 % interval of the CFR difference',
    inputs: [
      { name: 'Golden-path deployments / failed', value: `${golden.changeFailureRate.deployments} / ${golden.changeFailureRate.failedDeployments}`, unit: 'deployments' },
      { name: 'Other deployments / failed', value: `${other.changeFailureRate.deployments} / ${other.changeFailureRate.failedDeployments}`, unit: 'deployments' },
      { name: 'CFR golden path', value: golden.changeFailureRate.rate, unit: 'share' },
      { name: 'CFR other', value: other.changeFailureRate.rate, unit: 'share' },
      { name: 'Recovery p50 golden path', value: golden.recovery.failedDeploymentRecoveryP50Hours, unit: 'hours' },
      { name: 'Recovery p50 other', value: other.recovery.failedDeploymentRecoveryP50Hours, unit: 'hours' },
      { name: 'Failures avoided (low / mid / high)', value: dividend ? `${round(dividend.avoidedFailures.low!, 1)} / ${round(dividend.avoidedFailures.mid!, 1)} / ${round(dividend.avoidedFailures.high!, 1)}` : null, unit: 'deployments' },
      { name: 'People involved per failure', value: people, unit: 'people' },
      cost,
    ],
    notes: [dividend ? 'Correlation, not proof: services on the golden path may differ in other ways (age, team, risk).' : 'Needs deployments from both golden-path and other services, and a measured recovery for the others.'],
  });

  if (!survey) notes.push('No survey campaign with results: the cost of friction needs the hours-lost question.');
  return {
    window: { from: query.from, to: query.to }, previousWindow: before,
    campaign: survey ? { id: survey.campaign.id, title: survey.campaign.title } : null,
    previousCampaign: survey?.previous ?? null,
    currency: c, assumptions, figures, notes,
  };
}
