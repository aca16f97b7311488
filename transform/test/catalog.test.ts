import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptionMetrics } from '../src/metrics/adoption.js';
import { serviceCatalog } from '../src/metrics/catalog.js';
import { doraMetrics } from '../src/metrics/dora.js';
import { ranking } from '../src/metrics/explore.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { event, openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

// One catalog of services and teams (issue 14): Adoption, the DORA ranking and the frequency levels
// count the same services, so the pages cannot disagree.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WEEK = { from: '2026-03-02', to: '2026-03-09' };

const entry = (service: string, team: string, lifecycle = 'production') => event('catalog_entity', {
  service, team, tier: null, repo: `acme/${service}`, path: null, lifecycle, system: null, annotations: {}, source_template: null, created_at: null, updated_at: '2025-01-01T00:00:00.000Z',
});

const shipped = (repo: string, deployments: [id: string, at: string][]) => {
  const h = new HistoryBuilder(repo);
  for (const [id, at] of deployments) {
    h.push(at, [[`${id}-c`, at]]);
    h.deploy(id, `${id}-c`, at);
  }
  return h.events;
};

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([
    entry('a-one', 'alpha'), entry('a-two', 'alpha'), entry('a-live', 'alpha', 'deprecated'), entry('a-old', 'alpha', 'deprecated'),
    ...shipped('acme/a-one', [['a1-d1', '2026-03-03T10:00'], ['a1-d2', '2026-03-04T10:00']]),
    ...shipped('acme/a-live', [['al-d1', '2026-03-05T10:00']]),
    ...shipped('acme/a-old', [['ao-d1', '2025-01-06T10:00']]),
    // Not in the catalog: the repository's name is the service (team unassigned).
    ...shipped('acme/stray', [['st-d1', '2026-03-06T10:00']]),
    // No repository, no service: counted in totals, not a service.
    ...shipped('unknown', [['un-d1', '2026-03-06T11:00']]),
  ]);
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

describe('one catalog of services and teams', () => {
  it('the catalog: services not deprecated, plus those deployed to production in the last 12 months', async () => {
    // a-two never shipped but is in the catalog; a-live is deprecated but shipped this week; a-old is
    // deprecated and last shipped 14 months before the window ends; "unknown" is not a service.
    expect((await serviceCatalog(env.warehouse, WEEK)).map((s) => [s.team, s.service])).toEqual([
      ['alpha', 'a-live'], ['alpha', 'a-one'], ['alpha', 'a-two'], ['unassigned', 'acme/stray'],
    ]);
  });

  it('Adoption, the ranking and deployment frequency count the same services, per team and in total', async () => {
    const adoption = await adoptionMetrics(env.warehouse, WEEK);
    const byService = await ranking(env.warehouse, WEEK, 'service');
    const byTeam = await ranking(env.warehouse, WEEK, 'team');
    const org = await doraMetrics(env.warehouse, WEEK);
    const alpha = await doraMetrics(env.warehouse, { ...WEEK, team: 'alpha' });

    expect(adoption.headline.services).toBe(4);
    expect(byService.map((r) => [r.key, r.deployments])).toEqual([['a-one', 2], ['a-live', 1], ['acme/stray', 1], ['a-two', 0]]);
    expect(org.deploymentFrequency).toMatchObject({ services: 4, deployments: 5 });

    expect(Object.fromEntries(adoption.teams.map((t) => [t.team, t.services]))).toEqual({ alpha: 3, unassigned: 1 });
    expect(Object.fromEntries(byTeam.map((t) => [t.key, t.services]))).toEqual({ alpha: 3, unassigned: 1 });
    // alpha's services shipped 2, 1 and 0 times this week: 3 a week in total, 1 for the median service.
    expect(byTeam.find((t) => t.key === 'alpha')).toMatchObject({ per_week: 3, per_service_per_week: 1 });
    expect(alpha.deploymentFrequency).toMatchObject({ services: 3, deployments: 3 });
    // A service with no deployment has no rates rather than 0 % or a division by zero.
    expect(byService.find((r) => r.key === 'a-two')).toMatchObject({ per_week: 0, change_failure_rate: null, rework_rate: null, lead_p50: null });
  });
});
