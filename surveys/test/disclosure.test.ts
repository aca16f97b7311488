/**
 * Survey disclosure control under attack. Each guarantee is tried by the attacker in attacker.ts,
 * which sees only published outputs, and each attack is shown to work when the control is off.
 */

import { describe, expect, it } from 'vitest';
import { auditCells, type Dimension, planPublication } from '../src/disclosure.js';
import { joinPerception } from '../src/joined.js';
import { Fraction, rref } from '../src/linear.js';
import { computeResults, type ReleaseOptions, type Respondent, type SurveyResults } from '../src/results.js';
import {
  differencingAttack, freeTextAttack, groupsNamedWithFigures, linearAttack, publishedCells, randomCampaign, randomRespondent, seeded, trueStats,
} from './attacker.js';
import { input, respondent } from './harness.js';

const ON: ReleaseOptions = {};
const OFF: ReleaseOptions = { suppression: 'primary', release: 'live' };

function views(responses: Respondent[], k: number, options: ReleaseOptions, status: 'open' | 'closed' = 'closed'): SurveyResults[] {
  const base = input(responses, { minGroupSize: k });
  const data = { ...base, campaign: { ...base.campaign, status } };
  return (['team', 'tenure', 'role'] as Dimension[]).map((by) => computeResults(data, by, options));
}

/** The smallest number of respondents a non-zero combination of `cells` involves, by trying every subset. */
function bruteForceMinSupport(n: number, cells: number[][]): number {
  if (cells.length === 0) return Infinity;
  const rankWithout = (removed: number) => {
    const rows = cells.map((c) => Array.from({ length: n }, (_, r) => Fraction.of(!(removed & (1 << r)) && c.includes(r) ? 1 : 0)));
    return rref(rows, n).pivots.length;
  };
  const full = rankWithout(0);
  let best = Infinity;
  for (let mask = 1; mask < 1 << n; mask += 1) {
    const size = mask.toString(2).split('1').length - 1;
    if (size < best && rankWithout(mask) < full) best = size;
  }
  return best;
}

describe('the audit is exact', () => {
  it('finds a combination involving fewer than k respondents exactly when one exists (random families, brute force over every subset)', () => {
    const random = seeded(11);
    let leaky = 0;
    for (let run = 0; run < 300; run += 1) {
      const n = 3 + random(8);
      const k = 2 + random(4);
      const cells = Array.from({ length: 1 + random(5) }, () => Array.from({ length: n }, (_, r) => r).filter(() => random(2) === 1)).filter((c) => c.length > 0);
      const min = bruteForceMinSupport(n, cells);
      const found = auditCells(n, cells, k);
      expect(found !== null, `n=${n} k=${k} cells=${JSON.stringify(cells)} min=${min}`).toBe(min < k);
      if (found) {
        leaky += 1;
        expect(found.length).toBeLessThan(k);
      }
    }
    // The families are random enough that both answers occur often.
    expect(leaky).toBeGreaterThan(50);
    expect(leaky).toBeLessThan(250);
  });

  it('is deterministic: the same responses in another order give the same publication', () => {
    const random = seeded(5);
    for (let run = 0; run < 50; run += 1) {
      const { responses, k } = randomCampaign(random, run);
      const shuffled = [...responses].sort(() => (random(2) ? 1 : -1));
      expect(planPublication(shuffled, k, { cache: false })).toEqual(planPublication(responses, k, { cache: false }));
    }
  });
});

// The campaign from the report: teams of 6, 5, 5 and 2 people, k = 5. Tenure 1-3y is checkout and
// payments (11), role senior is checkout and four of platform (10), 18 in all.
const REPORTED: Respondent[] = [
  ...Array.from({ length: 6 }, (_, i) => ({ ...respondent('checkout', { speed_1: 4, speed_2: 2, docs_1: 4, enps: 8 }), tenure: '1-3y', role: 'senior', free_text: { comment: `checkout note ${i}` } })),
  ...Array.from({ length: 5 }, (_, i) => ({ ...respondent('payments', { speed_1: 3, speed_2: 3, docs_1: 2, enps: 6 }), tenure: '1-3y', role: i < 2 ? 'engineer' : i < 4 ? 'staff+' : 'manager' })),
  ...Array.from({ length: 5 }, (_, i) => ({ ...respondent('platform', { speed_1: 5, speed_2: 1, docs_1: 5, enps: 10 }), tenure: i < 3 ? '3-5y' : '5y+', role: i < 4 ? 'senior' : 'other' })),
  { ...respondent('search', { speed_1: 1, speed_2: 5, docs_1: 1, enps: 0 }), tenure: '<1y', role: 'engineer', free_text: { comment: 'SEARCH ONE: the on-call rota is broken' } },
  { ...respondent('search', { speed_1: 2, speed_2: 4, docs_1: 1, enps: 2 }), tenure: '<1y', role: 'other', free_text: { comment: 'SEARCH TWO: nobody reviews our PRs' } },
];
const searchPeople = REPORTED.filter((r) => r.team === 'search');

describe('the three reported attacks fail', () => {
  it('cross-slice subtraction: organisation − tenure[1-3y] − team[platform] rebuilds nothing', () => {
    const published = views(REPORTED, 5, ON);
    const cells = publishedCells(published);
    const has = (d: string, g: string) => cells.some((c) => c.dimension === d && c.group === g);
    // The reported combination cannot be formed: one of its cells is withheld.
    expect(has('org', 'all') && has('tenure', '1-3y') && has('team', 'platform')).toBe(false);
    expect(linearAttack(REPORTED, cells, 5)).toEqual([]);
    // And with only the old protections, the attacker rebuilds the 2-person team's exact answers.
    const leaks = linearAttack(REPORTED, publishedCells(views(REPORTED, 5, OFF)), 5);
    const search = leaks.find((l) => l.target.label === 'team=search');
    expect(search?.rebuilt).toEqual(trueStats(searchPeople));
  });

  it('differencing over time: two reads around one more submission differ by nothing', () => {
    const newcomer = { ...respondent('checkout', { speed_1: 1, speed_2: 5, docs_1: 1, enps: 0 }), tenure: '1-3y', role: 'senior' };
    const before = views(REPORTED, 5, ON, 'open');
    const after = views([...REPORTED, newcomer], 5, ON, 'open');
    expect(differencingAttack(before, after, newcomer)).toEqual([]);
    // While open nothing but participation is published.
    for (const view of after) expect({ org: view.org, groups: view.groups, released: view.released }).toEqual({ org: null, groups: [], released: false });
    // Live results (the old behaviour) give the newcomer's answers away in the organisation's figures.
    expect(differencingAttack(views(REPORTED, 5, OFF, 'open'), views([...REPORTED, newcomer], 5, OFF, 'open'), newcomer)).toContain('org:all');
  });

  it('free text: no group lists comments, and subtracting leaves nothing attributable', () => {
    const published = views(REPORTED, 5, ON);
    expect(freeTextAttack(REPORTED, published, 5)).toEqual([]);
    for (const view of published) expect(view.groups.flatMap((g) => g.freeText)).toEqual([]);
    const org = JSON.stringify(published[0]!.org?.freeText);
    expect(org).toContain('SEARCH ONE');
    // With comments listed per group, the organisation's list minus the shown teams' is search's.
    expect(freeTextAttack(REPORTED, views(REPORTED, 5, { ...OFF, groupFreeText: true }), 5)).toContain('team=search comments by subtraction');
  });
});

describe('random campaigns under attack', () => {
  const CAMPAIGNS = 1000;

  it(`${CAMPAIGNS} campaigns: no group or cross cell of 1 … k−1 people is rebuilt from any output, by linear algebra, differencing or free text`, () => {
    const random = seeded(2026);
    let cellsTried = 0;
    let targetsTried = 0;
    let withheld = 0;
    for (let run = 0; run < CAMPAIGNS; run += 1) {
      const { responses, k } = randomCampaign(random, run);
      const published = views(responses, k, ON);
      // Every output names with figures exactly the groups the JSON shows (the CSV, the digest, participation).
      for (const view of published) {
        const named = groupsNamedWithFigures(view);
        expect(named.csv).toEqual(named.json);
        if (view.by === 'team') expect(named.digest).toEqual(named.json);
        expect(named.participation.every((t) => published[0]!.groups.some((g) => g.group === t))).toBe(true);
      }
      const team = published[0]!;
      expect(joinPerception(team, new Map(), {}).map((t) => t.team)).toEqual(team.groups.map((g) => g.group));
      const cells = publishedCells(published);
      cellsTried += cells.length;
      withheld += published.reduce((s, v) => s + v.complementaryGroups.length, 0);
      const leaks = linearAttack(responses, cells, k);
      expect(leaks.map((l) => l.target.label), `campaign ${run}, k=${k}`).toEqual([]);
      targetsTried += responses.length;
      expect(freeTextAttack(responses, published, k)).toEqual([]);
      const newcomer = randomRespondent(random, responses[random(responses.length)]!.team, 0, 0, `${run}-new`);
      expect(differencingAttack(views(responses, k, ON, 'open'), views([...responses, newcomer], k, ON, 'open'), newcomer)).toEqual([]);
    }
    expect(cellsTried).toBeGreaterThan(CAMPAIGNS * 2);
    expect(targetsTried).toBeGreaterThan(CAMPAIGNS * 10);
    expect(withheld).toBeGreaterThan(CAMPAIGNS / 10);
  }, 300_000);

  it('with the layer switched off, the same attacks find leaks in many of the same campaigns', () => {
    const random = seeded(2026);
    let linear = 0;
    let differencing = 0;
    let freeText = 0;
    const runs = 300;
    for (let run = 0; run < runs; run += 1) {
      const { responses, k } = randomCampaign(random, run);
      const published = views(responses, k, { ...OFF, groupFreeText: true });
      if (linearAttack(responses, publishedCells(published), k).length) linear += 1;
      if (freeTextAttack(responses, published, k).length) freeText += 1;
      const newcomer = randomRespondent(random, responses[random(responses.length)]!.team, 0, 0, `${run}-new`);
      if (differencingAttack(views(responses, k, OFF, 'open'), views([...responses, newcomer], k, OFF, 'open'), newcomer).length) differencing += 1;
    }
    expect(linear).toBeGreaterThan(runs / 4);
    expect(differencing).toBeGreaterThan(runs / 2);
    expect(freeText).toBeGreaterThan(runs / 20);
  }, 300_000);
});
