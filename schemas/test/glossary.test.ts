import { describe, expect, it } from 'vitest';
import { deployDaysText, LEVEL_ORDER, LEVELS_EXPLAINED, levelIsGood, levelMeaning, METRIC_MEANINGS } from '../src/glossary.js';

describe('words for metrics and levels', () => {
  it('says where each level stands, so "low" reads as the worst, not as a small number', () => {
    expect(LEVEL_ORDER).toEqual(['elite', 'high', 'medium', 'low']);
    expect(levelMeaning('low')).toBe('low (the worst of four levels)');
    expect(levelMeaning('elite')).toBe('elite (the best of four levels)');
    expect(LEVEL_ORDER.map(levelIsGood)).toEqual([true, true, false, false]);
    expect(LEVELS_EXPLAINED).toMatch(/best to worst: Elite, High, Medium, Low/);
  });

  it('every metric says what it measures and which way is good, in the same direction as its flag', () => {
    for (const [key, m] of Object.entries(METRIC_MEANINGS)) {
      expect(m.measures.length, key).toBeGreaterThan(40);
      expect(m.direction, key).toMatch(m.better === 'higher' ? /^Higher is better/ : /^Lower is better/);
      expect(m.summary, key).toMatch(m.better === 'higher' ? /Higher is better\.$/ : /Lower is better\.$/);
    }
    expect(METRIC_MEANINGS.changeFailureRate.better).toBe('lower');
    expect(METRIC_MEANINGS.deploymentFrequency.better).toBe('higher');
  });

  it('writes deploy days per week as words', () => {
    expect(deployDaysText(5)).toBe('deploys on 5 of 7 days in a typical week');
    expect(deployDaysText(2.5)).toBe('deploys on 2.5 of 7 days in a typical week');
    expect(deployDaysText(null)).toBe('no data on deploy days');
  });
});
