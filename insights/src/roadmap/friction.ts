import type { PavedConfig } from '@paved/schemas';
import { formatDuration } from '@paved/schemas/duration';
import { type Assumptions, campaignWindowOf, loadAssumptions, teamDevelopers } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { isMeasure, MEASURE_INFO, measureGap, measureWindow, type Measure, type MeasuredWindow } from './measures.js';
import { round, scoreDrivers, weightedMean, WEIGHTS, TREND_FULL_POINTS, type DriverInput, type Level, type TeamDriverInput } from './scoring.js';
import { readSurvey, type SurveyGroup, type SurveySource, type SurveyView } from './survey-source.js';

export interface RoadmapQuery {
  campaignId?: string;
  from: string;
  to: string;
}

/** Which free-text themes (surveys' themes.ts lexicon) speak to which driver. */
export const THEME_DRIVERS: Readonly<Record<string, readonly string[]>> = {
  builds_ci: ['build_test_speed', 'ci_reliability'],
  code_review: ['code_review'],
  deployment: ['ease_of_deployment'],
  documentation: ['documentation'],
  focus: ['flow_focus'],
  on_call: ['on_call'],
  complexity: ['cognitive_load'],
  platform: ['platform_satisfaction'],
};

export const SCORE_FORMULA = `score = 100 × (${WEIGHTS.unfavourable} × U + ${WEIGHTS.metricGap} × G + ${WEIGHTS.hoursLost} × H + ${WEIGHTS.trend} × T); `
  + 'U = Σ dev × (1 − favourable) / Σ dev over teams; G = mean over mapped metrics of the developer-weighted normalised gap to the next DORA level; '
  + `H = Σ dev × (1 − favourable) × hours lost, relative to the largest driver; T = −(change in % favourable, points) / ${TREND_FULL_POINTS}, clamped to −1…1`;

export interface MetricEvidence {
  measure: Measure;
  label: string;
  unit: string;
  /** Organisation-wide value this period and the period before. */
  value: number | null;
  previousValue: number | null;
  level: Level | null;
  nextLevel: Level | null;
  threshold: number | null;
  /** Organisation-wide normalised gap (0-1). */
  gap: number | null;
  /** Developer-weighted team gap used in the score. */
  weightedTeamGap: number | null;
  /** Teams farthest from their next level (measured data, not survey answers). */
  farthestTeams: { team: string; value: number; level: Level; gap: number }[];
}

export interface FrictionEntry {
  rank: number;
  driverId: string;
  label: string;
  score: number;
  components: { unfavourable: number; metricGap: number; hoursLost: number; trend: number };
  favourable: number | null;
  developersUnfavourable: number;
  weightedHoursLost: number;
  evidence: {
    /** Shown teams only (at or above minGroupSize), most affected first. */
    teams: { team: string; respondents: number; developers: number; favourable: number | null; hoursLost: number | null }[];
    metrics: MetricEvidence[];
    themes: { id: string; label: string; mentions: number; examples: string[] }[];
  };
  changes: { previousCampaign: string | null; favourablePoints: number | null; lines: string[] };
}

export interface FrictionRoadmap {
  campaign: { id: string; title: string } | null;
  previousCampaign: { id: string; title: string } | null;
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  minGroupSize: number;
  respondents: number | null;
  hiddenTeams: number;
  formula: string;
  entries: FrictionEntry[];
  notes: string[];
}

const DAY = 86_400_000;
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
/** The window of the same length just before [from, to). */
export function previousWindow(window: { from: string; to: string }): { from: string; to: string } {
  const days = Math.round((Date.parse(window.to) - Date.parse(window.from)) / DAY);
  return { from: addDays(window.from, -days), to: window.from };
}

/**
 * Developers per team from the one source Surveys uses too (metrics/catalog.ts `teamDevelopers`:
 * override, catalog, estimate from merged PRs in the 90 days before the campaign closed, or in
 * `window` without a campaign), else a shown team's respondents.
 */
export async function developersOf(warehouse: Warehouse, assumptions: Assumptions, survey: SurveyView | null, window: { from: string; to: string }, now = new Date()): Promise<Map<string, number>> {
  const counts = await teamDevelopers(warehouse, assumptions, survey ? campaignWindowOf(survey.campaign, now) : window);
  const out = new Map<string, number>([...counts].map(([team, developers]) => [team, developers.count]));
  for (const group of survey?.groups ?? []) if (!out.has(group.group)) out.set(group.group, group.respondents);
  return out;
}

function driverOf(group: SurveyGroup | null | undefined, id: string) {
  return group?.drivers.find((d) => d.id === id) ?? null;
}

/**
 * The ranked friction points of a campaign: every survey driver scored (see scoring.ts for the
 * formula) with evidence from shown teams, measured metrics and free-text themes.
 */
export async function frictionRoadmap(warehouse: Warehouse, config: PavedConfig, query: RoadmapQuery, surveys: SurveySource): Promise<FrictionRoadmap> {
  const profile = config.metrics.benchmarkProfile;
  const k = config.surveys.minGroupSize;
  const before = previousWindow(query);
  const [assumptions, survey, now, then] = await Promise.all([
    loadAssumptions(warehouse, config),
    readSurvey(surveys, query.campaignId, k),
    measureWindow(warehouse, query, profile),
    measureWindow(warehouse, before, profile),
  ]);
  const base = { window: { from: query.from, to: query.to }, previousWindow: before, formula: SCORE_FORMULA };
  if (!survey) return { ...base, campaign: null, previousCampaign: null, minGroupSize: k, respondents: null, hiddenTeams: 0, entries: [], notes: ['No survey campaign with results: run a survey (paved survey create) to rank friction points.'] };
  const previous = survey.previous ? await readSurvey(surveys, survey.previous.id, k) : null;
  const notes: string[] = [];
  if (!survey.org) notes.push(`Fewer than ${survey.minGroupSize} responses: nothing can be ranked without revealing individual answers.`);
  if (survey.hiddenGroups.length) notes.push(`${survey.hiddenGroups.length} team(s) are below ${survey.minGroupSize} respondents: they count through the organisation-wide figures only.`);

  const developers = await developersOf(warehouse, assumptions, survey, query);
  const shown = new Map(survey.groups.map((g) => [g.group, g]));
  const mapping = surveys.metricMapping;
  const drivers = survey.org?.drivers ?? [];

  const inputs: DriverInput[] = drivers.map((driver) => ({
    driverId: driver.id,
    teams: [...developers].map(([team, dev]): TeamDriverInput => {
      const group = shown.get(team) ?? survey.org;
      return { team, developers: dev, favourable: driverOf(group, driver.id)?.favourable ?? null, hoursLost: group?.hoursLost?.mean ?? null };
    }),
    metricGaps: (mapping[driver.id] ?? []).filter(isMeasure).map((m) => teamGap(m, now, developers, profile, surveys.bands)).filter((g): g is number => g !== null),
    changePoints: driver.change,
  }));

  const entries = scoreDrivers(inputs).map((scored, index): FrictionEntry => {
    const driver = drivers.find((d) => d.id === scored.driverId)!;
    const measures = (mapping[driver.id] ?? []).filter(isMeasure);
    const metrics = measures.map((m) => metricEvidence(m, now, then, developers, profile, surveys.bands));
    const teams = survey.groups
      .map((g) => ({ team: g.group, respondents: g.respondents, developers: developers.get(g.group) ?? g.respondents, favourable: driverOf(g, driver.id)?.favourable ?? null, hoursLost: g.hoursLost?.mean ?? null }))
      .filter((t) => t.favourable !== null)
      .sort((a, b) => b.developers * (1 - b.favourable!) - a.developers * (1 - a.favourable!) || a.team.localeCompare(b.team))
      .slice(0, 3);
    const themes = (survey.org?.freeText ?? []).flatMap((item) => item.themes)
      .filter((t) => (THEME_DRIVERS[t.id] ?? []).includes(driver.id))
      // Quotes only from themes several people share: a lone remark is easier to attribute.
      .map((t) => ({ id: t.id, label: t.label, mentions: t.answers.length, examples: t.answers.length >= 2 ? distinctQuotes(t.answers, 2) : [] }));
    const lines: string[] = [];
    if (driver.change !== null) lines.push(`${driver.label}: ${signed(driver.change)} points favourable since ${previous?.campaign.title ?? 'the previous campaign'}.`);
    for (const m of metrics) {
      if (m.value !== null && m.previousValue !== null && m.value !== m.previousValue) lines.push(`${m.label}: ${show(m.previousValue, m.unit)} → ${show(m.value, m.unit)} vs the previous ${daysOf(query)} days.`);
    }
    return {
      rank: index + 1, driverId: driver.id, label: driver.label, score: scored.score, components: scored.components,
      favourable: driver.favourable, developersUnfavourable: scored.developersUnfavourable, weightedHoursLost: scored.weightedHoursLost,
      evidence: { teams, metrics, themes },
      changes: { previousCampaign: previous?.campaign.title ?? null, favourablePoints: driver.change, lines },
    };
  });

  return {
    ...base,
    campaign: { id: survey.campaign.id, title: survey.campaign.title },
    previousCampaign: survey.previous,
    minGroupSize: survey.minGroupSize,
    respondents: survey.respondents,
    hiddenTeams: survey.hiddenGroups.length,
    entries,
    notes,
  };
}

function teamGap(measure: Measure, window: MeasuredWindow, developers: ReadonlyMap<string, number>, profile: PavedConfig['metrics']['benchmarkProfile'], bands: SurveySource['bands']): number | null {
  const values = [...window.teams].map(([team, v]) => {
    const value = v[measure];
    return { weight: developers.get(team) ?? 1, value: value === null || value === undefined ? null : measureGap(measure, value, profile, bands).gap };
  });
  const mean = weightedMean(values);
  return mean === null ? null : round(mean, 4);
}

function metricEvidence(measure: Measure, now: MeasuredWindow, then: MeasuredWindow, developers: ReadonlyMap<string, number>, profile: PavedConfig['metrics']['benchmarkProfile'], bands: SurveySource['bands']): MetricEvidence {
  const value = now.org[measure] ?? null;
  const gap = value === null ? null : measureGap(measure, value, profile, bands);
  const farthestTeams = [...now.teams]
    .flatMap(([team, v]) => {
      const x = v[measure];
      if (x === null || x === undefined) return [];
      const g = measureGap(measure, x, profile, bands);
      return g.gap > 0 ? [{ team, value: x, level: g.level, gap: g.gap }] : [];
    })
    .sort((a, b) => b.gap - a.gap || a.team.localeCompare(b.team))
    .slice(0, 3);
  return {
    measure, label: MEASURE_INFO[measure].label, unit: MEASURE_INFO[measure].unit, value, previousValue: then.org[measure] ?? null,
    level: gap?.level ?? null, nextLevel: gap?.nextLevel ?? null, threshold: gap?.threshold ?? null, gap: gap?.gap ?? null,
    weightedTeamGap: teamGap(measure, now, developers, profile, bands), farthestTeams,
  };
}

/** Up to `n` different answers: people often write the same words, and one quote twice says nothing more. */
export function distinctQuotes(answers: readonly string[], n: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const answer of answers) {
    const key = answer.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]+$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(answer);
    if (out.length === n) break;
  }
  return out;
}

const signed = (v: number) => `${v > 0 ? '+' : ''}${round(v, 1)}`;
const daysOf = (w: { from: string; to: string }) => Math.round((Date.parse(w.to) - Date.parse(w.from)) / DAY);
function show(value: number, unit: string): string {
  if (unit === 'share') return `${round(value * 100, 1)} %`;
  if (unit === 'hours') return formatDuration(value);
  return `${round(value, 2)} ${unit}`;
}
