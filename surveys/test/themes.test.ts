import { describe, expect, it } from 'vitest';
import { themesOf } from '../src/themes.js';

describe('free-text themes', () => {
  it('groups answers by topic, largest first, keeping every answer verbatim', () => {
    const answers = [
      'Flaky integration tests: I re-run pipelines several times a day.',
      'Waiting on builds, every day.',
      'Pull requests wait a day or more for a first review.',
      'Reviews bounce back and forth over style nits.',
      'CI takes longer than the change itself for small fixes.',
      'Docs are out of date, so I ask in Slack instead.',
    ];
    const themes = themesOf(answers);
    expect(themes.map((t) => [t.id, t.answers.length])).toEqual([['builds_ci', 3], ['code_review', 2], ['documentation', 1]]);
    expect(themes.flatMap((t) => t.answers).sort()).toEqual([...answers].sort());
  });

  it('clusters what no topic knows around a shared keyword, the rest as other comments', () => {
    const themes = themesOf(['The coffee machine is broken', 'Fix the coffee please', 'Parking is hard']);
    expect(themes).toEqual([
      { id: 'keyword:coffee', label: 'Mentions of “coffee”', keywords: ['coffee'], answers: ['The coffee machine is broken', 'Fix the coffee please'] },
      { id: 'other', label: 'Other comments', keywords: [], answers: ['Parking is hard'] },
    ]);
  });

  it('short words match only as words ("pr" is not "production")', () => {
    expect(themesOf(['Getting to production needs three approvals.'])[0]?.id).toBe('deployment');
  });
});
