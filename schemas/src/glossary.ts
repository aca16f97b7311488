/*
 * What each number measures, in plain words, and which way is good; and what a benchmark level
 * means. One text for the dashboard, the survey flags and the docs, so "low" never reads as good
 * news: a level is how well a team does (low = the worst of four), not how big the number is.
 */

export type GlossaryLevel = 'elite' | 'high' | 'medium' | 'low';

/** Best first. */
export const LEVEL_ORDER: readonly GlossaryLevel[] = ['elite', 'high', 'medium', 'low'];

const LEVEL_PLACE: Record<GlossaryLevel, string> = {
  elite: 'the best of four levels',
  high: 'the second best of four levels',
  medium: 'the second worst of four levels',
  low: 'the worst of four levels',
};

/** Good or bad news, for a level. */
export function levelIsGood(level: GlossaryLevel): boolean {
  return level === 'elite' || level === 'high';
}

/** "low (the worst of four levels)". */
export function levelMeaning(level: GlossaryLevel): string {
  return `${level} (${LEVEL_PLACE[level]})`;
}

/** The line that goes beside level badges: the order and that a level rates performance, not size. */
export const LEVELS_EXPLAINED =
  'Levels rate performance, best to worst: Elite, High, Medium, Low. Low is always bad news, whatever the number: a low change failure rate is good and earns Elite; a Low level means the number is among the worst.';

export interface MetricMeaning {
  /** What it is and which way is good, short enough for a card. */
  summary: string;
  /** What it measures, in one sentence a newcomer understands. */
  measures: string;
  /** Which way is good. */
  better: 'higher' | 'lower';
  /** "Higher is better: …" in words. */
  direction: string;
}

export const METRIC_MEANINGS = {
  deploymentFrequency: {
    summary: 'How often code reaches production. Higher is better.',
    measures: 'How often code reaches production: production deployments per week. For a team or the organisation the level is that of its median service.',
    better: 'higher',
    direction: 'Higher is better: small, frequent releases are easier to check and to undo.',
  },
  leadTime: {
    summary: 'Time from a commit to production. Lower is better.',
    measures: 'How long a commit takes to reach production, from when it was written to its deployment (median over the commits deployed in the window).',
    better: 'lower',
    direction: 'Lower is better: changes reach users sooner and wait less in queues.',
  },
  changeFailureRate: {
    summary: 'Share of deployments that caused a failure. Lower is better.',
    measures: 'The share of production deployments that caused a failure: an incident linked to them, a rollback or a revert.',
    better: 'lower',
    direction: 'Lower is better: fewer deployments hurt users.',
  },
  recovery: {
    summary: 'Time to put a failed deployment right. Lower is better.',
    measures: 'Failed deployment recovery time: how long a failed deployment took to be put right, until its incident was resolved or the next deployment of the service (median over failed deployments).',
    better: 'lower',
    direction: 'Lower is better: failures hurt users for less time. This is the key with a DORA level.',
  },
  timeToRestore: {
    summary: 'How long incidents stay open, whatever caused them. Lower is better.',
    measures: 'Time to restore service: how long incidents stayed open, opened to resolved (median over incidents opened in the window), whether or not a deployment caused them.',
    better: 'lower',
    direction: 'Lower is better. Shown for context; it has no level and is not the recovery key above.',
  },
  reworkRate: {
    summary: 'Share of deployments that were unplanned fixes. Lower is better.',
    measures: 'The share of production deployments that were unplanned work: fixes (a fix-labelled pull request), reverts and rollbacks.',
    better: 'lower',
    direction: 'Lower is better: less time spent redoing shipped work. DORA publishes no levels for it.',
  },
  deployDays: {
    summary: 'Days a week with a deployment. Higher is better.',
    measures: 'On how many days of a typical week the median service deploys (0 to 7).',
    better: 'higher',
    direction: 'Higher is better: deploying on most days means changes do not pile up.',
  },
} as const satisfies Record<string, MetricMeaning>;

export type MeaningKey = keyof typeof METRIC_MEANINGS;

/** "deploys on 4 of 7 days in a typical week" from the median deploy days per week. */
export function deployDaysText(days: number | null): string {
  if (days === null) return 'no data on deploy days';
  const rounded = Math.round(days * 10) / 10;
  return `deploys on ${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)} of 7 days in a typical week`;
}
