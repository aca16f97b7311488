import { computeResults, loadTemplate, type Respondent } from '@paved/surveys';
import { describe, expect, it } from 'vitest';
import { formatResults } from '../src/commands/survey.js';

const definition = loadTemplate();
const answers = Object.fromEntries(definition.drivers.flatMap((d) => d.items.map((i) => [i.id, 4])));
const people = (team: string, n: number): Respondent[] => Array.from({ length: n }, () => ({ team, tenure: null, role: null, answers, free_text: {} }));
const campaign = (status: 'open' | 'closed') => ({
  id: 'dx', title: 'DX', surveyId: definition.id, surveyVersion: definition.version, opensAt: '2026-06-01T00:00:00.000Z', closesAt: '2026-06-15T00:00:00.000Z',
  closedAt: null, status, origin: 'managed' as const, audience: ['checkout', 'payments'],
});
const results = (status: 'open' | 'closed') => computeResults({
  campaign: campaign(status), definition, responses: [...people('checkout', 6), ...people('payments', 5)], minGroupSize: 5, denominators: new Map(), previous: null, notes: [],
}, 'team');

describe('paved survey results (text)', () => {
  it('an open campaign shows participation and says when answers are released', () => {
    const text = formatResults(results('open'));
    expect(text).toContain('answers are released when the campaign closes (last day 2026-06-14); so far 11 responses');
    expect(text).toMatch(/checkout\s+6/);
    expect(text).not.toContain('favourable');
  });

  it('a closed campaign shows its drivers by team', () => {
    const text = formatResults(results('closed'));
    expect(text).toContain('respondents 11');
    expect(text).toMatch(/% favourable by team/);
  });
});
