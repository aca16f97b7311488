import { describe, expect, it } from 'vitest';
import { PavedConfig } from '@paved/schemas';
import { effectiveAssumptions, RoiAssumptionsInput } from '@paved/transform';
import { seededRandom } from '@paved/schemas';
import { bootstrapInterval, drawCounts, inclusiveQuantile, weightedSortedQuantile } from '../src/roadmap/bootstrap.js';
import {
  adoptionDividendHours, adoptionFigure, annualisationFactor, developerCount, failureFigures, frictionCost, frictionFigures, hoursLostRange,
  leadTimeEffect, leadTimeFigure, leadTimeHoursReturned, leadTimeSampleOf, moneyFromEffect, recoveryHours, weightedQuantile,
  type Effect, type FailureSample, type Figure,
} from '../src/roadmap/roi.js';
import type { SurveyGroup, SurveyView } from '../src/roadmap/survey-source.js';

const ROI = { costPerEngineeringHour: 100, currency: 'EUR', workingWeeksPerYear: 46, peopleInvolvedPerFailure: 2 };
const group = (name: string, respondents: number, mean: number, median = mean): SurveyGroup => ({
  group: name, respondents, drivers: [], freeText: [], hoursLost: { answered: respondents, mean, median },
});

describe('cost of friction', () => {
  it('3 h a week × 50 developers × 100 an hour × 46 weeks = 690,000 a year', () => {
    expect(frictionCost({ low: 2, mid: 3, high: 4 }, 50, ROI)).toEqual({ low: 460_000, mid: 690_000, high: 920_000 });
  });
  it('the range is p25–p75 of the shown teams’ mean hours, weighted by respondents, around the organisation mean', () => {
    // Teams 2 h (5 people) and 6 h (5 people): midpoints at 0.25 and 0.75 of the weight.
    const range = hoursLostRange({ org: group('all', 10, 4, 3), groups: [group('a', 5, 2), group('b', 5, 6)] });
    expect(range).toMatchObject({ low: 2, mid: 4, high: 6 });
  });
  it('with fewer than two shown teams the range runs from the organisation median to the mean', () => {
    expect(hoursLostRange({ org: group('all', 10, 4, 3), groups: [] })).toMatchObject({ low: 3, mid: 4, high: 4 });
  });
  it('weighted quantile interpolates between value midpoints', () => {
    expect(weightedQuantile([{ value: 0, weight: 1 }, { value: 10, weight: 1 }], 0.5)).toBe(5);
  });
});

describe('time returned', () => {
  it('lead time p50 48 h → 30 h over 200 deployments, 5/10/15 % of the waiting counted: 180 / 360 / 540 h', () => {
    expect(leadTimeHoursReturned(48, 30, 200)).toEqual({ low: 180, mid: 360, high: 540 });
  });
  it('recovery hours: measured only (low), unmeasured failures at p50 (mid) and p75 (high)', () => {
    // 5 failures, 3 measured summing 9 h, p50 2 h, p75 4 h: 9 / 9 + 2 × 2 / 9 + 2 × 4.
    expect(recoveryHours({ failed: 5, recovered: 3, recoveryHoursSum: 9, recoveryP50: 2, recoveryP75: 4 })).toEqual({ low: 9, mid: 13, high: 17 });
  });
  it('adoption dividend: CFR 20 % elsewhere vs 10 % on 100 golden-path deployments avoids 10 failures × 3 h × 2 people', () => {
    const d = adoptionDividendHours({ deployments: 100, failed: 10, recoveryP50: 3 }, { deployments: 100, failed: 20, recoveryP50: 3 }, 2)!;
    expect(d.mid).toBe(60);
    expect(d.avoidedFailures.mid).toBe(10);
    expect(d.low!).toBeLessThan(60);
    expect(d.high!).toBeGreaterThan(60);
  });
});

describe('assumptions', () => {
  const config = PavedConfig.parse({ roi: ROI, catalog: { teams: [{ name: 'a', developers: 8 }, { name: 'b' }] } });
  it('admin overrides win over the config; a cleared override is ignored', () => {
    const a = effectiveAssumptions(config, [
      { key: 'roi.costPerEngineeringHour', value: '120' },
      { key: 'roi.currency', value: '' },
      { key: 'team.b.developers', value: '12' },
    ]);
    expect(a.roi).toEqual({ ...ROI, costPerEngineeringHour: 120 });
    expect(a.teamDevelopers).toEqual({ a: 8, b: 12 });
    expect(a.source['roi.costPerEngineeringHour']).toBe('override');
    expect(a.source['roi.currency']).toBe('config');
  });
  it('the admin input is validated: a negative cost or an unknown key is refused', () => {
    expect(RoiAssumptionsInput.safeParse({ costPerEngineeringHour: -1 }).success).toBe(false);
    expect(RoiAssumptionsInput.safeParse({ hourly: 1 }).success).toBe(false);
    expect(RoiAssumptionsInput.safeParse({ currency: 'GBP', teamDevelopers: { a: 9 } }).success).toBe(true);
  });
});

// ---------- credible ROI: every amount that rests on a change has an interval that excludes zero ----------

/** 2026-01-01 to 2026-04-02: 91 days, so window figures × 365 / 91. */
const WINDOW_91 = { from: '2026-01-01', to: '2026-04-02' };
const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
/** One change per deployment with these lead times. */
const single = (leads: number[]) => leadTimeSampleOf(leads.map((h) => [h]));
/** A figure the page may show as money: it has an amount. */
const hasAmount = (f: Figure) => f.low !== null || f.mid !== null || f.high !== null;

describe('bootstrap', () => {
  it('weighted quantile with integer weights equals quantileExactInclusive of the expanded values (random cases)', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 300; trial += 1) {
      const n = 1 + Math.floor(random() * 12);
      const values = Array.from({ length: n }, () => Math.round(random() * 100) / 4).sort((a, b) => a - b);
      const weights = Uint32Array.from(values, () => Math.floor(random() * 4));
      const expanded = values.flatMap((v, i) => Array.from({ length: weights[i]! }, () => v));
      for (const q of [0, 0.25, 0.5, 0.75, 0.975, 1]) {
        const expected = expanded.length ? (() => { const h = (expanded.length - 1) * q; const lo = Math.floor(h); return expanded[lo]! + (h - lo) * ((expanded[Math.min(lo + 1, expanded.length - 1)]!) - expanded[lo]!); })() : null;
        const got = weightedSortedQuantile(values, weights, q);
        if (expected === null) expect(got).toBeNull();
        else expect(got).toBeCloseTo(expected, 9);
      }
    }
  });
  it('drawing only the tracked 10 of 100 units hits them as often as drawing all 100 would: Binomial(100, 0.1) in total, uniform among them', () => {
    const random = seededRandom(3);
    const totals: number[] = [];
    const perUnit = new Float64Array(10);
    for (let r = 0; r < 20_000; r += 1) {
      const counts = drawCounts(10, random, new Uint32Array(10), 100);
      totals.push(counts.reduce((s, c) => s + c, 0));
      counts.forEach((c, i) => { perUnit[i] = perUnit[i]! + c; });
    }
    const mean = totals.reduce((s, t) => s + t, 0) / totals.length;
    const variance = totals.reduce((s, t) => s + (t - mean) ** 2, 0) / totals.length;
    expect(mean).toBeCloseTo(10, 1);
    expect(variance).toBeGreaterThan(8.5);
    expect(variance).toBeLessThan(9.5);
    for (const sum of perUnit) expect(sum / 20_000).toBeCloseTo(1, 1);
  });
  it('quantileExactInclusive of 1..4 at 0.5 is 2.5', () => {
    expect(inclusiveQuantile([4, 1, 3, 2], 0.5)).toBe(2.5);
  });
  it('is deterministic: the same data gives the same interval on every call; another seed gives another', () => {
    const before = single(range(20, 80));
    const now = single(range(18, 78));
    expect(leadTimeEffect(before, now)).toEqual(leadTimeEffect(before, now));
    const stat = ([a, b]: readonly Uint32Array[]) => weightedSortedQuantile(before.sorted, a!, 0.5, before.deploymentOf)! - weightedSortedQuantile(now.sorted, b!, 0.5, now.deploymentOf)!;
    const one = bootstrapInterval([before.deployments, now.deployments], stat);
    expect(bootstrapInterval([before.deployments, now.deployments], stat)).toEqual(one);
    expect(bootstrapInterval([before.deployments, now.deployments], stat, { seed: 1 })).not.toEqual(one);
    expect(one.resamples).toBe(1000);
  });
  it('resamples deployments, not changes: 10 deployments of 400 changes each are 10 observations, not 4,000', () => {
    // Lead time fell 2 h. Each deployment's 400 changes sit within ±2.2 h of its own lead time, so
    // resampling the 4,000 changes one by one would call the 2 h certain; 10 deployments spread
    // over 10–50 h cannot tell it from noise.
    const clustered = (centres: number[]) => leadTimeSampleOf(centres.map((c) => Array.from({ length: 400 }, (_, k) => c - 2.2 + (4.4 * (k + 0.5)) / 400)));
    const before = range(12.2, 52, 4.4);
    const effect = leadTimeEffect(clustered(before), clustered(before.map((h) => h - 2)));
    expect(effect.estimate).toBeCloseTo(2, 6);
    expect(effect.low!).toBeLessThan(0);
    expect(effect.high!).toBeGreaterThan(0);
  });
});

describe('lead time returned: an amount only when the change is distinguishable from zero', () => {
  it('noise: p50 50 h → 48 h (−4 %) on 40 deployments spread over 0–100 h has an interval spanning zero → no amount', () => {
    const before = single(range(0, 100, 2.5).slice(0, 40).map((h, i) => (i === 20 ? 50 : h)));
    const now = single(range(0, 100, 2.5).slice(0, 40).map((h) => Math.max(0.5, h - 2)));
    const figure = leadTimeFigure({ before, now, deploymentsNow: 40, roi: ROI, window: WINDOW_91 });
    expect(figure.effect!.estimate!).toBeGreaterThan(0);
    expect(figure.effect!.low!).toBeLessThanOrEqual(0);
    expect(figure.effect!.high!).toBeGreaterThanOrEqual(0);
    expect(figure.significant).toBe(false);
    expect(hasAmount(figure)).toBe(false);
    expect(figure.notes[0]).toMatch(/^Not distinguishable from zero/);
  });
  it('clear effect: p50 60 h → 20 h gives an amount with its interval: mid = 40 h × 21 deployments × 10 % × 100/h × 365/91', () => {
    const figure = leadTimeFigure({ before: single(range(40, 80)), now: single(range(10, 30)), deploymentsNow: 21, roi: ROI, window: WINDOW_91 });
    expect(figure.significant).toBe(true);
    expect(figure.effect).toMatchObject({ estimate: 40, unit: 'hours', resamples: 1000 });
    expect(figure.effect!.low!).toBeGreaterThan(0);
    expect(figure.mid).toBe(Math.round(40 * 21 * 0.1 * 100 * (365 / 91)));
    // low: the interval's lower bound at the low share; high: its upper bound at the high share.
    expect(figure.low).toBe(Math.round(figure.effect!.low! * 21 * 0.05 * 100 * (365 / 91)));
    expect(figure.high).toBe(Math.round(figure.effect!.high! * 21 * 0.15 * 100 * (365 / 91)));
    expect(figure.low!).toBeLessThan(figure.mid!);
    expect(figure.mid!).toBeLessThan(figure.high!);
    expect(figure.period).toBe('per year');
  });
  it('a significant slowdown is a negative amount, still ordered low ≤ mid ≤ high', () => {
    const figure = leadTimeFigure({ before: single(range(10, 30)), now: single(range(40, 80)), deploymentsNow: 41, roi: ROI, window: WINDOW_91 });
    expect(figure.significant).toBe(true);
    expect(figure.high!).toBeLessThan(0);
    expect(figure.low! <= figure.mid! && figure.mid! <= figure.high!).toBe(true);
  });
  it('no deployments with a lead time in one period: no interval, no amount, and it says why', () => {
    const figure = leadTimeFigure({ before: single([]), now: single(range(10, 30)), deploymentsNow: 21, roi: ROI, window: WINDOW_91 });
    expect(figure.significant).toBe(false);
    expect(hasAmount(figure)).toBe(false);
    expect(figure.effect!.reason).not.toBeNull();
  });
});

describe('money from an effect', () => {
  const effect = (low: number, estimate: number, high: number): Effect => ({ name: 'x', unit: 'hours', estimate, low, high, confidence: 0.95, method: '', resamples: 1000, seed: 1, samples: [], reason: null });
  it('an interval from −322,690 to +269,790 (middle 0) is not distinguishable from zero', () => {
    expect(moneyFromEffect(effect(-3226.9, 0, 2697.9), { low: 100, mid: 100, high: 100 })).toEqual({ low: null, mid: null, high: null, significant: false });
  });
  it('an interval that touches zero is not enough', () => {
    expect(moneyFromEffect(effect(0, 5, 9), { low: 1, mid: 1, high: 1 }).significant).toBe(false);
  });
  it('an interval above zero converts bound by bound', () => {
    expect(moneyFromEffect(effect(2, 5, 9), { low: 10, mid: 20, high: 30 })).toEqual({ low: 20, mid: 100, high: 270, significant: true });
  });
});

describe('failed deployments', () => {
  const sample = (deployments: number, measured: number[], unmeasured = 0): FailureSample => ({ deployments, unmeasured, measured: [...measured].sort((a, b) => a - b) });
  it('the same failure pattern in both periods is noise: no amount for the time returned', () => {
    const [, returned] = failureFigures({ before: sample(100, [2, 3, 4, 5, 8]), now: sample(100, [2, 3, 4, 6, 7]), roi: ROI, window: WINDOW_91 });
    expect(returned.significant).toBe(false);
    expect(hasAmount(returned)).toBe(false);
  });
  it('30 failures of 10 h before, 2 of 1 h now, over 100 deployments each: an amount with an interval above zero', () => {
    const [cost, returned] = failureFigures({ before: sample(100, Array.from({ length: 30 }, () => 10)), now: sample(100, [1, 1]), roi: ROI, window: WINDOW_91 });
    expect(returned.significant).toBe(true);
    expect(returned.effect!.estimate).toBe(298);
    expect(returned.mid).toBe(Math.round(298 * 2 * 100 * (365 / 91)));
    expect(returned.effect!.low!).toBeGreaterThan(0);
    // A level, not a change: every failure measured, so low = mid = high, and it says so.
    expect(cost.significant).toBeNull();
    expect(cost.low).toBe(cost.high);
    expect(cost.mid).toBe(Math.round(2 * 2 * 100 * (365 / 91)));
    expect(cost.notes.join(' ')).toMatch(/every failure has a measured recovery/i);
  });
  it('two ranges of the same width no longer give a difference with low equal to high', () => {
    // Bound by bound, (100, 120, 140) − (50, 70, 90) was 50 / 50 / 50: a range with no width.
    const [, returned] = failureFigures({ before: sample(200, Array.from({ length: 40 }, (_, i) => 1 + (i % 5))), now: sample(200, Array.from({ length: 10 }, (_, i) => 1 + (i % 5))), roi: ROI, window: WINDOW_91 });
    expect(returned.significant).toBe(true);
    expect(returned.low!).toBeLessThan(returned.high!);
  });
  it('adoption dividend: CFR 4 % on the golden path versus 5 % elsewhere, 100 deployments each, is not distinguishable from zero', () => {
    const figure = adoptionFigure({ golden: sample(100, [3, 3, 3, 3]), other: sample(100, [3, 3, 3, 3, 3]), roi: ROI, window: WINDOW_91 });
    expect(figure.effect!.low!).toBeLessThan(0);
    expect(figure.effect!.high!).toBeGreaterThan(0);
    expect(hasAmount(figure)).toBe(false);
  });
  it('adoption dividend: CFR 2 % versus 25 % over 400 deployments each is an amount', () => {
    const figure = adoptionFigure({ golden: sample(400, Array.from({ length: 8 }, () => 3)), other: sample(400, Array.from({ length: 100 }, () => 3)), roi: ROI, window: WINDOW_91 });
    expect(figure.significant).toBe(true);
    // (0.25 − 0.02) × 400 × 3 h × 2 people = 552 h.
    expect(figure.effect!.estimate).toBe(552);
    expect(figure.mid).toBe(Math.round(552 * 100 * (365 / 91)));
  });
});

describe('cost of friction and its change', () => {
  const view = (org: number, teams: [number, number][], title = 'now'): SurveyView => ({
    campaign: { id: title, title, opensAt: '2026-01-01', closesAt: '2026-01-15', closedAt: null }, minGroupSize: 5, by: 'team', released: true,
    respondents: teams.reduce((s, [, n]) => s + n, 0), org: group('all', teams.reduce((s, [, n]) => s + n, 0), org),
    groups: teams.map(([mean, n], i) => group(`t${i}`, n, mean)), hiddenGroups: [], previous: null,
  });
  const developers = { count: 50, basis: 'catalog' as const, teams: [], respondents: 30 };
  it('teams that moved every which way: the change is not distinguishable from zero', () => {
    const [, change] = frictionFigures({ survey: view(4, [[2, 10], [6, 10], [4, 10]]), previousSurvey: view(4.3, [[6, 10], [2.5, 10], [4.4, 10]], 'then'), developers, roi: ROI });
    expect(change.significant).toBe(false);
    expect(hasAmount(change)).toBe(false);
  });
  it('every team lost about 3 h a week less: an amount, negative (friction got cheaper)', () => {
    const [, change] = frictionFigures({ survey: view(2, [[1.8, 10], [2, 10], [2.2, 10]]), previousSurvey: view(5, [[4.9, 10], [5, 10], [5.1, 10]], 'then'), developers, roi: ROI });
    expect(change.significant).toBe(true);
    expect(change.mid).toBe(-3 * 50 * 100 * 46);
    expect(change.high!).toBeLessThan(0);
  });
  it('no earlier campaign: nothing to compare with, so no amount and no claim about noise (significant null)', () => {
    const [, change] = frictionFigures({ survey: view(2, [[2, 10], [3, 10]]), previousSurvey: null, developers, roi: ROI });
    expect(change).toMatchObject({ significant: null, effect: null, low: null, mid: null, high: null });
  });
  it('one shown team: no interval can be estimated, so no amount', () => {
    const [, change] = frictionFigures({ survey: view(2, [[2, 10]]), previousSurvey: view(5, [[5, 10]], 'then'), developers, roi: ROI });
    expect(change.significant).toBe(false);
    expect(change.effect!.reason).toMatch(/two or more shown teams/);
  });
});

describe('developers and period', () => {
  it('developers come from the one developer count; a shown team without a count adds its respondents', () => {
    const known = new Map([['a', { count: 40, source: 'catalog' as const }], ['b', { count: 30, source: 'estimate' as const }]]);
    const d = developerCount(known, { respondents: 60, groups: [group('c', 6, 2)] });
    expect(d).toMatchObject({ count: 76, basis: 'catalog' });
    expect(d.teams.find((t) => t.team === 'c')).toEqual({ team: 'c', count: 6, source: 'respondents' });
  });
  it('with a survey, only the teams it counts (its participation teams), as the Surveys page does', () => {
    const known = new Map([['a', { count: 40, source: 'catalog' as const }], ['outside', { count: 300, source: 'estimate' as const }]]);
    const d = developerCount(known, { respondents: 20, groups: [group('c', 6, 2)], participation: { teams: [{ team: 'a' }, { team: 'c' }] } });
    expect(d).toMatchObject({ count: 46, basis: 'catalog' });
    expect(d.teams.map((t) => t.team)).toEqual(['a', 'c']);
  });
  it('team counts adding up to fewer people than answered: the respondents, stated as such', () => {
    const d = developerCount(new Map([['a', { count: 10, source: 'override' as const }]]), { respondents: 115, groups: [] });
    expect(d).toMatchObject({ count: 115, basis: 'respondents' });
    const [friction] = frictionFigures({ survey: null, previousSurvey: null, developers: d, roi: ROI });
    expect(friction.inputs.find((i) => i.name.startsWith('Developers'))).toMatchObject({ name: 'Developers (survey respondents)', value: 115 });
  });
  it('a 92-day window is annualised by 365 / 92', () => {
    expect(annualisationFactor({ from: '2026-03-01', to: '2026-06-01' })).toEqual({ days: 92, factor: 365 / 92 });
  });
});

describe('bootstrap results are remembered per input', () => {
  it('a second call with equal samples returns an equal effect without resampling, and a copy', async () => {
    const { memoised } = await import('../src/roadmap/bootstrap.js');
    let runs = 0;
    const square = memoised('test', (xs: Float64Array, k: number) => {
      runs += 1;
      return { sum: Array.from(xs).reduce((s, x) => s + x * x, 0) * k };
    });
    const first = square(new Float64Array([1, 2, 3]), 2);
    const second = square(new Float64Array([1, 2, 3]), 2);
    expect(second).toEqual({ sum: 28 });
    expect(second).not.toBe(first);
    expect(runs).toBe(1);
    expect(square(new Float64Array([1, 2, 4]), 2)).toEqual({ sum: 42 });
    expect(runs).toBe(2);
  });
});
