import { describe, expect, it } from 'vitest';
import { PavedConfig } from '@paved/schemas';
import { effectiveAssumptions, RoiAssumptionsInput } from '../src/roadmap/assumptions.js';
import { adoptionDividendHours, frictionCost, hoursLostRange, leadTimeHoursReturned, rangeDifference, recoveryHours, weightedQuantile } from '../src/roadmap/roi.js';
import type { SurveyGroup } from '../src/roadmap/survey-source.js';

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
  it('the change since the previous campaign is taken bound by bound', () => {
    expect(rangeDifference({ low: 100, mid: 200, high: 300 }, { low: 150, mid: 180, high: 200 })).toEqual({ low: -50, mid: 20, high: 100 });
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
