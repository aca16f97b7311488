import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../src/campaigns.js';
import { surveySummaryForDigest } from '../src/digest.js';
import { planPublication } from '../src/disclosure.js';
import { getCampaigns, getResults } from '../src/http.js';
import { computeResults, digestOf, resultsCsv, type SurveyResults, surveyDigest } from '../src/results.js';
import { writeImported } from '../src/store.js';
import { surveysView } from '../src/view.js';
import { context, input, many, openTestWarehouse, SMALL, testConfig } from './harness.js';

/** Respondents of one breakdown only (teams), as the rule for a single dimension sees them. */
const teamsOf = (entries: Record<string, number>) => Object.entries(entries).flatMap(([team, n]) => Array.from({ length: n }, () => ({ team, tenure: null, role: null })));
const byTeam = (entries: Record<string, number>, k: number) => {
  const plan = planPublication(teamsOf(entries), k);
  return { minGroupSize: plan.minGroupSize, visible: plan.shown.team, hidden: plan.hidden.team, total: plan.org };
};

describe('the publication rule within one breakdown', () => {
  it('hides a group below the threshold and, so it cannot be recovered from the total, the next-smallest too', () => {
    expect(byTeam({ a: 10, b: 6, c: 2 }, 5)).toEqual({ minGroupSize: 5, visible: ['a'], hidden: ['b', 'c'], total: true });
  });

  it('keeps hiding while the hidden groups together are fewer than the threshold', () => {
    expect(byTeam({ a: 10, b: 2, c: 2 }, 5)).toEqual({ minGroupSize: 5, visible: [], hidden: ['a', 'b', 'c'], total: true });
    expect(byTeam({ a: 10, b: 9, c: 2, d: 2 }, 5)).toEqual({ minGroupSize: 5, visible: ['a'], hidden: ['b', 'c', 'd'], total: true });
  });

  it('with two groups, one small, both are hidden and only the total remains', () => {
    expect(byTeam({ a: 10, b: 2 }, 5)).toEqual({ minGroupSize: 5, visible: [], hidden: ['a', 'b'], total: true });
  });

  it('hides the organisation total when it is itself below the threshold (it would be that group)', () => {
    expect(byTeam({ a: 3, b: 1 }, 5)).toMatchObject({ visible: [], total: false });
    expect(byTeam({ a: 4 }, 5)).toMatchObject({ visible: [], hidden: ['a'], total: false });
  });

  it('shows everything when every group is large enough', () => {
    expect(byTeam({ a: 5, b: 5, c: 7 }, 5)).toEqual({ minGroupSize: 5, visible: ['a', 'b', 'c'], hidden: [], total: true });
  });

  it('never uses a threshold below 3', () => {
    expect(byTeam({ a: 2, b: 2, c: 9 }, 1)).toMatchObject({ minGroupSize: 3, visible: ['c'] });
  });

  it('for any sizes: visible groups reach the threshold, and total − visible is never a single group or fewer people than the threshold', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 2000; run += 1) {
      const k = 3 + random(5);
      const groups = Object.fromEntries(Array.from({ length: 1 + random(7) }, (_, i) => [`g${i}`, random(14)]));
      const v = byTeam(groups, k);
      for (const g of v.visible) expect(groups[g]!).toBeGreaterThanOrEqual(k);
      const hiddenPeople = v.hidden.reduce((s, g) => s + groups[g]!, 0);
      if (v.total && v.visible.length > 0 && v.hidden.length > 0) {
        expect(v.hidden.length).toBeGreaterThanOrEqual(2);
        expect(hiddenPeople).toBeGreaterThanOrEqual(k);
      }
      const total = Object.values(groups).reduce((s, n) => s + n, 0);
      expect(v.total).toBe(total >= k);
    }
  });
});

// checkout 8 and payments 6 people, search 2 (below 5). Hiding search alone would let
// "all − checkout − payments" recover it, so payments (next-smallest) is hidden too.
const SECRET = 'SEARCH-SECRET only one person would write this';
const DATA = [...many('checkout', 8, 4, 9, 'Builds are slow'), ...many('payments', 6, 2, 3, 'PAYMENTS docs are thin'), ...many('search', 2, 1, 0, SECRET)];

function expectOnlyCheckoutShown(results: SurveyResults) {
  expect(results.groups.map((g) => g.group)).toEqual(['checkout']);
  expect(results.hiddenGroups).toEqual(['payments', 'search']);
  expect(results.participation.teams.filter((t) => results.hiddenGroups.includes(t.team)).every((t) => t.responses === null && t.rate === null)).toBe(true);
}

describe('participation of teams that are not shown', () => {
  it('a team that answered and a team that did not read the same, so a one-person team cannot be seen to have taken part', () => {
    const audience = ['checkout', 'payments', 'search', 'solo-answered', 'solo-silent'];
    const denominators = new Map(audience.map((team) => [team, { count: team.startsWith('solo') ? 1 : 10, source: 'override' as const }]));
    const results = computeResults(input([...DATA, ...many('solo-answered', 1, 5, 10)], { campaign: { ...input([]).campaign, audience }, denominators }), 'team');
    const row = (team: string) => results.participation.teams.find((t) => t.team === team)!;
    expect(row('solo-answered')).toMatchObject({ responses: null, rate: null });
    expect({ ...row('solo-silent'), team: 'x' }).toEqual({ ...row('solo-answered'), team: 'x' });
  });
});

describe('every output applies the rule', () => {
  it('results: hidden groups have no figures, no counts and no free text; shown groups list no free text either', () => {
    const results = computeResults(input(DATA), 'team');
    expectOnlyCheckoutShown(results);
    const teamText = JSON.stringify(results.groups);
    expect(teamText).not.toContain('SEARCH-SECRET');
    expect(teamText).not.toContain('PAYMENTS docs');
    expect(teamText).not.toContain('Builds are slow');
    expect(results.groups.every((g) => g.freeText.length === 0)).toBe(true);
    // The total may quote them (16 people, the hidden part is 8 people in two teams), never attributed.
    expect(results.org?.respondents).toBe(16);
  });

  it('results by tenure apply the same rule to the bands', () => {
    const data = DATA.map((r, i) => ({ ...r, tenure: i < 12 ? '1-3y' : '<1y' }));
    const results = computeResults(input(data), 'tenure');
    expect(results.groups).toEqual([]);
    expect(results.hiddenGroups).toEqual(['<1y', '1-3y']);
  });

  it('the CSV export holds rows for the total and checkout only', () => {
    const csv = resultsCsv(computeResults(input(DATA), 'team'));
    const groupsInCsv = new Set(csv.trim().split('\r\n').slice(1).filter((l) => !l.includes(',participation,')).map((l) => l.split(',')[2]));
    expect([...groupsInCsv].sort()).toEqual(['all', 'checkout']);
    expect(csv).not.toContain('SEARCH-SECRET');
    const participation = csv.split('\r\n').filter((l) => l.includes(',participation,'));
    expect(participation.find((l) => l.includes(',search,'))).toMatch(/^c1,participation,search,,participation/);
  });

  it('the digest names no hidden team and reports none of its figures', () => {
    const digest = digestOf(computeResults(input(DATA), 'team'));
    expect(digest.teams.map((t) => t.team)).toEqual(['checkout']);
    expect(digest.hiddenTeams).toBe(2);
    expect(digest.lines.join('\n')).not.toMatch(/search|payments/);
  });

  it('the digest says nothing but the threshold when the whole campaign is too small', () => {
    const digest = digestOf(computeResults(input(many('checkout', 4, 4)), 'team'));
    expect(digest).toMatchObject({ respondents: null, drivers: [], teams: [], enps: null });
    expect(digest.lines[1]).toBe('Fewer than 5 responses: nothing can be shown without revealing individual answers.');
  });
});

describe('every output read from the warehouse applies the rule', () => {
  let env: Awaited<ReturnType<typeof openTestWarehouse>>;
  const config = testConfig();
  const NOW = new Date('2026-05-20T00:00:00Z');

  beforeAll(async () => {
    env = await openTestWarehouse();
    await createCampaign(env.warehouse, config, { id: 'dx', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments', 'search', 'platform'], opens: '2026-05-01', closes: '2026-05-14' }, NOW);
    await writeImported(env.warehouse, DATA.map((r, i) => ({
      id: `r${i}`, campaign_id: 'dx', survey_id: 'small', survey_version: 1, team: r.team, tenure: null, role: null, answers: r.answers, free_text: r.free_text, submitted_at: '2026-05-05T00:00:00.000Z',
    })));
  });
  afterAll(async () => env?.close());

  it('GET /api/v1/surveys/results (JSON)', async () => {
    const response = await getResults(new Request('http://paved.test/api/v1/surveys/results?campaign=dx'), context(env.warehouse, NOW, config));
    expect(response.status).toBe(200);
    const body = (await response.json()) as SurveyResults;
    expectOnlyCheckoutShown(body);
    expect(JSON.stringify(body.groups)).not.toContain('SEARCH-SECRET');
    expect(body.participation.teams.find((t) => t.team === 'checkout')).toEqual({ team: 'checkout', denominator: 8, source: 'catalog', responses: 8, rate: 1 });
    expect(body.participation.teams.find((t) => t.team === 'platform')).toMatchObject({ responses: null, rate: null }); // no answers reads like hidden answers;
  });

  it('GET /api/v1/surveys/results?format=csv', async () => {
    const response = await getResults(new Request('http://paved.test/api/v1/surveys/results?campaign=dx&format=csv'), context(env.warehouse, NOW, config));
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await response.text();
    expect(csv).not.toContain('SEARCH-SECRET');
    expect(csv.split('\r\n').some((l) => /^dx,team,(search|payments),/.test(l))).toBe(false);
    expect(csv.split('\r\n').some((l) => l.startsWith('dx,team,checkout,8,driver,speed,'))).toBe(true);
  });

  it('GET with a bad breakdown is a 400 naming the parameter; an unknown campaign a 404', async () => {
    const bad = await getResults(new Request('http://paved.test/api/v1/surveys/results?campaign=dx&by=person'), context(env.warehouse, NOW, config));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ issues: [{ parameter: 'by' }] });
    const missing = await getResults(new Request('http://paved.test/api/v1/surveys/results?campaign=nope'), context(env.warehouse, NOW, config));
    expect(missing.status).toBe(404);
  });

  it('GET /api/v1/surveys/campaigns withholds a response count under the threshold', async () => {
    await writeImported(env.warehouse, many('checkout', 2, 3).map((r, i) => ({
      id: `small${i}`, campaign_id: 'tiny', survey_id: 'small', survey_version: 1, team: r.team, tenure: null, role: null, answers: r.answers, free_text: {}, submitted_at: '2026-04-05T00:00:00.000Z',
    })));
    const body = (await (await getCampaigns(new Request('http://paved.test/api/v1/surveys/campaigns'), context(env.warehouse, NOW, config))).json()) as { campaigns: { id: string; responses: number | null }[] };
    expect(body.campaigns.map((c) => [c.id, c.responses])).toEqual([['dx', 16], ['tiny', null]]);
  });

  it('the dashboard page’s data (results, joined view, themes)', async () => {
    const view = await surveysView(env.warehouse, config, { campaign: 'dx', now: NOW });
    expectOnlyCheckoutShown(view.results!);
    expect(view.joined?.teams.map((t) => t.team)).toEqual(['checkout']);
    // Free text only organisation-wide: a group's comments could be picked out by subtraction.
    expect(view.results!.groups.flatMap((g) => g.freeText)).toEqual([]);
    const orgThemes = view.results!.org!.freeText.flatMap((f) => f.themes.flatMap((t) => t.answers));
    expect(orgThemes).toContain('Builds are slow');
    expect(view.campaigns.find((c) => c.id === 'dx')).toMatchObject({ responses: 16, status: 'closed' });
  });

  it('the digest hook, for the organisation and for each team', async () => {
    const org = await surveySummaryForDigest(env.warehouse, config, {}, NOW);
    expect(org).toMatchObject({ respondents: 16, campaign: { id: 'dx' } });
    expect(org!.lines.join('\n')).not.toMatch(/SEARCH-SECRET|search|payments/);
    const checkout = await surveySummaryForDigest(env.warehouse, config, { team: 'checkout' }, NOW);
    expect(checkout).toMatchObject({ respondents: 8, participationRate: 1 });
    for (const hidden of ['search', 'payments']) {
      const summary = await surveySummaryForDigest(env.warehouse, config, { team: hidden }, NOW);
      expect(summary).toMatchObject({ respondents: null, participationRate: null });
      expect(summary!.lines).toEqual([`Results for ${hidden} are not shown: each group needs at least 5 respondents, and groups are also withheld when their figures would let a smaller group be worked out. See the organisation digest.`]);
    }
  });

  it('an open campaign releases nothing anywhere: API, page, digest and the default view all pass it by', async () => {
    await createCampaign(env.warehouse, config, { id: 'live', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments', 'search', 'platform'], opens: '2026-05-18', closes: '2026-05-30' }, NOW);
    await writeImported(env.warehouse, DATA.map((r, i) => ({
      id: `live${i}`, campaign_id: 'live', survey_id: 'small', survey_version: 1, team: r.team, tenure: null, role: null, answers: r.answers, free_text: r.free_text, submitted_at: '2026-05-19T00:00:00.000Z',
    })));
    const response = await getResults(new Request('http://paved.test/api/v1/surveys/results?campaign=live'), context(env.warehouse, NOW, config));
    const body = (await response.json()) as SurveyResults;
    expect(body).toMatchObject({ released: false, org: null, groups: [], hiddenGroups: [] });
    expect(body.notes.join()).toMatch(/released when the campaign closes/);
    // Participation still shows, for teams whose count may be shown.
    expect(body.participation.teams.find((t) => t.team === 'checkout')?.responses).toBe(8);
    // The default view, the digest and the roadmap's source read the newest closed campaign instead.
    expect((await surveysView(env.warehouse, config, { now: NOW })).results?.campaign.id).toBe('dx');
    expect((await surveySummaryForDigest(env.warehouse, config, {}, NOW))?.campaign.id).toBe('dx');
    expect((await surveyDigest(env.warehouse, config, NOW))?.campaign.id).toBe('dx');
  });

  it('a new campaign without responses does not become the default results view, the results API default or the digest section', async () => {
    // Created after everything else (the newest campaign), open now, nobody answered yet.
    await createCampaign(env.warehouse, config, { id: 'fresh', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout'], opens: '2026-05-20', closes: '2026-06-20' }, NOW);
    const view = await surveysView(env.warehouse, config, { now: NOW });
    expect(view.campaigns.map((c) => c.id)).toContain('fresh');
    expect(view.results?.campaign.id).toBe('dx');
    const response = await getResults(new Request('http://paved.test/api/v1/surveys/results'), context(env.warehouse, NOW, config));
    expect(((await response.json()) as SurveyResults).campaign.id).toBe('dx');
    expect((await surveySummaryForDigest(env.warehouse, config, {}, NOW))?.campaign.id).toBe('dx');
    // Once every campaign has closed, the newest released one with answers ('live'), still not the empty one.
    expect((await surveysView(env.warehouse, config, { now: new Date('2026-07-01T00:00:00Z') })).results?.campaign.id).toBe('live');
  });

  it('the digest function', async () => {
    const digest = await surveyDigest(env.warehouse, config, NOW);
    expect(digest?.teams.map((t) => t.team)).toEqual(['checkout']);
    // The campaign's audience lists every team; nothing else may name a hidden one.
    expect(JSON.stringify({ ...digest, campaign: null })).not.toMatch(/SEARCH-SECRET|search|payments/);
  });
});
