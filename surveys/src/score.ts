/**
 * Survey arithmetic on one group of responses: browser-safe and pure. Visibility is not decided
 * here (see anonymity.ts); callers only ever score groups that may be shown.
 *
 * - Likert answers are 1-5; reversed items are scored 6 − answer, so 4 and 5 are favourable.
 * - % favourable = share of scored 4s and 5s among those who answered; skips are counted apart.
 * - Mean on 0-100 = (mean score − 1) / 4 × 100.
 * - A driver pools the answers to all of its items (each answer weighs the same).
 * - eNPS = % promoters (9-10) − % detractors (0-6) among those who answered, rounded to a whole number.
 */
import type { SurveyDefinition, SurveyDriver } from '@paved/schemas';
import { themesOf, type Theme } from './themes.js';

export interface Scoreable {
  answers: Record<string, number | null>;
  free_text: Record<string, string>;
}

export interface Distribution {
  /** Answers per scored value 1..5 (after reversing). */
  counts: [number, number, number, number, number];
  answered: number;
  skipped: number;
  /** Share of 4s and 5s (0-1), null when nobody answered. */
  favourable: number | null;
  /** Mean on a 0-100 scale, null when nobody answered. */
  mean100: number | null;
  /** Change of `favourable` versus the previous campaign, in percentage points. */
  change: number | null;
}

export interface ItemScore extends Distribution {
  id: string;
  text: string;
  scale: 'agreement' | 'frequency';
  reversed: boolean;
}

export interface DriverScore extends Distribution {
  id: string;
  label: string;
  items: ItemScore[];
}

export interface EnpsScore {
  id: string;
  text: string;
  /** Answers per value 0..10. */
  counts: number[];
  answered: number;
  skipped: number;
  promoters: number;
  passives: number;
  detractors: number;
  score: number | null;
  change: number | null;
}

export interface HoursScore {
  id: string;
  text: string;
  answered: number;
  skipped: number;
  mean: number | null;
  median: number | null;
}

export interface FreeTextThemes {
  id: string;
  text: string;
  answered: number;
  themes: Theme[];
}

export interface GroupScore {
  group: string;
  respondents: number;
  drivers: DriverScore[];
  enps: EnpsScore | null;
  hoursLost: HoursScore | null;
  freeText: FreeTextThemes[];
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function distribution(values: number[], respondents: number): Distribution {
  const counts: Distribution['counts'] = [0, 0, 0, 0, 0];
  for (const v of values) counts[v - 1] = (counts[v - 1] ?? 0) + 1;
  const answered = values.length;
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    counts,
    answered,
    skipped: Math.max(0, respondents - answered),
    favourable: answered ? round((counts[3] + counts[4]) / answered, 4) : null,
    mean100: answered ? round(((sum / answered - 1) / 4) * 100, 1) : null,
    change: null,
  };
}

/** The scored (reversed where needed) valid Likert answers to one item. */
function scoredAnswers(responses: readonly Scoreable[], itemId: string, reversed: boolean): number[] {
  const out: number[] = [];
  for (const r of responses) {
    const v = r.answers[itemId];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 5) continue;
    out.push(reversed ? 6 - v : v);
  }
  return out;
}

function scoreDriver(driver: SurveyDriver, responses: readonly Scoreable[]): DriverScore {
  const items: ItemScore[] = driver.items.map((item) => ({
    id: item.id, text: item.text, scale: item.scale, reversed: item.reversed,
    ...distribution(scoredAnswers(responses, item.id, item.reversed), responses.length),
  }));
  const pooled = driver.items.flatMap((item) => scoredAnswers(responses, item.id, item.reversed));
  // A driver's skips: item answers not given (respondents × items − answers).
  const dist = distribution(pooled, responses.length * driver.items.length);
  return { id: driver.id, label: driver.label, items, ...dist };
}

export function enpsOf(id: string, text: string, responses: readonly Scoreable[]): EnpsScore {
  const counts = Array.from({ length: 11 }, () => 0);
  for (const r of responses) {
    const v = r.answers[id];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 10) counts[v] = (counts[v] ?? 0) + 1;
  }
  const answered = counts.reduce((s, n) => s + n, 0);
  const promoters = (counts[9] ?? 0) + (counts[10] ?? 0);
  const passives = (counts[7] ?? 0) + (counts[8] ?? 0);
  const detractors = answered - promoters - passives;
  return {
    id, text, counts, answered, skipped: responses.length - answered, promoters, passives, detractors,
    score: answered ? Math.round(((promoters - detractors) / answered) * 100) : null,
    change: null,
  };
}

function hoursOf(id: string, text: string, max: number, responses: readonly Scoreable[]): HoursScore {
  const values = responses.map((r) => r.answers[id]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max).sort((a, b) => a - b);
  const n = values.length;
  const median = n === 0 ? null : n % 2 ? values[(n - 1) / 2]! : (values[n / 2 - 1]! + values[n / 2]!) / 2;
  return { id, text, answered: n, skipped: responses.length - n, mean: n ? round(values.reduce((s, v) => s + v, 0) / n, 1) : null, median };
}

/** Every figure for one group. Call only for a group that may be shown. */
export function scoreGroup(definition: SurveyDefinition, group: string, responses: readonly Scoreable[]): GroupScore {
  let enps: EnpsScore | null = null;
  let hoursLost: HoursScore | null = null;
  const freeText: FreeTextThemes[] = [];
  for (const item of definition.extra_items) {
    if (item.kind === 'enps' && !enps) enps = enpsOf(item.id, item.text, responses);
    else if (item.kind === 'hours_lost' && !hoursLost) hoursLost = hoursOf(item.id, item.text, item.max, responses);
    else if (item.kind === 'free_text') {
      const answers = responses.map((r) => r.free_text[item.id]?.trim()).filter((t): t is string => Boolean(t));
      freeText.push({ id: item.id, text: item.text, answered: answers.length, themes: themesOf(answers) });
    }
  }
  return { group, respondents: responses.length, drivers: definition.drivers.map((d) => scoreDriver(d, responses)), enps, hoursLost, freeText };
}

/** Fills `change` (percentage points of favourable; eNPS points) from the previous campaign's score of the same group. */
export function withChange(current: GroupScore, previous: GroupScore | null | undefined): GroupScore {
  if (!previous) return current;
  const pp = (now: number | null, before: number | null | undefined) => (now === null || before === null || before === undefined ? null : round((now - before) * 100, 1));
  const drivers = current.drivers.map((d) => {
    const before = previous.drivers.find((p) => p.id === d.id);
    return {
      ...d,
      change: pp(d.favourable, before?.favourable),
      items: d.items.map((item) => ({ ...item, change: pp(item.favourable, before?.items.find((p) => p.id === item.id)?.favourable) })),
    };
  });
  const enps = current.enps && previous.enps && current.enps.score !== null && previous.enps.score !== null
    ? { ...current.enps, change: current.enps.score - previous.enps.score }
    : current.enps;
  return { ...current, drivers, enps };
}
