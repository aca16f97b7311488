import { describe, expect, it } from 'vitest';
import { durationTick, durationTicks, formatDuration } from '../src/duration.js';

describe('one duration rule: hours under 48 h, days from 48 h', () => {
  it('writes hours below 48 h: one decimal under 10, whole numbers from 10', () => {
    expect(formatDuration(0)).toBe('0 h');
    expect(formatDuration(0.02)).toBe('< 0.1 h');
    expect(formatDuration(0.25)).toBe('0.3 h');
    expect(formatDuration(1)).toBe('1.0 h');
    expect(formatDuration(9.5)).toBe('9.5 h');
    expect(formatDuration(9.96)).toBe('10 h');
    expect(formatDuration(15.4)).toBe('15 h');
    expect(formatDuration(47.4)).toBe('47 h');
  });

  it('switches to days at 48 h, including values that would round to 48 h', () => {
    expect(formatDuration(47.5)).toBe('2.0 d');
    expect(formatDuration(48)).toBe('2.0 d');
    expect(formatDuration(95.6)).toBe('4.0 d');
    expect(formatDuration(91.2)).toBe('3.8 d');
    expect(formatDuration(238.7)).toBe('9.9 d');
    expect(formatDuration(239)).toBe('10 d');
    expect(formatDuration(24 * 14)).toBe('14 d');
    expect(formatDuration(24 * 400)).toBe('400 d');
  });

  it('never uses minutes, weeks, months or years', () => {
    for (const h of [0.01, 0.3, 0.9, 5, 30, 47, 48, 100, 24 * 13, 24 * 30, 24 * 90, 24 * 800]) {
      expect(formatDuration(h)).toMatch(/^(< )?[\d.]+ [hd]$/);
    }
  });

  it('says "no data" (or what it is asked to) without a number', () => {
    expect(formatDuration(null)).toBe('no data');
    expect(formatDuration(undefined)).toBe('no data');
    expect(formatDuration(Number.NaN)).toBe('no data');
    expect(formatDuration(null, { empty: '—' })).toBe('—');
  });

  it('signs changes by the same rule', () => {
    expect(formatDuration(-3.24)).toBe('−3.2 h');
    expect(formatDuration(-72)).toBe('−3.0 d');
    expect(formatDuration(3.24, { signed: true })).toBe('+3.2 h');
    expect(formatDuration(50, { signed: true })).toBe('+2.1 d');
    expect(formatDuration(0, { signed: true })).toBe('0 h');
  });
});

describe('duration axes', () => {
  it('labels ticks by the same rule', () => {
    expect(durationTick(0)).toBe('0');
    expect(durationTick(0.25)).toBe('0.25h');
    expect(durationTick(12)).toBe('12h');
    expect(durationTick(24)).toBe('24h');
    expect(durationTick(47)).toBe('47h');
    expect(durationTick(48)).toBe('2d');
    expect(durationTick(168)).toBe('7d');
  });

  it('spreads round ticks from 0 over the data, never a single tick', () => {
    expect(durationTicks(12)).toEqual([0, 3, 6, 9, 12]);
    expect(durationTicks(15)).toEqual([0, 3, 6, 9, 12, 15]);
    expect(durationTicks(0.6)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(durationTicks(100)).toEqual([0, 24, 48, 72, 96, 120]);
    expect(durationTicks(900)).toEqual([0, 336, 672, 1008]);
    expect(durationTicks(0)).toEqual([0, 1]);
    for (const max of [0.1, 1, 2.5, 7, 13, 23, 47, 49, 200, 1000, 5000, 20000, 100000]) {
      const ticks = durationTicks(max);
      expect(ticks.length, `ticks for ${max}`).toBeGreaterThanOrEqual(2);
      expect(ticks.length, `ticks for ${max}`).toBeLessThanOrEqual(6);
      expect(ticks.at(-1)!, `ticks for ${max}`).toBeGreaterThanOrEqual(max);
      // Every label is a round number in its unit: whole hours (or quarters under 1 h), whole days.
      for (const t of ticks) expect(durationTick(t), `tick ${t} for ${max}`).toMatch(/^(0|\d+(\.25|\.5|\.75)?h|\d+d)$/);
    }
  });
});
