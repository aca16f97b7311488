import { describe, expect, it } from 'vitest';
import { scopeParams, scopeWhere } from '../src/metrics/dora.js';

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
