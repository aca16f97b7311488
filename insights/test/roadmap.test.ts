import { defaultNormaliseContext, demoOrg, loadDemo } from '@paved/ingest';
import { PavedConfig } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignResults, defaultCampaignId, metricMappingOf, PICKUP_HOURS_BANDS, REWORK_RATE_BANDS } from '@paved/surveys';
import { defaultMetricSettings, runTransform, setRoiAssumptions } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { frictionRoadmap, previousWindow } from '../src/roadmap/friction.js';
import { cellOf, differenceInDifferences, initiativeEffects } from '../src/roadmap/initiatives.js';
import { roiSummary } from '../src/roadmap/roi.js';
import { type DriverInput, gapToNextLevel, scoreDrivers, trendComponent, unfavourableReach } from '../src/roadmap/scoring.js';
import type { SurveySource } from '../src/roadmap/survey-source.js';
import { openTestWarehouse } from '../../transform/test/harness.js';

describe('gap to the next DORA level', () => {
  it('lead time p50 of 48 h is high; the elite threshold is 24 h, so the gap is (48 − 24) / 48 = 0.5', () => {
    expect(gapToNextLevel(48, [24, 168, 720], 'lower')).toEqual({ level: 'high', nextLevel: 'elite', threshold: 24, gap: 0.5 });
  });
  it('0.5 deployments a week is medium; high starts at 1, so the gap is (1 − 0.5) / 1 = 0.5', () => {
    expect(gapToNextLevel(0.5, [7, 1, 12 / 52], 'higher')).toMatchObject({ level: 'medium', nextLevel: 'high', threshold: 1, gap: 0.5 });
  });
  it('a change failure rate of 12 % is medium (2023 bands, inclusive); the gap to 10 % is 0.02 / 0.12', () => {
    expect(gapToNextLevel(0.12, [0.05, 0.1, 0.15], 'lower', true)).toMatchObject({ level: 'medium', threshold: 0.1, gap: 0.1667 });
  });
  it('elite has no next level and no gap', () => {
    expect(gapToNextLevel(0.5, [1, 24, 168], 'lower')).toEqual({ level: 'elite', nextLevel: null, threshold: null, gap: 0 });
  });
});

describe('friction score', () => {
  // Team a: 10 developers, 20 % favourable, 4 h lost; team b: 30 developers, 60 % favourable, 2 h lost.
  const ci: DriverInput = {
    driverId: 'ci',
    teams: [{ team: 'a', developers: 10, favourable: 0.2, hoursLost: 4 }, { team: 'b', developers: 30, favourable: 0.6, hoursLost: 2 }],
    metricGaps: [0.5, 0.3],
    changePoints: -10,
  };
  const docs: DriverInput = {
    driverId: 'docs',
    teams: [{ team: 'a', developers: 10, favourable: 0.9, hoursLost: 4 }, { team: 'b', developers: 30, favourable: 0.8, hoursLost: 2 }],
    metricGaps: [],
    changePoints: null,
  };

  it('unfavourable reach is developer-weighted: (10 × 0.8 + 30 × 0.4) / 40 = 0.5', () => {
    expect(unfavourableReach(ci.teams)).toEqual({ reach: 0.5, developers: 20 });
  });
  it('a 10-point drop is half the trend weight; a rise lowers the score; no previous campaign counts 0', () => {
    expect(trendComponent(-10)).toBe(0.5);
    expect(trendComponent(30)).toBe(-1);
    expect(trendComponent(null)).toBe(0);
  });
  it('ranks by 100 × (0.4 U + 0.3 G + 0.2 H + 0.1 T), computed on paper', () => {
    const [first, second] = scoreDrivers([docs, ci]);
    // ci: U 0.5, G (0.5 + 0.3) / 2 = 0.4, hours 10·0.8·4 + 30·0.4·2 = 56 (the largest, H 1), T 0.5
    //     → 100 × (0.2 + 0.12 + 0.2 + 0.05) = 57
    expect(first).toMatchObject({ driverId: 'ci', score: 57, components: { unfavourable: 0.5, metricGap: 0.4, hoursLost: 1, trend: 0.5 }, weightedHoursLost: 56 });
    // docs: U (10·0.1 + 30·0.2) / 40 = 0.175, G 0, hours 10·0.1·4 + 30·0.2·2 = 16 → H 16/56, T 0
    //     → 100 × (0.07 + 0.2 × 0.2857) = 12.7
    expect(second).toMatchObject({ driverId: 'docs', score: 12.7 });
  });
});

describe('difference in differences', () => {
  it('targeted teams 10 → 6 h, the others 12 → 11 h: the estimate is (6 − 10) − (11 − 12) = −3 h', () => {
    expect(differenceInDifferences({ before: 10, after: 6 }, { before: 12, after: 11 })).toBe(-3);
  });
  it('is null when a group has no value in a period, never a bare before/after', () => {
    expect(differenceInDifferences({ before: 10, after: 6 }, { before: null, after: 11 })).toBeNull();
  });
  it('cells carry the rates and the sample sizes: 8 deployments over 28 days, 2 failed', () => {
    const cell = cellOf({ deployments: 8, failed_n: 2, recovered_n: 1, recovery_p50: 3 }, { changes: 20, lead_p50: 30 }, 28);
    expect(cell.values).toEqual({ deploymentsPerWeek: 2, leadTimeP50Hours: 30, changeFailureRate: 0.25, recoveryP50Hours: 3 });
    expect(cell.sample).toEqual({ deployments: 8, changes: 20, failures: 2 });
  });
  it('previous window: the same number of days just before', () => {
    expect(previousWindow({ from: '2026-03-01', to: '2026-06-01' })).toEqual({ from: '2025-11-29', to: '2026-03-01' });
  });
});

describe('on the small demo', () => {
  const DEMO = { scale: 'small' as const, seed: 7, until: new Date('2026-06-01T00:00:00Z') };
  const org = demoOrg(DEMO);
  const target = org.teams[0]!.name;
  const config = PavedConfig.parse({
    catalog: { teams: org.teams.map((t) => ({ name: t.name, developers: t.developers })) },
    surveys: { minGroupSize: 5 },
    initiatives: [{ name: 'Faster CI', start: '2026-04-01', teams: [target] }],
  });
  let env: Awaited<ReturnType<typeof openTestWarehouse>>;
  const now = new Date('2026-06-01T00:00:00Z');
  const source = (warehouse: Warehouse): SurveySource => ({
    results: async (id) => {
      const campaign = id ?? (await defaultCampaignId(warehouse));
      return campaign ? campaignResults(warehouse, config, campaign, { by: 'team', now }) : null;
    },
    metricMapping: metricMappingOf(config),
    bands: { pickupTime: PICKUP_HOURS_BANDS, reworkRate: REWORK_RATE_BANDS },
  });

  beforeAll(async () => {
    env = await openTestWarehouse();
    await loadDemo(env.bus, DEMO, defaultNormaliseContext);
    await env.bus.drained();
    await runTransform(env.warehouse, defaultMetricSettings);
  }, 180_000);
  afterAll(async () => env?.close());

  it('ranks friction points with evidence, showing no team below minGroupSize', async () => {
    const roadmap = await frictionRoadmap(env.warehouse, config, { from: '2026-03-01', to: '2026-06-01' }, source(env.warehouse));
    expect(roadmap.campaign).not.toBeNull();
    expect(roadmap.entries.length).toBeGreaterThan(3);
    expect(roadmap.entries.map((e) => e.score)).toEqual([...roadmap.entries.map((e) => e.score)].sort((a, b) => b - a));
    expect(roadmap.entries.some((e) => e.evidence.metrics.some((m) => m.value !== null))).toBe(true);

    const results = await campaignResults(env.warehouse, config, roadmap.campaign!.id, { by: 'team', now });
    const hidden = new Set(results!.hiddenGroups);
    for (const entry of roadmap.entries) {
      for (const team of entry.evidence.teams) {
        expect(team.respondents).toBeGreaterThanOrEqual(5);
        expect(hidden.has(team.team)).toBe(false);
      }
    }
  }, 120_000);

  it('estimates each initiative against the untouched teams, with sample sizes', async () => {
    const [effect] = await initiativeEffects(env.warehouse, config, { from: '2026-03-01', to: '2026-06-01' });
    expect(effect).toMatchObject({ name: 'Faster CI', status: 'complete', windows: { before: { from: '2026-02-04', to: '2026-04-01' }, after: { from: '2026-04-01', to: '2026-05-27' } } });
    expect(effect!.samples.treated.after.deployments).toBeGreaterThan(0);
    expect(effect!.samples.control.before.deployments).toBeGreaterThan(0);
    const frequency = effect!.effects.find((e) => e.key === 'deploymentsPerWeek')!;
    expect(frequency.estimate).toBeCloseTo((frequency.treated.after! - frequency.treated.before!) - (frequency.control.after! - frequency.control.before!), 3);
  }, 120_000);

  it('returns ROI figures with ranges, formulas and inputs', async () => {
    const roi = await roiSummary(env.warehouse, config, { from: '2026-03-01', to: '2026-06-01' }, source(env.warehouse));
    expect(roi.figures.map((f) => f.id)).toEqual(['frictionCost', 'frictionCostChange', 'leadTimeReturned', 'failureCost', 'failureReturned', 'adoptionDividend']);
    for (const figure of roi.figures) {
      expect(figure.formula.length).toBeGreaterThan(20);
      expect(figure.inputs.length).toBeGreaterThan(1);
      if (figure.mid !== null) expect(figure.low! <= figure.mid && figure.mid <= figure.high!).toBe(true);
    }
    const friction = roi.figures.find((f) => f.id === 'frictionCost')!;
    expect(friction.mid).toBeGreaterThan(0);

    // An admin override of the hourly cost wins over the config: the same hours at twice the price.
    await setRoiAssumptions(env.warehouse, { costPerEngineeringHour: config.roi.costPerEngineeringHour * 2 }, 'test');
    const doubled = await roiSummary(env.warehouse, config, { from: '2026-03-01', to: '2026-06-01' }, source(env.warehouse));
    expect(doubled.assumptions.source['roi.costPerEngineeringHour']).toBe('override');
    expect(doubled.figures.find((f) => f.id === 'frictionCost')!.mid).toBeCloseTo(friction.mid! * 2, -1);
  }, 120_000);
});
