import { PavedConfig } from '@paved/schemas';
import { defaultMetricSettings, loadAssumptions, runTransform, setRoiAssumptions, teamDevelopers } from '@paved/transform';
import { developersOf } from '../src/roadmap/friction.js';
import type { SurveyView } from '../src/roadmap/survey-source.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, openTestWarehouse } from '../../transform/test/harness.js';
import { HistoryBuilder } from '../../transform/test/history.js';
import { createCampaign, loadResultsInput } from '@paved/surveys';

// One source of developer counts (issue 14): Surveys' participation denominators and the Roadmap's
// (and ROI's) developers per team are the same numbers: an admin's override, else catalog.teams[].developers,
// else the authors of PRs merged in the 90 days before the campaign closed.
let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = PavedConfig.parse({ catalog: { teams: [{ name: 'alpha' }, { name: 'beta', developers: 8 }, { name: 'gamma', developers: 2 }] } });
const NOW = new Date('2026-03-20T00:00:00Z');

beforeAll(async () => {
  env = await openTestWarehouse();
  const repo = new HistoryBuilder('acme/alpha-api');
  // Four people merged PRs in alpha's repository (one of them twice): an estimate of 4 developers.
  repo.pullRequest(1, { opened: '2026-03-02T09:00', merged: '2026-03-02T10:00', mergeCommit: 'p1', author: 'ada' });
  repo.pullRequest(2, { opened: '2026-03-03T09:00', merged: '2026-03-03T10:00', mergeCommit: 'p2', author: 'bob' });
  repo.pullRequest(3, { opened: '2026-03-04T09:00', merged: '2026-03-04T10:00', mergeCommit: 'p3', author: 'cy' });
  repo.pullRequest(4, { opened: '2026-03-05T09:00', merged: '2026-03-05T10:00', mergeCommit: 'p4', author: 'ada' });
  repo.pullRequest(6, { opened: '2026-03-06T09:00', merged: '2026-03-06T10:00', mergeCommit: 'p6', author: 'eve' });
  // Merged long before the campaign's 90 days: not counted.
  repo.pullRequest(5, { opened: '2025-06-01T09:00', merged: '2025-06-01T10:00', mergeCommit: 'p5', author: 'dee' });
  await env.ingest([
    event('catalog_entity', {
      service: 'alpha-api', team: 'alpha', tier: null, repo: 'acme/alpha-api', path: null, lifecycle: 'production', system: null, annotations: {},
      source_template: null, created_at: null, updated_at: '2025-01-01T00:00:00.000Z',
    }),
    ...repo.events,
  ]);
  await runTransform(env.warehouse, defaultMetricSettings);
  await setRoiAssumptions(env.warehouse, { teamDevelopers: { gamma: 5 } }, 'test');
  await createCampaign(env.warehouse, config, { id: 'q1', audience: ['alpha', 'beta', 'gamma'], opens: '2026-03-01', closes: '2026-03-10' }, new Date('2026-02-20T00:00:00Z'));
}, 120_000);
afterAll(async () => env?.close());

describe('developers per team: one source for Surveys, Roadmap and ROI', () => {
  it('override, then catalog, then estimate from merged PRs', async () => {
    const counts = await teamDevelopers(env.warehouse, await loadAssumptions(env.warehouse, config), { from: '2025-12-11', to: '2026-03-11' });
    expect(Object.fromEntries(counts)).toEqual({
      alpha: { count: 4, source: 'estimate' }, beta: { count: 8, source: 'catalog' }, gamma: { count: 5, source: 'override' },
    });
  });

  it('the Surveys page and the Roadmap show the same developers for every team of a campaign', async () => {
    const surveys = (await loadResultsInput(env.warehouse, config, 'q1', NOW))!.denominators;
    const view: SurveyView = {
      campaign: { id: 'q1', title: 'q1', opensAt: '2026-03-01T00:00:00.000Z', closesAt: '2026-03-11T00:00:00.000Z', closedAt: null },
      minGroupSize: 3, by: 'team', released: true, respondents: 3, org: null, previous: null, hiddenGroups: [],
      // alpha shows 3 respondents: the Roadmap used to take them as the team size ("3 of 3" there, "3 of 4" on Surveys).
      groups: [{ group: 'alpha', respondents: 3, drivers: [], hoursLost: null, freeText: [] }],
    };
    const roadmap = await developersOf(env.warehouse, await loadAssumptions(env.warehouse, config), view, { from: '2026-02-01', to: '2026-03-01' }, NOW);
    expect(Object.fromEntries([...surveys].map(([team, d]) => [team, d.count]))).toEqual({ alpha: 4, beta: 8, gamma: 5 });
    expect(Object.fromEntries(roadmap)).toEqual(Object.fromEntries([...surveys].map(([team, d]) => [team, d.count])));
  });
});
