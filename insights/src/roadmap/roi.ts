import type { PavedConfig, RoiEffect, RoiFigure, RoiFigureInput, RoiResult } from '@paved/schemas';
import { type Assumptions, campaignWindowOf, type DeveloperSource, failureSampleOf, leadTimesPerDeployment, loadAssumptions, type Scope, teamDevelopers, type TeamDevelopers } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { BOOTSTRAP, bootstrapInterval, inclusiveQuantile, memoised, weightedSortedQuantile, type Interval, type SampleSize } from './bootstrap.js';
import { previousWindow } from './friction.js';
import { round } from './scoring.js';
import { readSurvey, type SurveySource, type SurveyView } from './survey-source.js';

/**
 * Figures for leadership, each a range (low, mid, high) with the formula that produced it and every
 * input with its unit, so a reader can redo the sum. Pure functions compute the figures; `roiSummary`
 * gathers their inputs from the warehouse and the survey.
 *
 * A figure that rests on a change (between two periods, two campaigns, or golden-path and other
 * services) carries that change as an `effect` with a 95 % bootstrap interval; when the interval
 * includes zero the figure has no amount (`significant: false`, low/mid/high null): the change is
 * not distinguishable from noise. Every figure is per year (see `ANNUAL`).
 */

/** A figure, its input and the change it rests on: the contract in @paved/schemas (schemas/src/roi.ts). */
export type FigureInput = RoiFigureInput;
export type Effect = RoiEffect;
export type Figure = RoiFigure;

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

const times = (r: Range, f: number): Range => ({ low: r.low === null ? null : round(r.low * f, 0), mid: r.mid === null ? null : round(r.mid * f, 0), high: r.high === null ? null : round(r.high * f, 0) });

// ---------- samples the effects are resampled from ----------

/** Lead times of the changes deployed in a window, sorted, each with the index of its deployment. */
export interface LeadTimeSample {
  deployments: number;
  sorted: Float64Array;
  deploymentOf: Uint32Array;
  /** Changes per deployment. */
  changesOf: Uint32Array;
}

/** Builds a sample from each deployment's change lead times (hours, > 0). */
export function leadTimeSampleOf(deployments: readonly (readonly number[])[]): LeadTimeSample {
  const rows = deployments.flatMap((leads, d) => leads.map((value) => ({ value, d })));
  rows.sort((a, b) => a.value - b.value || a.d - b.d);
  return { deployments: deployments.length, sorted: Float64Array.from(rows, (r) => r.value), deploymentOf: Uint32Array.from(rows, (r) => r.d), changesOf: Uint32Array.from(deployments, (leads) => leads.length) };
}

/** Lead time p50 of a sample with each deployment drawn `counts[d]` times (all ones: as observed). */
function leadTimeP50(sample: LeadTimeSample, counts: Uint32Array): number | null {
  let changes = 0;
  for (let d = 0; d < sample.deployments; d += 1) changes += counts[d]! * sample.changesOf[d]!;
  return weightedSortedQuantile(sample.sorted, counts, 0.5, sample.deploymentOf, changes);
}

/**
 * Deployments of a window as the failure figures need them: how many, how many failed without a
 * measured recovery, and the measured recovery hours of the others (sorted).
 */
export interface FailureSample {
  deployments: number;
  unmeasured: number;
  measured: number[];
}

export function failureStatsOf(sample: FailureSample): FailureStats {
  return {
    failed: sample.measured.length + sample.unmeasured,
    recovered: sample.measured.length,
    recoveryHoursSum: sample.measured.reduce((s, h) => s + h, 0),
    recoveryP50: inclusiveQuantile(sample.measured, 0.5),
    recoveryP75: inclusiveQuantile(sample.measured, 0.75),
  };
}

/*
 * A failure sample resampled: units 0..m−1 are the measured failures (in `measured` order), m..m+u−1
 * the unmeasured ones, the rest deployments that did not fail.
 */
function resampledFailures(sample: FailureSample, counts: Uint32Array): { failed: number; measuredSum: number; unmeasured: number; p50: number | null } {
  const m = sample.measured.length;
  let measuredSum = 0;
  let measuredN = 0;
  for (let i = 0; i < m; i += 1) { measuredSum += counts[i]! * sample.measured[i]!; measuredN += counts[i]!; }
  let unmeasured = 0;
  for (let i = m; i < m + sample.unmeasured; i += 1) unmeasured += counts[i]!;
  return { failed: measuredN + unmeasured, measuredSum, unmeasured, p50: weightedSortedQuantile(sample.measured, counts, 0.5) };
}

/** Recovery hours of a (resampled) window with unmeasured failures at the p50: the mid of `recoveryHours`. */
function recoveryHoursMid(sample: FailureSample, counts: Uint32Array): number | null {
  const r = resampledFailures(sample, counts);
  if (r.unmeasured > 0 && r.p50 === null) return null;
  return r.measuredSum + r.unmeasured * (r.p50 ?? 0);
}

/** Only the failed deployments need counts; the others are interchangeable. */
const failureUnits = (s: FailureSample): SampleSize => ({ tracked: s.measured.length + s.unmeasured, total: s.deployments });

function outcomeOf(sample: FailureSample, counts: Uint32Array): GroupOutcome {
  const r = resampledFailures(sample, counts);
  return { deployments: sample.deployments, failed: r.failed, recoveryP50: r.p50 };
}

// ---------- effects ----------

const DEPLOYMENTS_METHOD = `percentile bootstrap: the deployments of each side resampled with replacement (a deployment keeps all its changes), ${BOOTSTRAP.resamples.toLocaleString('en')} resamples, seed ${BOOTSTRAP.seed}; 95 % interval = 2.5th to 97.5th percentile of the resampled change`;

function effectOf(name: string, unit: string, interval: Interval, method: string, samples: Effect['samples'], reason: string | null = null): Effect {
  const r = (v: number | null) => (v === null ? null : round(v, 2));
  return {
    name, unit, estimate: r(interval.estimate), low: r(interval.low), high: r(interval.high), confidence: BOOTSTRAP.confidence,
    method, resamples: interval.resamples, seed: BOOTSTRAP.seed, samples,
    reason: reason ?? (interval.low === null ? 'too few observations on one side to resample' : null),
  };
}

/** Lead time p50 previous period − this period, in hours (positive: faster now). */
export const leadTimeEffect = memoised('lead time', (before: LeadTimeSample, now: LeadTimeSample): Effect => {
  const interval = bootstrapInterval([before.deployments, now.deployments], ([b, n]) => {
    const p50Before = leadTimeP50(before, b!);
    const p50Now = leadTimeP50(now, n!);
    return p50Before === null || p50Now === null ? null : p50Before - p50Now;
  });
  return effectOf('lead time p50: previous period − this period', 'hours', interval, DEPLOYMENTS_METHOD, [
    { name: 'deployments with a measured lead time, previous period', n: before.deployments },
    { name: 'changes, previous period', n: before.sorted.length },
    { name: 'deployments with a measured lead time, this period', n: now.deployments },
    { name: 'changes, this period', n: now.sorted.length },
  ]);
});

/** Recovery hours of failed deployments, previous period − this period (unmeasured failures at each resample's p50). */
export const failureRecoveryEffect = memoised('failure recovery', (before: FailureSample, now: FailureSample): Effect => {
  const interval = bootstrapInterval([failureUnits(before), failureUnits(now)], ([b, n]) => {
    const then = recoveryHoursMid(before, b!);
    const current = recoveryHoursMid(now, n!);
    return then === null || current === null ? null : then - current;
  });
  return effectOf('recovery hours of failed deployments: previous period − this period', 'hours', interval,
    DEPLOYMENTS_METHOD.replace('(a deployment keeps all its changes)', '(so both how many fail and how long they take to recover vary)'), [
      { name: 'deployments, previous period', n: before.deployments },
      { name: 'failed, previous period', n: before.measured.length + before.unmeasured },
      { name: 'deployments, this period', n: now.deployments },
      { name: 'failed, this period', n: now.measured.length + now.unmeasured },
    ]);
});

/** Adoption dividend in hours (`adoptionDividendHours` mid), golden-path and other deployments resampled. */
export const adoptionDividendEffect = memoised('adoption dividend', (golden: FailureSample, other: FailureSample, people: number): Effect => {
  const interval = bootstrapInterval([failureUnits(golden), failureUnits(other)], ([g, o]) =>
    adoptionDividendHours(outcomeOf(golden, g!), outcomeOf(other, o!), people)?.mid ?? null);
  return effectOf('hours saved on golden-path deployments versus other services', 'hours', interval,
    DEPLOYMENTS_METHOD.replace('each side', 'golden-path and other services').replace(' (a deployment keeps all its changes)', ''), [
      { name: 'golden-path deployments', n: golden.deployments },
      { name: 'golden-path failed', n: golden.measured.length + golden.unmeasured },
      { name: 'other deployments', n: other.deployments },
      { name: 'other failed', n: other.measured.length + other.unmeasured },
    ]);
});

const SHOWN_TEAMS = (view: Pick<SurveyView, 'groups'>) => view.groups.flatMap((g) => (g.hoursLost && g.hoursLost.mean !== null && g.hoursLost.answered > 0 ? [{ mean: g.hoursLost.mean, answered: g.hoursLost.answered }] : []));

/**
 * Hours lost per developer a week, this campaign − the previous one. Estimate: the organisation's
 * means; interval: the shown teams' means (weighted by who answered) resampled team by team within
 * each campaign (the surveys package shares group means, never answers). Needs two shown teams in both.
 */
export function hoursLostChangeEffect(now: Pick<SurveyView, 'org' | 'groups'>, previous: Pick<SurveyView, 'org' | 'groups'>): Effect {
  const a = SHOWN_TEAMS(now);
  const b = SHOWN_TEAMS(previous);
  const orgNow = now.org?.hoursLost?.mean ?? null;
  const orgThen = previous.org?.hoursLost?.mean ?? null;
  const mean = (teams: { mean: number; answered: number }[], counts: Uint32Array) => {
    let sum = 0;
    let weight = 0;
    teams.forEach((t, i) => { sum += counts[i]! * t.answered * t.mean; weight += counts[i]! * t.answered; });
    return weight === 0 ? null : sum / weight;
  };
  const enough = a.length >= 2 && b.length >= 2 && orgNow !== null && orgThen !== null;
  const interval = enough
    ? bootstrapInterval([a.length, b.length], ([x, y]) => {
      const m = mean(a, x!);
      const p = mean(b, y!);
      return m === null || p === null ? null : m - p;
    })
    : { estimate: null, low: null, high: null, resamples: 0, significant: false };
  // The estimate is the organisation's (hidden teams count there); the interval's width comes from the shown teams.
  const estimate = orgNow !== null && orgThen !== null ? orgNow - orgThen : null;
  const widened = interval.low === null || estimate === null ? interval : { ...interval, estimate, low: Math.min(interval.low, estimate), high: Math.max(interval.high!, estimate), significant: interval.significant && Math.min(interval.low, estimate) * Math.max(interval.high!, estimate) > 0 };
  return effectOf('hours lost per developer a week: this campaign − the previous one', 'hours/week', { ...widened, estimate }, `percentile bootstrap over the shown teams (each team's mean, weighted by who answered, resampled with replacement within each campaign), ${BOOTSTRAP.resamples.toLocaleString('en')} resamples, seed ${BOOTSTRAP.seed}; the interval is widened to include the organisation's change if it lies outside`, [
    { name: 'shown teams with answers, this campaign', n: a.length },
    { name: 'shown teams with answers, previous campaign', n: b.length },
  ], enough ? null : 'needs two or more shown teams with hours-lost answers in both campaigns');
}

/**
 * Money from an effect: null unless its interval excludes zero. `perUnit` converts one unit of the
 * effect to money (low/mid/high where an assumption has a range too); low and high are the extreme
 * products of the interval's bounds and the conversion's bounds.
 */
export function moneyFromEffect(effect: Effect, perUnit: { low: number; mid: number; high: number }): Range & { significant: boolean } {
  if (effect.estimate === null || effect.low === null || effect.high === null || !(effect.low > 0 || effect.high < 0)) return { low: null, mid: null, high: null, significant: false };
  const corners = [effect.low * perUnit.low, effect.low * perUnit.high, effect.high * perUnit.low, effect.high * perUnit.high];
  const r = ordered(Math.min(...corners), effect.estimate * perUnit.mid, Math.max(...corners));
  return { low: round(r.low, 0), mid: round(r.mid, 0), high: round(r.high, 0), significant: true };
}

// ---------- developers ----------

export interface DeveloperCount {
  /** Developers the friction figures multiply by. */
  count: number;
  /** `catalog`: the one developer-count source (override, catalog.teams[].developers, estimate from merged PRs), plus the respondents of shown teams it has no count for; `respondents`: that came to fewer people than answered, so the respondents are used. */
  basis: 'catalog' | 'respondents' | 'none';
  teams: { team: string; count: number; source: DeveloperSource | 'respondents' }[];
  respondents: number | null;
}

/**
 * Developers behind the friction figures: per team from the one developer count Surveys uses too,
 * over the teams the survey counts (its participation teams: the same people the Surveys page
 * counts; every known team without a survey), a shown team without a count at its respondents.
 */
export function developerCount(known: ReadonlyMap<string, TeamDevelopers>, survey: Pick<SurveyView, 'respondents' | 'groups' | 'participation'> | null): DeveloperCount {
  const surveyed = survey?.participation ? new Set(survey.participation.teams.map((t) => t.team)) : null;
  const teams: DeveloperCount['teams'] = [...known].filter(([team]) => !surveyed || surveyed.has(team)).map(([team, d]) => ({ team, count: d.count, source: d.source }));
  for (const group of survey?.groups ?? []) if (!known.has(group.group)) teams.push({ team: group.group, count: group.respondents, source: 'respondents' });
  teams.sort((a, b) => a.team.localeCompare(b.team));
  const counted = teams.reduce((s, t) => s + t.count, 0);
  const respondents = survey?.respondents ?? null;
  if (respondents !== null && counted < respondents) return { count: respondents, basis: 'respondents', teams, respondents };
  return { count: counted, basis: counted === 0 ? 'none' : 'catalog', teams, respondents };
}

// ---------- period ----------

/** Every figure is per year: a figure measured over the window is multiplied by 365 / window days. */
export const ANNUAL = { daysPerYear: 365 } as const;

export function annualisationFactor(window: { from: string; to: string }): { days: number; factor: number } {
  const days = Math.round((Date.parse(window.to) - Date.parse(window.from)) / 86_400_000);
  return { days, factor: ANNUAL.daysPerYear / days };
}

// ---------- figures ----------

export interface RoiSummary {
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  /** One period for every figure: per year; window figures × `annualisationFactor` (365 / `windowDays`). */
  period: { per: 'year'; windowDays: number; annualisationFactor: number; statement: string };
  campaign: { id: string; title: string } | null;
  previousCampaign: { id: string; title: string } | null;
  currency: string;
  assumptions: Assumptions;
  developers: DeveloperCount;
  figures: Figure[];
  notes: string[];
}

const PER_YEAR = 'per year' as const;
const fmtRange = (r: { low: number | null; mid: number | null; high: number | null }, digits = 2) => [r.low, r.mid, r.high].map((h) => (h === null ? 'n/a' : round(h, digits))).join(' / ');
const intervalText = (e: Effect) => (e.low === null ? 'n/a' : `${e.low} to ${e.high}`);
const notDistinguishable = (e: Effect) => (e.reason
  ? `Not distinguishable from zero: no interval (${e.reason}), so no amount is shown.`
  : `Not distinguishable from zero: the 95 % interval of the change (${intervalText(e)} ${e.unit}) includes zero, so no amount is shown.`);
const effectInputs = (e: Effect): FigureInput[] => [
  { name: `Change: ${e.name}`, value: e.estimate, unit: e.unit },
  { name: '95 % interval of the change', value: intervalText(e), unit: e.unit },
];

export interface LeadTimeFigureInput {
  before: LeadTimeSample;
  now: LeadTimeSample;
  /** Production deployments this period (all of them, not only those with a measured lead time). */
  deploymentsNow: number;
  roi: Assumptions['roi'];
  window: { from: string; to: string };
}

/** Engineering time returned by a faster lead time, per year, or no amount when the change may be noise. */
export function leadTimeFigure({ before, now, deploymentsNow, roi, window }: LeadTimeFigureInput): Figure {
  const p50Before = leadTimeP50(before, new Uint32Array(before.deployments).fill(1));
  const p50Now = leadTimeP50(now, new Uint32Array(now.deployments).fill(1));
  const effect = leadTimeEffect(before, now);
  const { days, factor } = annualisationFactor(window);
  const perHour = deploymentsNow * roi.costPerEngineeringHour * factor;
  const amount = moneyFromEffect(effect, { low: perHour * WAITING_SHARE.low, mid: perHour * WAITING_SHARE.mid, high: perHour * WAITING_SHARE.high });
  const hours = p50Before !== null && p50Now !== null ? leadTimeHoursReturned(p50Before, p50Now, deploymentsNow) : { low: null, mid: null, high: null };
  return {
    id: 'leadTimeReturned', label: 'Engineering time returned by faster lead time', unit: roi.currency, period: PER_YEAR,
    low: amount.low, mid: amount.mid, high: amount.high, significant: amount.significant, effect,
    formula: `(lead time p50 previous period − p50 this period) × deployments this period × share of waiting that costs engineering time (${WAITING_SHARE.low} / ${WAITING_SHARE.mid} / ${WAITING_SHARE.high}) × cost per hour × 365 / window days; low/high: the 95 % interval of the lead-time change at the low/high share; no amount when that interval includes zero`,
    inputs: [
      { name: 'Lead time p50, previous period', value: p50Before === null ? null : round(p50Before, 2), unit: 'hours' },
      { name: 'Lead time p50, this period', value: p50Now === null ? null : round(p50Now, 2), unit: 'hours' },
      ...effectInputs(effect),
      { name: 'Production deployments this period', value: deploymentsNow, unit: 'deployments' },
      { name: 'Share of waiting that is engineering time', value: `${WAITING_SHARE.low} / ${WAITING_SHARE.mid} / ${WAITING_SHARE.high}`, unit: 'share' },
      ...(amount.significant ? [{ name: 'Hours returned in the window at the observed change (low / mid / high share)', value: fmtRange(hours, 1), unit: 'hours' }] : []),
      { name: `Annualised: × 365 / ${days} days`, value: round(factor, 3), unit: '×' },
      { name: 'Cost per engineering hour', value: roi.costPerEngineeringHour, unit: `${roi.currency}/hour` },
    ],
    notes: [
      ...(amount.significant ? [] : [notDistinguishable(effect)]),
      `Interval: ${effect.method}.`,
      'Assumption, kept conservative: most waiting for a change to reach production is not working time; only 5–15 % of it is assumed to cost engineers (re-reading the change, rebasing, follow-ups), once per deployment rather than per commit. Negative when lead time grew.',
    ],
  };
}

export interface FailureFiguresInput {
  before: FailureSample;
  now: FailureSample;
  roi: Assumptions['roi'];
  window: { from: string; to: string };
}

const failureInputs = (s: FailureStats, when: string): FigureInput[] => [
  { name: `Failed deployments, ${when}`, value: s.failed, unit: 'deployments' },
  { name: `…with a measured recovery, ${when}`, value: s.recovered, unit: 'deployments' },
  { name: `Measured recovery hours, ${when}`, value: round(s.recoveryHoursSum, 1), unit: 'hours' },
  { name: `Recovery p50 / p75, ${when}`, value: `${s.recoveryP50 === null ? 'n/a' : round(s.recoveryP50, 2)} / ${s.recoveryP75 === null ? 'n/a' : round(s.recoveryP75, 2)}`, unit: 'hours' },
];

/** The cost of recovering failed deployments (a level, per year) and the time returned since the previous period (an effect). */
export function failureFigures({ before, now, roi, window }: FailureFiguresInput): [Figure, Figure] {
  const c = roi.currency;
  const { days, factor } = annualisationFactor(window);
  const perHour = roi.peopleInvolvedPerFailure * roi.costPerEngineeringHour * factor;
  const statsNow = failureStatsOf(now);
  const statsBefore = failureStatsOf(before);
  const people = { name: 'People involved per failure', value: roi.peopleInvolvedPerFailure, unit: 'people' };
  const cost = { name: 'Cost per engineering hour', value: roi.costPerEngineeringHour, unit: `${c}/hour` };
  const annual = { name: `Annualised: × 365 / ${days} days`, value: round(factor, 3), unit: '×' };
  const level = times(recoveryHours(statsNow), perHour);
  const exact = statsNow.failed === statsNow.recovered;
  const effect = failureRecoveryEffect(before, now);
  const amount = moneyFromEffect(effect, { low: perHour, mid: perHour, high: perHour });
  return [{
    id: 'failureCost', label: 'Cost of recovering failed deployments', unit: c, period: PER_YEAR, ...level, significant: null, effect: null,
    formula: 'Σ recovery hours of failed deployments this period (low: measured only; mid/high: unmeasured ones at p50/p75) × people involved per failure × cost per hour × 365 / window days',
    inputs: [...failureInputs(statsNow, 'this period'), people, cost, annual],
    notes: statsNow.failed === 0 ? ['No failed deployment this period.'] : exact ? ['Every failure has a measured recovery, so low, middle and high are the same amount.'] : [],
  }, {
    id: 'failureReturned', label: 'Engineering time returned by fewer or faster-recovered failures', unit: c, period: PER_YEAR,
    low: amount.low, mid: amount.mid, high: amount.high, significant: amount.significant, effect,
    formula: '(recovery hours previous period − recovery hours this period, unmeasured failures at the p50) × people involved per failure × cost per hour × 365 / window days; low/high: the 95 % interval of the change; no amount when it includes zero',
    inputs: [...failureInputs(statsBefore, 'previous period'), ...failureInputs(statsNow, 'this period'), ...effectInputs(effect), people, cost, annual],
    notes: [
      ...(amount.significant ? [] : [notDistinguishable(effect)]),
      `Interval: ${effect.method}.`,
      'Negative when failures cost more this period than the one before.',
    ],
  }];
}

export interface AdoptionFigureInput {
  golden: FailureSample;
  other: FailureSample;
  roi: Assumptions['roi'];
  window: { from: string; to: string };
}

export function adoptionFigure({ golden, other, roi, window }: AdoptionFigureInput): Figure {
  const people = roi.peopleInvolvedPerFailure;
  const { days, factor } = annualisationFactor(window);
  const g = failureStatsOf(golden);
  const o = failureStatsOf(other);
  const point = adoptionDividendHours({ deployments: golden.deployments, failed: g.failed, recoveryP50: g.recoveryP50 }, { deployments: other.deployments, failed: o.failed, recoveryP50: o.recoveryP50 }, people);
  const effect = adoptionDividendEffect(golden, other, people);
  const perHour = roi.costPerEngineeringHour * factor;
  const amount = moneyFromEffect(effect, { low: perHour, mid: perHour, high: perHour });
  const rate = (s: FailureStats, n: number) => (n === 0 ? null : round(s.failed / n, 4));
  return {
    id: 'adoptionDividend', label: 'Adoption dividend (golden path versus other services)', unit: roi.currency, period: PER_YEAR,
    low: amount.low, mid: amount.mid, high: amount.high, significant: amount.significant, effect,
    formula: '[(CFR other − CFR golden) × golden-path deployments × recovery p50 other + golden-path failures × (recovery p50 other − recovery p50 golden)] × people involved per failure × cost per hour × 365 / window days; low/high: 95 % bootstrap interval; no amount when it includes zero',
    inputs: [
      { name: 'Golden-path deployments / failed', value: `${golden.deployments} / ${g.failed}`, unit: 'deployments' },
      { name: 'Other deployments / failed', value: `${other.deployments} / ${o.failed}`, unit: 'deployments' },
      { name: 'CFR golden path', value: rate(g, golden.deployments), unit: 'share' },
      { name: 'CFR other', value: rate(o, other.deployments), unit: 'share' },
      { name: 'Recovery p50 golden path', value: g.recoveryP50 === null ? null : round(g.recoveryP50, 2), unit: 'hours' },
      { name: 'Recovery p50 other', value: o.recoveryP50 === null ? null : round(o.recoveryP50, 2), unit: 'hours' },
      { name: 'Failures avoided (low / estimate / high, 95 % normal interval of the CFR difference)', value: point ? `${round(point.avoidedFailures.low!, 1)} / ${round(point.avoidedFailures.mid!, 1)} / ${round(point.avoidedFailures.high!, 1)}` : null, unit: 'deployments' },
      ...effectInputs(effect),
      { name: 'People involved per failure', value: people, unit: 'people' },
      { name: 'Cost per engineering hour', value: roi.costPerEngineeringHour, unit: `${roi.currency}/hour` },
      { name: `Annualised: × 365 / ${days} days`, value: round(factor, 3), unit: '×' },
    ],
    notes: [
      ...(amount.significant ? [] : [point ? notDistinguishable(effect) : 'Needs deployments from both golden-path and other services, and a measured recovery for the others.']),
      `Interval: ${effect.method}.`,
      'Correlation, not proof: services on the golden path may differ in other ways (age, team, risk).',
    ],
  };
}

export interface FrictionFiguresInput {
  survey: SurveyView | null;
  previousSurvey: SurveyView | null;
  developers: DeveloperCount;
  roi: Assumptions['roi'];
}

const developerNote = (d: DeveloperCount): string => {
  const list = d.teams.map((t) => `${t.team} ${t.count} (${t.source})`).join(', ');
  if (d.basis === 'respondents') return `Developers: the ${d.respondents} survey respondents — the team counts known (${list || 'none'}) add up to fewer people than answered; set catalog.teams[].developers or an override.`;
  if (d.basis === 'none') return 'Developers: none known; set catalog.teams[].developers or an override.';
  return `Developers: ${list} — from the one developer count Surveys uses too (admin override, else catalog.teams[].developers, else estimated from merged PRs; a shown team without any: its respondents).`;
};

/** The cost of friction (a level, per year) and its change since the previous campaign (an effect). */
export function frictionFigures({ survey, previousSurvey, developers, roi }: FrictionFiguresInput): [Figure, Figure] {
  const c = roi.currency;
  const hours = survey ? hoursLostRange(survey) : { low: null, mid: null, high: null, source: 'no survey' };
  const friction = frictionCost(hours, developers.count, roi);
  const developerInput = { name: developers.basis === 'respondents' ? 'Developers (survey respondents)' : 'Developers (developer counts per team)', value: developers.count, unit: 'people' };
  const cost = { name: 'Cost per engineering hour', value: roi.costPerEngineeringHour, unit: `${c}/hour` };
  const weeks = { name: 'Working weeks per year', value: roi.workingWeeksPerYear, unit: 'weeks' };
  const first: Figure = {
    id: 'frictionCost', label: 'Cost of friction', unit: c, period: PER_YEAR, ...friction, significant: null, effect: null,
    formula: 'hours lost per developer per week × developers × cost per hour × working weeks per year',
    inputs: [
      { name: 'Hours lost per developer a week (low / mid / high)', value: fmtRange(hours), unit: 'hours/week' },
      { name: 'Range from', value: hours.source, unit: '' },
      developerInput, cost, weeks,
      { name: 'Survey campaign', value: survey?.campaign.title ?? null, unit: '' },
    ],
    notes: [developerNote(developers), 'Self-reported hours: people estimate lost time roughly; read the range, not the middle.'],
  };
  const effect = survey && previousSurvey ? hoursLostChangeEffect(survey, previousSurvey) : null;
  const perHourWeek = developers.count * roi.costPerEngineeringHour * roi.workingWeeksPerYear;
  const amount = effect ? moneyFromEffect(effect, { low: perHourWeek, mid: perHourWeek, high: perHourWeek }) : { low: null, mid: null, high: null, significant: false };
  const second: Figure = {
    id: 'frictionCostChange', label: 'Change in cost of friction since the previous campaign', unit: c, period: PER_YEAR,
    low: amount.low, mid: amount.mid, high: amount.high, significant: effect ? amount.significant : null, effect,
    formula: '(hours lost now − hours lost at the previous campaign) × developers × cost per hour × working weeks per year; low/high: the 95 % interval of the change; no amount when it includes zero',
    inputs: [
      { name: 'Previous campaign', value: previousSurvey?.campaign.title ?? null, unit: '' },
      { name: 'Hours lost a week, organisation mean, then / now', value: `${previousSurvey?.org?.hoursLost?.mean ?? 'n/a'} / ${survey?.org?.hoursLost?.mean ?? 'n/a'}`, unit: 'hours/week' },
      ...(effect ? effectInputs(effect) : []),
      developerInput, cost, weeks,
    ],
    notes: effect
      ? [...(amount.significant ? [] : [notDistinguishable(effect)]), `Interval: ${effect.method}.`, 'Negative: friction got cheaper. The same developer count and hourly cost are used for both campaigns so only the answers move.']
      : ['No earlier campaign of the same survey with visible results.'],
  };
  return [first, second];
}

// ---------- reading the warehouse ----------

/**
 * Per deployment in the window, the lead times (hours, > 0) of its changes, as the DORA lead time
 * counts them. Built once per data version of t_changes (Warehouse.derived): at large scale the
 * organisation's 90 days are 23,000 deployments, which took 0.4 s to read, validate and sort on every
 * view of ROI. The sample is shared: read-only.
 */
export async function leadTimeSample(warehouse: Warehouse, window: { from: string; to: string } & Scope): Promise<LeadTimeSample> {
  const key = `roi lead-time sample ${JSON.stringify([window.from, window.to, window.team ?? null, window.service ?? null, window.goldenPath ?? null])}`;
  return warehouse.derived(key, ['t_changes'], (s) => s.sorted.byteLength + s.deploymentOf.byteLength + s.changesOf.byteLength,
    async () => leadTimeSampleOf(await leadTimesPerDeployment(warehouse, window)));
}

/** The window's production deployments as a `FailureSample`. */
export async function failureSample(warehouse: Warehouse, window: { from: string; to: string } & Scope): Promise<FailureSample> {
  return failureSampleOf(warehouse, window);
}

/** The ROI figures for a window (and the survey campaign, newest by default), all per year. */
export async function roiSummary(warehouse: Warehouse, config: PavedConfig, query: { campaignId?: string; from: string; to: string }, surveys: SurveySource, now = new Date()): Promise<RoiSummary & RoiResult> {
  const before = previousWindow(query);
  const [assumptions, survey, leadBefore, leadNow, failBefore, failNow, golden, other] = await Promise.all([
    loadAssumptions(warehouse, config),
    readSurvey(surveys, query.campaignId, config.surveys.minGroupSize),
    leadTimeSample(warehouse, before),
    leadTimeSample(warehouse, query),
    failureSample(warehouse, before),
    failureSample(warehouse, query),
    failureSample(warehouse, { ...query, goldenPath: true }),
    failureSample(warehouse, { ...query, goldenPath: false }),
  ]);
  const [previousSurvey, known] = await Promise.all([
    survey?.previous ? readSurvey(surveys, survey.previous.id, config.surveys.minGroupSize) : Promise.resolve(null),
    teamDevelopers(warehouse, assumptions, survey ? campaignWindowOf(survey.campaign, now) : query),
  ]);
  const { roi } = assumptions;
  const developers = developerCount(known, survey);
  const window = { from: query.from, to: query.to };
  const { days, factor } = annualisationFactor(window);
  const figures: Figure[] = [
    ...frictionFigures({ survey, previousSurvey, developers, roi }),
    leadTimeFigure({ before: leadBefore, now: leadNow, deploymentsNow: failNow.deployments, roi, window }),
    ...failureFigures({ before: failBefore, now: failNow, roi, window }),
    adoptionFigure({ golden, other, roi, window }),
  ];
  const notes: string[] = [];
  if (!survey) notes.push('No survey campaign with results: the cost of friction needs the hours-lost question.');
  return {
    window, previousWindow: before,
    period: { per: 'year', windowDays: days, annualisationFactor: round(factor, 4), statement: `All figures are per year. Figures measured over the ${days}-day window are multiplied by 365 / ${days} = ${round(factor, 2)}, i.e. assume the window's pace holds for a year; the cost of friction is a weekly answer × working weeks a year.` },
    campaign: survey ? { id: survey.campaign.id, title: survey.campaign.title } : null,
    previousCampaign: survey?.previous ?? null,
    currency: roi.currency, assumptions, developers, figures, notes,
  };
}
