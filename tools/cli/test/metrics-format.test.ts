import { describe, expect, it } from 'vitest';
import type { DoraResult } from '@paved/schemas';
import { formatDora } from '../src/commands/metrics.js';

const result: DoraResult = {
  from: '2026-09-05', to: '2026-12-04', scope: { team: null, service: null }, profile: '2023',
  deploymentFrequency: { deployments: 738, perWeek: 57.4, services: 12, perServicePerWeekP50: 6, deployDaysPerWeekP50: 5, level: 'high' },
  leadTime: { p50Hours: 91.2, p75Hours: 47.4, p90Hours: 400, changes: 4207, level: 'high' },
  changeFailureRate: { rate: 0.051, failedDeployments: 38, deployments: 738, level: 'high' },
  recovery: { timeToRestoreP50Hours: 2.3, incidents: 54, failedDeploymentRecoveryP50Hours: 95.6, failedDeployments: 38, recoveredDeployments: 36, level: 'low' },
  reworkRate: { rate: 0.316, reworkDeployments: 233, deployments: 738 },
};

describe('paved metrics dora as text', () => {
  const text = formatDora(result);

  it('writes durations by the one rule (hours under 48 h, days above), never "95.6 h"', () => {
    expect(text).toContain('p50 3.8 d, p75 47 h, p90 17 d over 4207 changes');
    expect(text).toContain('failed deployment recovery  p50 4.0 d (36 of 38 failed deployments recovered)');
    expect(text).not.toMatch(/\d+\.\d h.*\d+\.\d d|95\.6 h|91\.2 h/);
  });

  it('says deploy days in words and keeps recovery apart from time to restore', () => {
    expect(text).toContain('the median service 6/week and deploys on 5 of 7 days in a typical week');
    expect(text).not.toContain('deploy days/week');
    expect(text).toMatch(/time to restore service {5}p50 2\.3 h over 54 incidents \(any cause; no level\)/);
  });

  it('says where a level stands, so "low" reads as the worst', () => {
    expect(text).toContain('[level low (the worst of four levels)]');
    expect(text).toContain('[level high (the second best of four levels), of the median service]');
    expect(text).toContain('Levels best to worst: elite, high, medium, low.');
  });
});
