import { describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_MAPPING, disagreement, joinPerception, metricMappingOf, pickupLevel, reworkLevel, type TeamMeasures } from '../src/joined.js';
import { computeResults } from '../src/results.js';
import { input, many, testConfig } from './harness.js';

describe('perception next to measurement', () => {
  it('flags favourable ≥ 70 % while the metric is medium or low', () => {
    // The reason says bad news as bad news: "rework rate is low" used to read as good when it meant the level.
    expect(disagreement(0.8, [{ measure: 'pickupTime', value: 30, level: 'low' }])).toEqual({ flag: 'perception_higher', reason: '80 % favourable, yet the measured PR pickup time p50 is poor: 30 h, level low (the worst of four levels)' });
    expect(disagreement(0.75, [{ measure: 'reworkRate', value: 0.12, level: 'low' }]).reason).toBe('75 % favourable, yet the measured rework rate is poor: 12 %, level low (the worst of four levels)');
    expect(disagreement(0.9, [{ measure: 'leadTime', value: 95.6, level: 'medium' }]).reason).toBe('90 % favourable, yet the measured lead time p50 is poor: 4.0 d, level medium (the second worst of four levels)');
  });

  it('flags favourable ≤ 40 % while the metric is elite or high', () => {
    expect(disagreement(0.3, [{ measure: 'deploymentFrequency', value: 12, level: 'elite' }])).toEqual({ flag: 'perception_lower', reason: 'only 30 % favourable, although the measured deployments per week (median service) is good: 12 a week, level elite (the best of four levels)' });
  });

  it('does not flag agreement or missing data', () => {
    expect(disagreement(0.8, [{ measure: 'leadTime', value: 10, level: 'elite' }]).flag).toBeNull();
    expect(disagreement(0.55, [{ measure: 'leadTime', value: 1000, level: 'low' }]).flag).toBeNull();
    expect(disagreement(null, [{ measure: 'leadTime', value: 1000, level: 'low' }]).flag).toBeNull();
    expect(disagreement(0.9, [{ measure: 'leadTime', value: null, level: null }]).flag).toBeNull();
  });

  it('joins each shown team’s mapped drivers to its metrics', () => {
    // Team a: speed items all 5 → 100 % favourable; its lead time is low.
    const results = computeResults(input([...many('a', 5, 5), ...many('b', 5, 1)]), 'team');
    const measures = new Map<string, TeamMeasures>([
      ['a', { leadTime: { value: 900, level: 'low' } }],
      ['b', { leadTime: { value: 3, level: 'elite' } }],
    ]);
    const joined = joinPerception(results, measures, { speed: ['leadTime'] });
    expect(joined.map((t) => [t.team, t.cells.map((c) => [c.driverId, c.favourable, c.flag])])).toEqual([
      ['a', [['speed', 1, 'perception_higher']]],
      ['b', [['speed', 0, 'perception_lower']]],
    ]);
  });

  it('the mapping comes from the config when given, the built-in one otherwise', () => {
    expect(metricMappingOf(testConfig()).code_review).toEqual(['pickupTime']);
    expect(metricMappingOf(testConfig({ surveys: { minGroupSize: 5, metricMapping: { code_review: ['leadTime'], documentation: [] } } }))).toMatchObject({ code_review: ['leadTime'], documentation: [], ease_of_deployment: DEFAULT_METRIC_MAPPING.ease_of_deployment });
  });

  it('Paved’s bands for pickup time and rework rate', () => {
    expect([1, 5, 12, 30].map(pickupLevel)).toEqual(['elite', 'high', 'medium', 'low']);
    expect([0.02, 0.04, 0.1, 0.2].map(reworkLevel)).toEqual(['elite', 'high', 'medium', 'low']);
  });
});
