import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoraResult } from '@paved/schemas';
import { doraMetrics } from '../src/metrics/dora.js';
import { serviceCatalog } from '../src/metrics/catalog.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { deploymentFrequencyLevel } from '../src/metrics/levels.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { event, openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

// Deployment frequency per service (issue 14): a team's or the organisation's level is the level of
// its median service, not of the deployments of all its services added up.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WEEK = { from: '2026-03-02', to: '2026-03-09' }; // Monday to Monday: one whole week

/** A catalog entry with a lifecycle (the shared HistoryBuilder always says production). */
const catalogEntry = (service: string, team: string, repo: string, lifecycle = 'production', template: string | null = null) => event('catalog_entity', {
  service, team, tier: null, repo, path: null, lifecycle, system: null, annotations: {}, source_template: template, created_at: null, updated_at: '2025-01-01T00:00:00.000Z',
});

// Team "skewed": three services in the catalog shipping at very different speeds.
const fast = new HistoryBuilder('acme/sk-fast');
const mid = new HistoryBuilder('acme/sk-mid');
const slow = new HistoryBuilder('acme/sk-slow');
// sk-fast: two deployments a day, every day of the week → 14 deployments, deploys on 7 days.
for (let day = 2; day <= 8; day += 1) {
  const date = `2026-03-0${day}`;
  fast.push(`${date}T08:00`, [[`skf-${day}a`, `${date}T07:00`]]);
  fast.deploy(`skf-${day}a`, `skf-${day}a`, `${date}T09:00`);
  fast.push(`${date}T14:00`, [[`skf-${day}b`, `${date}T13:00`]]);
  fast.deploy(`skf-${day}b`, `skf-${day}b`, `${date}T15:00`);
}
// sk-mid: Tuesday and Thursday → 2 deployments on 2 days.
mid.push('2026-03-03T08:00', [['skm-1', '2026-03-03T07:00']]);
mid.deploy('skm-1', 'skm-1', '2026-03-03T09:00');
mid.push('2026-03-05T08:00', [['skm-2', '2026-03-05T07:00']]);
mid.deploy('skm-2', 'skm-2', '2026-03-05T09:00');
// sk-slow: last shipped in December, nothing in the window → counts as 0.
slow.push('2025-12-01T08:00', [['sks-1', '2025-12-01T07:00']]);
slow.deploy('sks-1', 'sks-1', '2025-12-01T09:00');

// Team "retired": a deprecated catalog entry still deploying in the window counts (it shipped in the
// last 12 months); a deprecated one that last shipped 13 months ago does not; one in the catalog counts.
const retiredLive = new HistoryBuilder('acme/rt-live');
retiredLive.push('2026-03-04T08:00', [['rtl-1', '2026-03-04T07:00']]);
retiredLive.deploy('rtl-1', 'rtl-1', '2026-03-04T09:00');
const retiredGone = new HistoryBuilder('acme/rt-gone');
retiredGone.push('2025-02-03T08:00', [['rtg-1', '2025-02-03T07:00']]);
retiredGone.deploy('rtg-1', 'rtg-1', '2025-02-03T09:00');
const retiredQuiet = new HistoryBuilder('acme/rt-quiet');

const catalog = [
  catalogEntry('sk-fast', 'skewed', 'acme/sk-fast', 'production', 'node-service'),
  catalogEntry('sk-mid', 'skewed', 'acme/sk-mid'),
  catalogEntry('sk-slow', 'skewed', 'acme/sk-slow'),
  catalogEntry('rt-live', 'retired', 'acme/rt-live', 'deprecated'),
  catalogEntry('rt-gone', 'retired', 'acme/rt-gone', 'deprecated'),
  catalogEntry('rt-quiet', 'retired', 'acme/rt-quiet'),
];

// Random teams (seeded) checked against a brute-force oracle written from the definition (docs/metrics.md).
const RANDOM = { from: '2026-03-04', to: '2026-03-25' }; // a Wednesday: whole weeks are 03-09..15 and 03-16..22
const DAYS = 21;
const WHOLE_WEEKS = [['2026-03-09', '2026-03-16'], ['2026-03-16', '2026-03-23']] as const;
let seed = 14;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) / 2;
  return sorted[Math.floor(position)]! + (sorted[Math.ceil(position)]! - sorted[Math.floor(position)]!) * (position - Math.floor(position));
};
const round = (value: number) => Number(value.toFixed(2));
const randomTeams = Array.from({ length: 8 }, (_, t) => ({
  team: `random-${t}`,
  services: Array.from({ length: 1 + Math.floor(random() * 6) }, (_, s) => {
    const busy = random();
    // Deployment times spread from 02-20 to 03-28, around the window on both sides.
    const times = Array.from({ length: Math.floor(busy * busy * 40) }, () => new Date(Date.parse('2026-02-20T00:00:00Z') + Math.floor(random() * 36 * 24) * 3_600_000).toISOString());
    return { service: `random-${t}-${s}`, times };
  }),
}));
const oracle = (services: { times: string[] }[]) => {
  const inWindow = services.map((s) => s.times.filter((at) => at >= `${RANDOM.from}T` && at < `${RANDOM.to}T`));
  const perWeek = inWindow.map((times) => (times.length / DAYS) * 7);
  const days = inWindow.map((times) => median(WHOLE_WEEKS.map(([start, end]) => new Set(times.filter((at) => at >= `${start}T` && at < `${end}T`).map((at) => at.slice(0, 10))).size)));
  const deployments = inWindow.reduce((sum, times) => sum + times.length, 0);
  return { deployments, services: services.length, perServicePerWeekP50: round(median(perWeek)), deployDaysPerWeekP50: round(median(days)) };
};
const randomEvents = randomTeams.flatMap(({ team, services }) => services.flatMap(({ service, times }) => {
  const h = new HistoryBuilder(`acme/${service}`);
  times.forEach((at, i) => {
    h.push(at.slice(0, 16), [[`${service}-c${i}`, at.slice(0, 16)]]);
    h.deploy(`${service}-d${i}`, `${service}-c${i}`, at.slice(0, 16));
  });
  return [catalogEntry(service, team, `acme/${service}`), ...h.events];
}));

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([...catalog, ...[fast, mid, slow, retiredLive, retiredGone, retiredQuiet].flatMap((h) => h.events), ...randomEvents]);
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

describe('deployment frequency per service (hand-worked)', () => {
  it('a team of three services with skewed frequencies has the level of its median service', async () => {
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { ...WEEK, team: 'skewed' });
    // per service a week: sk-slow 0, sk-mid 2, sk-fast 14 → median 2 (high), although the team's
    // 16 deployments a week would be elite; deploy days per week: 0, 2, 7 → median 2.
    expect(deploymentFrequency).toEqual({
      deployments: 16, perWeek: 16, services: 3, perServicePerWeekP50: 2, deployDaysPerWeekP50: 2, level: 'high',
    });
  });

  it('the answer fits the published contract (DoraResult in @paved/schemas), for a team, a service and the organisation', async () => {
    for (const scope of [{ team: 'skewed' }, { service: 'sk-fast' }, {}, { team: 'skewed', goldenPath: true }]) {
      const parsed = DoraResult.safeParse(await doraMetrics(env.warehouse, { ...WEEK, ...scope }));
      expect(parsed.success ? 'ok' : parsed.error.issues).toBe('ok');
    }
    // The contract is strict about what it promises: a missing key is caught.
    const result = await doraMetrics(env.warehouse, { ...WEEK, team: 'skewed' });
    expect(DoraResult.safeParse({ ...result, deploymentFrequency: { ...result.deploymentFrequency, services: undefined } }).success).toBe(false);
  });

  it('a single service keeps its own numbers', async () => {
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { ...WEEK, service: 'sk-fast' });
    expect(deploymentFrequency).toEqual({ deployments: 14, perWeek: 14, services: 1, perServicePerWeekP50: 14, deployDaysPerWeekP50: 7, level: 'elite' });
  });

  it('over two weeks a service with deployments in one week only has a median of its two weeks', async () => {
    // sk-fast: 14 deployments over 14 days = 7 a week; deploy days per whole week 7 and 0 → 3.5.
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-16', service: 'sk-fast' });
    expect(deploymentFrequency).toMatchObject({ perWeek: 7, deployDaysPerWeekP50: 3.5, level: 'elite' });
    // The team: per week 0, 1, 7 → median 1 (high); deploy days per service 0, median(2, 0) = 1, 3.5 → 1.
    const team = await doraMetrics(env.warehouse, { from: '2026-03-02', to: '2026-03-16', team: 'skewed' });
    expect(team.deploymentFrequency).toMatchObject({ deployments: 16, perWeek: 8, services: 3, perServicePerWeekP50: 1, deployDaysPerWeekP50: 1, level: 'high' });
  });

  it('services in scope: the catalog (not deprecated) plus services deployed in the last 12 months', async () => {
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { ...WEEK, team: 'retired' });
    // rt-live (deprecated, deployed in the window): 1 a week; rt-quiet (catalog, never deployed): 0;
    // rt-gone (deprecated, last deployed 2025-02-03, more than 12 months before 2026-03-09): not a service.
    expect(deploymentFrequency).toMatchObject({ deployments: 1, perWeek: 1, services: 2, perServicePerWeekP50: 0.5, level: 'medium' });
    const services = await serviceCatalog(env.warehouse, WEEK);
    expect(services.filter((s) => s.team === 'retired').map((s) => [s.service, s.inCatalog])).toEqual([['rt-live', false], ['rt-quiet', true]]);
  });

  it('golden-path scope counts golden-path services only', async () => {
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { ...WEEK, team: 'skewed', goldenPath: true });
    expect(deploymentFrequency).toMatchObject({ deployments: 14, services: 1, perServicePerWeekP50: 14, level: 'elite' });
  });

  it('a team with no deployment in the window has no level (no data), with its services counted', async () => {
    const { deploymentFrequency } = await doraMetrics(env.warehouse, { from: '2026-01-05', to: '2026-01-12', team: 'skewed' });
    expect(deploymentFrequency).toEqual({ deployments: 0, perWeek: null, services: 3, perServicePerWeekP50: 0, deployDaysPerWeekP50: 0, level: null });
  });
});

describe('deployment frequency per service: random teams against a brute-force oracle', () => {
  it('every team: services, median service per week and deploy days, and the level of the median service', async () => {
    for (const { team, services } of randomTeams) {
      const expected = oracle(services);
      const { deploymentFrequency } = await doraMetrics(env.warehouse, { ...RANDOM, team });
      expect({ team, ...deploymentFrequency }).toEqual({
        team, ...expected, perWeek: expected.deployments === 0 ? null : round((expected.deployments / DAYS) * 7),
        level: expected.deployments === 0 ? null : deploymentFrequencyLevel(expected.perServicePerWeekP50, '2023'),
      });
    }
  });
});
