/**
 * Survey results reach the roadmap, ROI and the digests only as the surveys package publishes them.
 * (Moved here from surveys/test/disclosure.test.ts and anonymity.test.ts when the insights package
 * was split off: surveys sits below insights and cannot import it.)
 */
import { computeResults, type Dimension, orgSummary, type Respondent, type SurveyResults } from '@paved/surveys';
import { describe, expect, it } from 'vitest';
import { input, many, respondent } from '../../surveys/test/harness.js';
import { surveySectionOf } from '../src/digest/content.js';
import { readSurvey } from '../src/roadmap/survey-source.js';

function views(responses: Respondent[], k: number, status: 'open' | 'closed' = 'closed'): SurveyResults[] {
  const base = input(responses, { minGroupSize: k });
  const data = { ...base, campaign: { ...base.campaign, status } };
  return (['team', 'tenure', 'role'] as Dimension[]).map((by) => computeResults(data, by));
}

// The campaign from the report: teams of 6, 5, 5 and 2 people, k = 5 (as in surveys/test/disclosure.test.ts).
const REPORTED: Respondent[] = [
  ...Array.from({ length: 6 }, (_, i) => ({ ...respondent('checkout', { speed_1: 4, speed_2: 2, docs_1: 4, enps: 8 }), tenure: '1-3y', role: 'senior', free_text: { comment: `checkout note ${i}` } })),
  ...Array.from({ length: 5 }, (_, i) => ({ ...respondent('payments', { speed_1: 3, speed_2: 3, docs_1: 2, enps: 6 }), tenure: '1-3y', role: i < 2 ? 'engineer' : i < 4 ? 'staff+' : 'manager' })),
  ...Array.from({ length: 5 }, (_, i) => ({ ...respondent('platform', { speed_1: 5, speed_2: 1, docs_1: 5, enps: 10 }), tenure: i < 3 ? '3-5y' : '5y+', role: i < 4 ? 'senior' : 'other' })),
  { ...respondent('search', { speed_1: 1, speed_2: 5, docs_1: 1, enps: 0 }), tenure: '<1y', role: 'engineer', free_text: { comment: 'SEARCH ONE: the on-call rota is broken' } },
  { ...respondent('search', { speed_1: 2, speed_2: 4, docs_1: 1, enps: 2 }), tenure: '<1y', role: 'other', free_text: { comment: 'SEARCH TWO: nobody reviews our PRs' } },
];

describe('every consumer reads the same publication', () => {
  it('the roadmap and ROI port keeps what the results show and nothing of an unreleased campaign', async () => {
    const [closed] = views(REPORTED, 5);
    const survey = await readSurvey({ results: async () => closed ?? null, metricMapping: {}, bands: { pickupTime: [1, 2, 3], reworkRate: [1, 2, 3] } }, undefined, 5);
    expect(survey?.groups.map((g) => g.group)).toEqual(closed!.groups.map((g) => g.group));
    expect(survey?.groups.flatMap((g) => g.freeText)).toEqual([]);
    const [open] = views(REPORTED, 5, 'open');
    expect(await readSurvey({ results: async () => open ?? null, metricMapping: {}, bands: { pickupTime: [1, 2, 3], reworkRate: [1, 2, 3] } }, undefined, 5)).toBeNull();
  });

  it('the digest takes the organisation summary surveys build, naming no hidden team', () => {
    const SECRET = 'SEARCH-SECRET only one person would write this';
    const data = [...many('checkout', 8, 4, 9, 'Builds are slow'), ...many('payments', 6, 2, 3, 'PAYMENTS docs are thin'), ...many('search', 2, 1, 0, SECRET)];
    const base = input(data);
    const results = computeResults({ ...base, campaign: { ...base.campaign, id: 'dx', title: 'dx' } }, 'team');
    const org = orgSummary(results);
    expect(surveySectionOf(org)).toMatchObject({ title: 'Developer survey: dx', respondents: 16 });
    expect(org.lines.join('\n')).not.toMatch(/SEARCH-SECRET|search|payments/);
  });
});
