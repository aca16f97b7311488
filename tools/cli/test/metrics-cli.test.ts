import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DoraQuery, doraWindow, lastNinetyDays } from '@paved/transform';
import { describe, expect, it } from 'vitest';
import { pavedVersion } from '../src/main.js';

describe('paved metrics dora and GET /api/v1/metrics/dora: window and dates', () => {
  it('defaults to the last 90 days, today included', () => {
    expect(lastNinetyDays(new Date('2026-12-03T15:00:00Z'))).toEqual({ from: '2026-09-05', to: '2026-12-04' });
    expect(doraWindow({}, new Date('2026-12-03T15:00:00Z'))).toEqual({ from: '2026-09-05', to: '2026-12-04' });
  });

  it('one bound given: the window stays 90 days long', () => {
    expect(doraWindow({ from: '2026-01-01' })).toEqual({ from: '2026-01-01', to: '2026-04-01' });
    expect(doraWindow({ to: '2026-04-01' })).toEqual({ from: '2026-01-01', to: '2026-04-01' });
  });

  it('a date that does not exist is named with what is wrong with it', () => {
    const problems = (from: string, to = '2026-12-01') => {
      const parsed = DoraQuery.safeParse({ from, to });
      return parsed.success ? [] : parsed.error.issues.map((i) => i.message);
    };
    expect(problems('2026-11-31')).toEqual(['from must be a date as YYYY-MM-DD: 2026-11-31: November 2026 has 30 days']);
    expect(problems('2028-02-30')).toEqual(['from must be a date as YYYY-MM-DD: 2028-02-30: February 2028 has 29 days']);
    expect(problems('2026-13-01')).toEqual(['from must be a date as YYYY-MM-DD: 2026-13-01: there is no month 13 (months are 01 to 12)']);
    expect(problems('26-1-1')).toEqual(['from must be a date as YYYY-MM-DD: "26-1-1" is not written as YYYY-MM-DD (for example 2026-11-30)']);
    expect(problems('2026-11-30')).toEqual([]);
  });
});

describe('paved --version', () => {
  it('prints the version of the CLI package', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(pavedVersion()).toBe(manifest.version);
    const child = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'paved.mjs'), '--version'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe(manifest.version);
    expect(child.status).toBe(0);
  });
});
