/**
 * The time window and scope every page reads from its URL, so a view can be shared as a link.
 * Windows are [from, to) in UTC dates, like the metric API; the default is the last 90 days
 * including today.
 */
export const RANGES = ['30', '90', '180', '365'] as const;
export type Range = (typeof RANGES)[number] | 'custom';

export type SearchParams = Record<string, string | string[] | undefined>;

export interface View {
  from: string;
  to: string;
  range: Range;
  days: number;
  team?: string;
  service?: string;
  profile?: '2023' | '2024';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}

export function isDate(value: string | undefined): value is string {
  return value !== undefined && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Reads range/from/to (or from/until, the inclusive end a plain GET form sends) and the scope.
 * Bad values fall back to the default window instead of failing the page.
 */
export function viewOf(params: SearchParams, now = new Date()): View {
  const tomorrow = addDays(todayUtc(now), 1);
  const from = first(params.from);
  const until = first(params.until);
  const to = first(params.to) ?? (isDate(until) ? addDays(until, 1) : undefined);
  const team = first(params.team);
  const service = first(params.service);
  const profileParam = first(params.profile);
  const profile: View['profile'] = profileParam === '2023' || profileParam === '2024' ? profileParam : undefined;
  const scope: Pick<View, 'team' | 'service' | 'profile'> = { ...(team ? { team } : {}), ...(service ? { service } : {}), ...(profile ? { profile } : {}) };
  if (isDate(from) && isDate(to) && from < to && from >= '2000-01-01') {
    return { from, to, range: 'custom', days: daysBetween(from, to), ...scope };
  }
  const rangeParam = first(params.range);
  // "custom" without dates (a plain form switching to custom) shows the default window with the date fields open.
  if (rangeParam === 'custom') return { from: addDays(tomorrow, -90), to: tomorrow, range: 'custom', days: 90, ...scope };
  const range = (RANGES as readonly string[]).includes(rangeParam ?? '') ? (rangeParam as Range) : '90';
  const days = Number(range);
  return { from: addDays(tomorrow, -days), to: tomorrow, range, days, ...scope };
}

/** The window of the same length just before this one, for "change versus the previous period". */
export function previousOf(view: View): View {
  return { ...view, from: addDays(view.from, -view.days), to: view.from };
}

/** The URL parameters of a view: a named range stays a range, so a shared link keeps meaning "the last N days". */
export function viewParams(view: View, keep: { team?: boolean; service?: boolean; profile?: boolean } = { team: true, service: true, profile: true }): Record<string, string> {
  const out: Record<string, string> = view.range === 'custom' ? { from: view.from, to: view.to } : view.range === '90' ? {} : { range: view.range };
  if (keep.team !== false && view.team) out.team = view.team;
  if (keep.service !== false && view.service) out.service = view.service;
  if (keep.profile !== false && view.profile) out.profile = view.profile;
  return out;
}

/** The explicit window parameters (from/to and scope), as the API and CSV exports take them. */
export function windowParams(view: Pick<View, 'from' | 'to' | 'team' | 'service'>): { from: string; to: string; team?: string; service?: string } {
  return { from: view.from, to: view.to, ...(view.team ? { team: view.team } : {}), ...(view.service ? { service: view.service } : {}) };
}

export function href(path: string, params: Record<string, string | number | undefined | null | false>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== false && value !== '') query.set(key, String(value));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "28 Aug – 26 Nov 2026": the inclusive dates a person reads. */
export function describeWindow(from: string, to: string): string {
  const last = addDays(to, -1);
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ly, lm, ld] = last.split('-').map(Number) as [number, number, number];
  const start = `${fd} ${MONTHS[fm - 1]}${fy !== ly ? ` ${fy}` : ''}`;
  return from === last ? `${ld} ${MONTHS[lm - 1]} ${ly}` : `${start} – ${ld} ${MONTHS[lm - 1]} ${ly}`;
}

export function rangeLabel(view: View): string {
  return view.range === 'custom' ? `${view.days} days` : `Last ${view.range} days`;
}
