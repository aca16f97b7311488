import { describe, expect, it } from 'vitest';
import { distinctQuotes } from '../src/roadmap/friction.js';

describe('roadmap words', () => {
  it('quotes a theme with different answers: the same words twice say nothing more', () => {
    const answers = ['CI is slow and flaky.', 'ci is slow and  flaky', 'Reviews wait for days', 'CI is slow and flaky!', 'Deploys need a ticket'];
    expect(distinctQuotes(answers, 2)).toEqual(['CI is slow and flaky.', 'Reviews wait for days']);
    expect(distinctQuotes(['same', 'same'], 2)).toEqual(['same']);
    expect(distinctQuotes([], 2)).toEqual([]);
  });
});
