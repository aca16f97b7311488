/** The dashboard's formatters: one duration rule, and value axes wide enough for their labels. */
import { describe, expect, it } from 'vitest';
import { axisWidth, count, hours, hoursAxis } from '../lib/format.js';

describe('dashboard formatters', () => {
  it('durations follow the one rule: hours under 48 h, days from 48 h, nothing else', () => {
    expect(hours(95.6)).toBe('4.0 d');
    expect(hours(91.2)).toBe('3.8 d');
    expect(hours(47.4)).toBe('47 h');
    expect(hours(0.5)).toBe('0.5 h');
    expect(hours(24 * 30)).toBe('30 d');
    expect(hours(null)).toBe('no data');
    expect(hours(-2, { signed: true })).toBe('−2.0 h');
    expect(hoursAxis(36)).toBe('36h');
    expect(hoursAxis(168)).toBe('7d');
  });

  it('a value axis is wide enough for its longest tick label ("15,000" was cut to "5,000")', () => {
    const labels = [0, 5_000, 10_000, 15_000].map(count);
    expect(labels.at(-1)).toBe('15,000');
    // 11.5 px digits are about 6.5 px wide: "15,000" needs about 37 px, plus 8 px between label and plot.
    expect(axisWidth(labels)).toBeGreaterThanOrEqual(37 + 8);
    expect(axisWidth(['0', '20', '40'])).toBeLessThan(axisWidth(labels));
    expect(axisWidth(['1,000,000'])).toBeGreaterThan(axisWidth(['15,000']));
  });
});
