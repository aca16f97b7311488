import { describe, expect, it } from 'vitest';
import { environmentNamedIn } from '../src/environment-names.js';

describe('environmentNamedIn (GitHub workflow runs and GitLab pipelines alike)', () => {
  it.each([
    ['Deploy to staging', 'staging'], ['deploy-prod', 'production'], ['Deploy pre-prod', 'preprod'], ['release_pre_production', 'preprod'],
    ['STG rollout', 'staging'], ['ship to UAT', 'uat'], ['dev deploy then prod', 'development'],
  ])('"%s" names %s (the first environment word wins)', (name, environment) => {
    expect(environmentNamedIn(name)).toBe(environment);
  });

  it.each(['Deploy', 'reproduction smoke', 'products', ''])('"%s" names no environment', (name) => {
    expect(environmentNamedIn(name)).toBeUndefined();
  });
});
