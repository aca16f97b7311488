import { describe, expect, it } from 'vitest';
import { computeResults, resultsCsv } from '../src/results.js';
import { input, respondent, SMALL } from './harness.js';

// Five people in team a, scored on paper:
//   speed_1           5 4 3 2 –   → answered 4, skipped 1, favourable 2/4 = 50 %, mean (3.5−1)/4 = 62.5
//   speed_2 (reversed) 1 2 5 4 3  → scored 5 4 1 2 3: favourable 2/5 = 40 %, mean 50
//   speed (pooled)    9 answers 1:1 2:2 3:2 4:2 5:2 → favourable 4/9, mean (29/9−1)/4 = 55.6, skipped 10−9 = 1
//   docs_1            4 4 4 4 4  → favourable 100 %, mean 75
//   eNPS              10 9 7 3 –  → promoters 2, passives 1, detractors 1 of 4: (2−1)/4 = +25, skipped 1
//   hours lost        1 2 3 10 –  → mean 4, median 2.5
const TEAM_A = [
  respondent('a', { speed_1: 5, speed_2: 1, docs_1: 4, enps: 10, hours_lost: 1 }),
  respondent('a', { speed_1: 4, speed_2: 2, docs_1: 4, enps: 9, hours_lost: 2 }),
  respondent('a', { speed_1: 3, speed_2: 5, docs_1: 4, enps: 7, hours_lost: 3 }),
  respondent('a', { speed_1: 2, speed_2: 4, docs_1: 4, enps: 3, hours_lost: 10 }),
  respondent('a', { speed_1: null, speed_2: 3, docs_1: 4, enps: null, hours_lost: null }),
];

describe('results math on a five-person team', () => {
  const results = computeResults(input(TEAM_A, { denominators: new Map([['a', { count: 10, source: 'invites' }]]) }), 'team');
  const team = results.groups[0]!;
  const speed = team.drivers.find((d) => d.id === 'speed')!;

  it('item favourable is the share of 4s and 5s among answers; skips are counted apart', () => {
    const item = speed.items.find((i) => i.id === 'speed_1')!;
    expect(item).toMatchObject({ counts: [0, 1, 1, 1, 1], answered: 4, skipped: 1, favourable: 0.5, mean100: 62.5 });
  });

  it('a reversed item is scored 6 − answer before counting favourable', () => {
    const item = speed.items.find((i) => i.id === 'speed_2')!;
    expect(item).toMatchObject({ counts: [1, 1, 1, 1, 1], answered: 5, skipped: 0, favourable: 0.4, mean100: 50 });
  });

  it('a driver pools its items’ answers', () => {
    expect(speed).toMatchObject({ counts: [1, 2, 2, 2, 2], answered: 9, skipped: 1, favourable: 0.4444, mean100: 55.6 });
    expect(team.drivers.find((d) => d.id === 'docs')).toMatchObject({ favourable: 1, mean100: 75 });
  });

  it('eNPS is % promoters − % detractors among those who answered, skips separate', () => {
    expect(team.enps).toMatchObject({ answered: 4, skipped: 1, promoters: 2, passives: 1, detractors: 1, score: 25 });
  });

  it('hours lost: mean and median of answers', () => {
    expect(team.hoursLost).toMatchObject({ answered: 4, skipped: 1, mean: 4, median: 2.5 });
  });

  it('participation is responses ÷ invited', () => {
    expect(results.participation.teams).toEqual([{ team: 'a', denominator: 10, source: 'invites', responses: 5, rate: 0.5 }]);
    expect(results.participation).toMatchObject({ responses: 5, denominator: 10, rate: 0.5 });
  });

  it('the organisation total equals the only team', () => {
    expect(results.org?.drivers).toEqual(team.drivers);
    expect(results.respondents).toBe(5);
  });
});

describe('change versus the previous campaign', () => {
  it('is in percentage points of favourable per driver and item, and eNPS points', () => {
    const before = TEAM_A.map((r) => ({ ...r, answers: { ...r.answers, docs_1: 3, enps: 5 } }));
    const results = computeResults(input(TEAM_A, {
      previous: { campaign: { ...input([]).campaign, id: 'c0', title: 'Round 0' }, definition: SMALL, responses: before },
    }), 'team');
    const docs = results.groups[0]!.drivers.find((d) => d.id === 'docs')!;
    expect(docs.change).toBe(100);
    expect(docs.items[0]!.change).toBe(100);
    expect(results.groups[0]!.drivers.find((d) => d.id === 'speed')!.change).toBe(0);
    // Before: four detractors of four answers = −100; now +25.
    expect(results.org!.enps!.change).toBe(125);
    expect(results.previous).toEqual({ id: 'c0', title: 'Round 0' });
  });

  it('is absent for a group hidden in the previous campaign', () => {
    const before = TEAM_A.slice(0, 2);
    const results = computeResults(input(TEAM_A, { previous: { campaign: { ...input([]).campaign, id: 'c0' }, definition: SMALL, responses: before } }), 'team');
    expect(results.groups[0]!.drivers.every((d) => d.change === null)).toBe(true);
  });
});

describe('breakdowns by band', () => {
  it('groups by tenure, with blanks as "not given"', () => {
    const rows = [
      ...TEAM_A.map((r) => ({ ...r, tenure: '1-3y' })),
      ...TEAM_A.map((r) => ({ ...r, team: 'b', tenure: null })),
    ];
    const results = computeResults(input(rows), 'tenure');
    expect(results.groups.map((g) => g.group)).toEqual(['1-3y', 'not given']);
  });
});

describe('CSV export', () => {
  it('has a row per driver, item, eNPS and hours lost with the same numbers', () => {
    const csv = resultsCsv(computeResults(input(TEAM_A), 'team'));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('campaign,breakdown,group,respondents,kind,id,label,answered,skipped,favourable_pct,mean_0_100,count_1,count_2,count_3,count_4,count_5,change_pp,enps,promoters,passives,detractors,hours_mean,hours_median');
    expect(lines).toContain('c1,team,a,5,driver,speed,Speed,9,1,44.4,55.6,1,2,2,2,2,,,,,,,');
    expect(lines).toContain('c1,team,a,5,enps,enps,How likely are you to recommend our internal platform to a colleague?,4,1,,,,,,,,,25,2,1,1,,');
    expect(lines).toContain('c1,team,a,5,hours_lost,hours_lost,Hours lost per week?,4,1,,,,,,,,,,,,,4,2.5');
  });
});
