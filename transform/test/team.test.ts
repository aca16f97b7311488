import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankingRow } from '../src/metrics/explore.js';
import { runTransform } from '../src/metrics/rebuild.js';
import { defaultMetricSettings } from '../src/metrics/settings.js';
import { compareKey, medianOf, slowestStage, teamProfile, UnknownTeamError } from '../src/metrics/team.js';
import { openTestWarehouse } from './harness.js';
import { HistoryBuilder } from './history.js';

// Two whole weeks (Monday 2 March to Sunday 15 March): per week = deployments / 2.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const WINDOW = { from: '2026-03-02', to: '2026-03-16' };

// fast: 8 deployments of one service; mid: 4; slow: 2 over two services, one golden, one never deployed.
function team(repo: string, service: string, teamName: string, deploys: number, options: { template?: string } = {}): HistoryBuilder {
  const h = new HistoryBuilder(repo);
  h.service(service, teamName, options);
  for (let i = 0; i < deploys; i += 1) {
    const day = String(2 + i).padStart(2, '0');
    h.push(`2026-03-${day}T09:00`, [[`${service}-c${i}`, `2026-03-${day}T08:00`]]);
    h.deploy(`${service}-d${i}`, `${service}-c${i}`, `2026-03-${day}T10:00`);
  }
  return h;
}
const fast = team('acme/fast', 'fast-api', 'fast', 8);
const mid = team('acme/mid', 'mid-api', 'mid', 4);
const slow = team('acme/slow', 'slow-api', 'slow', 2, { template: 'node-service' });
const slowIdle = new HistoryBuilder('acme/slow-idle');
slowIdle.service('slow-idle', 'slow');
// slow's one pull request waits 50 h for a first review: pickup is its slowest stage.
slow.commit('slow-pr-c1', '2026-03-03T08:00');
slow.pullRequest(1, { opened: '2026-03-03T09:00', merged: '2026-03-05T12:00', mergeCommit: 'slow-c1', commits: ['slow-pr-c1'], author: 'sam' });
slow.review(1, 'riley', '2026-03-05T11:00');
// mid's pull request is reviewed within the hour and waits long for its merge (review stage).
mid.commit('mid-pr-c1', '2026-03-03T06:00');
mid.pullRequest(2, { opened: '2026-03-03T07:00', merged: '2026-03-04T09:00', mergeCommit: 'mid-c1', commits: ['mid-pr-c1'], author: 'max' });
mid.review(2, 'riley', '2026-03-03T07:30');
// An incident 1 h after slow's second deployment: slow's change failure rate is 1 / 2.
slow.incident('slow-i1', '2026-03-03T11:00', { resolved: '2026-03-03T12:00', service: 'slow-api' });

beforeAll(async () => {
  env = await openTestWarehouse();
  await env.ingest([fast, mid, slow, slowIdle].flatMap((h) => h.events));
  await runTransform(env.warehouse, defaultMetricSettings);
}, 120_000);
afterAll(async () => env?.close());

describe('a team against the organisation', () => {
  it('compares deployment frequency with the median team and ranks the team from the worst', async () => {
    const profile = await teamProfile(env.warehouse, { ...WINDOW, team: 'slow' });
    const frequency = profile.keys.find((k) => k.key === 'per_week')!;
    // Per week: fast 4, mid 2, slow 1: the median team deploys 2 a week, slow is the worst of three.
    expect(frequency).toEqual({ key: 'per_week', team: 1, orgMedian: 2, teams: 3, worstRank: 1, versusMedian: 'worse' });
    const cfr = profile.keys.find((k) => k.key === 'change_failure_rate')!;
    expect(cfr).toMatchObject({ team: 0.5, orgMedian: 0, worstRank: 1, versusMedian: 'worse' });
    expect(profile.dora.deploymentFrequency.deployments).toBe(2);
    expect(profile.knownTeams).toEqual(['fast', 'mid', 'slow']);
  });

  it('marks the slowest flow stage and sets each stage beside the median team\'s', async () => {
    const profile = await teamProfile(env.warehouse, { ...WINDOW, team: 'slow' });
    expect(profile.flow.prs).toBe(1);
    expect(profile.flow.slowest).toBe('pickup');
    const pickup = profile.flow.stages.find((s) => s.stage === 'pickup')!;
    // slow waits 50 h for a first review, mid 0.5 h: the median of the two teams is 25.25 h.
    expect(pickup).toEqual({ stage: 'pickup', teamP50: 50, orgMedian: 25.25 });
    expect((await teamProfile(env.warehouse, { ...WINDOW, team: 'mid' })).flow.slowest).toBe('review');
  });

  it('lists the team\'s services, least deployed first, with its golden-path share', async () => {
    const profile = await teamProfile(env.warehouse, { ...WINDOW, team: 'slow' });
    expect(profile.services.map((s) => [s.service, s.deployments, s.goldenPath])).toEqual([['slow-idle', 0, false], ['slow-api', 2, true]]);
    expect(profile.golden).toEqual({ services: 2, goldenServices: 1, serviceShare: 0.5, deployments: 2, goldenDeployments: 2, deploymentShare: 1 });
  });

  it('names the known teams when asked for one Paved does not know', async () => {
    const error = await teamProfile(env.warehouse, { ...WINDOW, team: 'nosuchteam' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTeamError);
    expect((error as Error).message).toBe('unknown team "nosuchteam": known teams are fast, mid, slow');
  });
});

describe('medians and comparisons', () => {
  const row = (key: string, perWeek: number | null, lead: number | null): RankingRow => ({
    key, team: key, golden_path: false, services: 1, deployments: 0, per_week: perWeek ?? 0, per_service_per_week: perWeek ?? 0, failed: 0, change_failure_rate: null, recovery_p50: null, rework_rate: null, lead_p50: lead, changes: 0,
  });

  it('takes the middle value, or the mean of the middle two, and leaves out teams without data', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
    expect(medianOf([null, 5, undefined])).toBe(5);
    expect(medianOf([])).toBeNull();
  });

  it('counts a shorter lead time as better and a lower frequency as worse', () => {
    const rows = [row('a', 1, 10), row('b', 2, 20), row('c', 3, null)];
    expect(compareKey('lead_p50', 'a', rows)).toEqual({ key: 'lead_p50', team: 10, orgMedian: 15, teams: 2, worstRank: 2, versusMedian: 'better' });
    expect(compareKey('lead_p50', 'c', rows)).toMatchObject({ team: null, worstRank: null, versusMedian: null });
    expect(compareKey('per_week', 'a', rows)).toMatchObject({ orgMedian: 2, worstRank: 1, versusMedian: 'worse' });
  });

  it('names the stage with the longest median, the earlier one on a tie', () => {
    expect(slowestStage({ coding: 2, pickup: 5, review: 5, deploy: null })).toBe('pickup');
    expect(slowestStage({ coding: null, pickup: null, review: null, deploy: null })).toBeNull();
  });
});
