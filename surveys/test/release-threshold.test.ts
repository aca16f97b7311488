/**
 * A released campaign is published with the threshold it was first released with. Two publications
 * of the same answers at two thresholds (k = 3, then k = 4 after `surveys.minGroupSize` changed) are
 * each safe alone, but subtracted they can isolate one person: the attack below finds such answers
 * first, then reads them through the product at both settings and audits everything it published.
 */
import type { SurveyResponse } from '@paved/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Attributes, auditCells, DIMENSIONS, type Dimension, groupOf, planPublication } from '../src/disclosure.js';
import { campaignResults, type SurveyResults } from '../src/results.js';
import { readReleaseThreshold, writeDefinition, writeImported } from '../src/store.js';
import { ROLES, seeded, TENURES } from './attacker.js';
import { openTestWarehouse, SMALL, testConfig } from './harness.js';

const TEAMS = ['checkout', 'payments', 'search'];

/** The cells (respondent indices) a plan publishes. */
function cellsOf(respondents: readonly Attributes[], k: number): number[][] {
  const plan = planPublication(respondents, k, { cache: false });
  const cells: number[][] = plan.org ? [respondents.map((_, i) => i)] : [];
  for (const d of DIMENSIONS) for (const g of plan.shown[d]) cells.push(respondents.flatMap((r, i) => (groupOf(r, d) === g ? [i] : [])));
  return cells;
}

/** Seeded search for respondents whose k = 3 and k = 4 publications, taken together, isolate someone. */
function findVulnerableOrganisation(): Attributes[] {
  const random = seeded(11);
  for (let run = 0; run < 3000; run += 1) {
    const n = 8 + random(10);
    const respondents = Array.from({ length: n }, () => ({ team: TEAMS[random(3)]!, tenure: TENURES[random(TENURES.length)] ?? null, role: ROLES[random(ROLES.length)] ?? null }));
    if (auditCells(n, [...cellsOf(respondents, 3), ...cellsOf(respondents, 4)], 3)) return respondents;
  }
  throw new Error('no organisation found whose two publications subtract to fewer than 3 people');
}

/** The cells a read of the product published, as respondent indices. */
function cellMembers(results: SurveyResults, respondents: readonly Attributes[]): number[][] {
  const cells: number[][] = results.org ? [respondents.map((_, i) => i)] : [];
  for (const g of results.groups) cells.push(respondents.flatMap((r, i) => (groupOf(r, results.by) === g.group ? [i] : [])));
  return cells;
}

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const respondents = findVulnerableOrganisation();
const NOW = new Date('2026-06-01T12:00:00Z');
const atK = (k: number) => testConfig({ surveys: { minGroupSize: k } });

beforeAll(async () => {
  env = await openTestWarehouse();
  await writeDefinition(env.warehouse, SMALL);
  for (const campaign of ['round-1', 'round-2']) {
    await writeImported(env.warehouse, respondents.map((r, i) => ({
      id: `${campaign}-${i}`, campaign_id: campaign, survey_id: 'small', survey_version: 1, team: r.team, tenure: r.tenure as SurveyResponse['tenure'], role: r.role as SurveyResponse['role'],
      answers: { speed_1: 1 + (i % 5), speed_2: 1 + ((i * 3) % 5), docs_1: 1 + ((i * 2) % 5), enps: i % 11, hours_lost: i % 7 }, free_text: {},
      submitted_at: campaign === 'round-1' ? '2026-05-05T00:00:00.000Z' : '2026-05-20T00:00:00.000Z',
    })));
  }
});
afterAll(async () => env?.close());

describe('the threshold a campaign is published with is fixed at its first release', () => {
  it('the search finds answers whose k = 3 and k = 4 publications subtract to one person (the attack is real)', () => {
    expect(auditCells(respondents.length, [...cellsOf(respondents, 3), ...cellsOf(respondents, 4)], 3)).not.toBeNull();
  });

  it('reading it again after surveys.minGroupSize changed publishes what the first release did, so nothing subtracts', async () => {
    const published: number[][] = [];
    const reads: SurveyResults[] = [];
    for (const [k, by] of [[3, 'role'], [3, 'tenure'], [3, 'team'], [4, 'tenure'], [4, 'role'], [4, 'team'], [5, 'team']] as [number, Dimension][]) {
      const results = (await campaignResults(env.warehouse, atK(k), 'round-1', { by, now: NOW }))!;
      reads.push(results);
      published.push(...cellMembers(results, respondents));
    }
    expect(auditCells(respondents.length, published, 3), 'respondents isolated by subtracting the reads').toBeNull();
    expect(reads.map((r) => r.minGroupSize)).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(reads.at(-1)!.notes.join(' ')).toMatch(/groups of at least 3, the threshold in force when its answers were first released; the current setting \(5\)/);
    expect(await readReleaseThreshold(env.warehouse, 'round-1')).toMatchObject({ minGroupSize: 3 });
  });

  it('a campaign first released after the change uses the new setting, from then on', async () => {
    const first = (await campaignResults(env.warehouse, atK(4), 'round-2', { by: 'team', now: NOW }))!;
    const later = (await campaignResults(env.warehouse, atK(3), 'round-2', { by: 'role', now: NOW }))!;
    expect([first.minGroupSize, later.minGroupSize]).toEqual([4, 4]);
    expect(auditCells(respondents.length, [...cellMembers(first, respondents), ...cellMembers(later, respondents)], 4)).toBeNull();
  });
});
