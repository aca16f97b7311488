import type { SeriesPoint } from '@paved/transform';
import { addDays, href, type View } from './period';

/** The five DORA keys, in the order every page shows them. */
export const METRICS = ['deploymentFrequency', 'leadTime', 'changeFailureRate', 'recovery', 'reworkRate'] as const;
export type Metric = (typeof METRICS)[number];

export const METRIC_NAMES: Record<Metric, string> = {
  deploymentFrequency: 'Deployment frequency',
  leadTime: 'Lead time for changes',
  changeFailureRate: 'Change failure rate',
  recovery: 'Failed deployment recovery time',
  reworkRate: 'Rework rate',
};

export const METRIC_SHORT: Record<Metric, string> = {
  deploymentFrequency: 'Deployments',
  leadTime: 'Lead time',
  changeFailureRate: 'Change failure rate',
  recovery: 'Recovery',
  reworkRate: 'Rework rate',
};

export function isMetric(value: string | undefined): value is Metric {
  return (METRICS as readonly string[]).includes(value ?? '');
}

/** The drill-down for a metric over a window and scope (optionally one deployment). */
export function explainHref(metric: Metric, window: { from: string; to: string; range?: string; team?: string; service?: string; profile?: string }, deployment?: string): string {
  // A named range stays a range ("the last 90 days"), so the drill-down keeps the page's time filter.
  const period = window.range && window.range !== 'custom' ? { range: window.range === '90' ? undefined : window.range } : { from: window.from, to: window.to };
  return href('/dora/explain', { metric, ...period, team: window.team, service: window.service, profile: window.profile, deployment });
}

/** One deployment's drill-down: a one-day window around it, without the scope filters. */
export function deploymentHref(id: string, deployedAt: string, metric: Metric = 'deploymentFrequency'): string {
  const day = deployedAt.slice(0, 10);
  return href('/dora/explain', { metric, from: day, to: addDays(day, 1), deployment: id });
}

export interface WeekPoint extends Omit<SeriesPoint, 'week'> {
  week: string;
  /** The part of the week inside the window. */
  from: string;
  to: string;
  partial: boolean;
}

function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/** Every Monday-starting week touching the window, with zero deployments where none happened. */
export function fillWeeks(series: SeriesPoint[], view: Pick<View, 'from' | 'to'>): WeekPoint[] {
  const byWeek = new Map(series.map((p) => [p.week.slice(0, 10), p]));
  const out: WeekPoint[] = [];
  for (let week = mondayOf(view.from); week < view.to; week = addDays(week, 7)) {
    const from = week < view.from ? view.from : week;
    const end = addDays(week, 7);
    const to = end > view.to ? view.to : end;
    const point = byWeek.get(week);
    out.push({
      week, from, to, partial: from !== week || to !== end,
      deployments: point?.deployments ?? 0, failed: point?.failed ?? 0, rework: point?.rework ?? 0,
      recovery_p50: point?.recovery_p50 ?? null, lead_p50: point?.lead_p50 ?? null, lead_p75: point?.lead_p75 ?? null, lead_p90: point?.lead_p90 ?? null,
      changes: point?.changes ?? 0, changeFailureRate: point?.changeFailureRate ?? null, reworkRate: point?.reworkRate ?? null,
    });
  }
  return out;
}
