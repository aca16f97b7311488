import { describe, expect, it } from 'vitest';
import { scopeParams, scopeWhere, wholeWeeksOf } from '../src/metrics/dora.js';

describe('scopeWhere', () => {
  it('writes a plain predicate for each part of the scope that is set, and none for the organisation', () => {
    expect(scopeWhere({})).toBe('1');
    expect(scopeWhere({ team: 'payments' })).toBe('team = {team:String}');
    expect(scopeWhere({ team: 'payments', service: 'ledger', goldenPath: false })).toBe('team = {team:String} AND service = {service:String} AND golden_path = {golden:Bool}');
  });

  it('never writes a value into the SQL: values travel as typed parameters', () => {
    const scope = { team: "x' OR 1 = 1 --", service: 'a{b}' };
    expect(scopeWhere(scope)).not.toContain('OR 1 = 1');
    expect(scopeWhere(scope)).not.toContain('a{b}');
    expect(scopeParams(scope)).toEqual({ team: "x' OR 1 = 1 --", service: 'a{b}', golden: false });
  });
});

describe('wholeWeeksOf', () => {
  it('the first Monday on or after from, and the Monday–Sunday weeks lying wholly before to', () => {
    // 2026-08-25 is a Tuesday: the first whole week starts on Monday 2026-08-31.
    expect(wholeWeeksOf('2026-08-25', '2026-11-23')).toEqual({ firstMonday: '2026-08-31', wholeWeeks: 12 });
    // A Monday starts its own week; [Mon, next Mon) is one whole week.
    expect(wholeWeeksOf('2026-08-31', '2026-09-07')).toEqual({ firstMonday: '2026-08-31', wholeWeeks: 1 });
    expect(wholeWeeksOf('2026-08-31', '2026-09-06')).toEqual({ firstMonday: '2026-08-31', wholeWeeks: 0 });
    // A Sunday: the week starts the next day.
    expect(wholeWeeksOf('2026-08-30', '2026-09-14')).toEqual({ firstMonday: '2026-08-31', wholeWeeks: 2 });
    // A window shorter than what remains before its first Monday has none (never negative).
    expect(wholeWeeksOf('2026-09-01', '2026-09-03')).toEqual({ firstMonday: '2026-09-07', wholeWeeks: 0 });
    expect(wholeWeeksOf('2025-11-23', '2026-11-23')).toEqual({ firstMonday: '2025-11-24', wholeWeeks: 52 });
  });
});
