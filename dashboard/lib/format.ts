/** Number and time formatting shared by server pages and client charts. */
// The module alone (not the package root), so client charts do not pull zod and every contract into the browser.
import { durationTick, formatDuration } from '@paved/schemas/duration';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const NO_DATA = 'no data';

/** A duration in hours, by Paved's one rule (hours under 48 h, days from 48 h; see @paved/schemas formatDuration). */
export function hours(value: number | null | undefined, options?: { signed?: boolean }): string {
  return formatDuration(value, { empty: NO_DATA, signed: options?.signed });
}

/** Short form for chart axes, by the same rule: "6h", "36h", "2d". */
export function hoursAxis(value: number): string {
  return durationTick(value);
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NO_DATA;
  return `${(value * 100).toFixed(value !== 0 && Math.abs(value) < 0.1 ? digits : value === 1 || value === 0 ? 0 : digits)} %`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return NO_DATA;
  return new Intl.NumberFormat('en-GB').format(value);
}

export function decimal(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NO_DATA;
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: value < 10 && value % 1 !== 0 ? Math.min(1, digits) : 0 }).format(value);
}

/** ClickHouse returns "2026-11-25 23:43:52.711" or ISO; both are UTC. */
export function parseUtc(value: string): number {
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  return Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(parseUtc(value));
  if (Number.isNaN(d.getTime())) return value;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export function dateTimeIso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const t = parseUtc(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function shortDate(value: string): string {
  const d = new Date(parseUtc(value.length === 10 ? `${value}T00:00:00Z` : value));
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** "26 Aug 2026" from YYYY-MM-DD. */
export function longDate(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export function ago(value: string | null | undefined, now = Date.now()): string {
  if (!value) return 'never';
  const ms = now - parseUtc(value);
  if (Number.isNaN(ms)) return value;
  if (ms < 0) return 'in the future';
  const minutes = ms / 60_000;
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${Math.round(minutes)} min ago`;
  const h = minutes / 60;
  if (h < 48) return `${Math.round(h)} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '—';
}

/** "github:acme/cart:123" → "https://github.com/acme/cart/commit/<sha>" when the source is GitHub. */
export function commitUrl(repo: string, sha: string | null | undefined): string | null {
  return sha && /^[\w.-]+\/[\w.-]+$/.test(repo) ? `https://github.com/${repo}/commit/${sha}` : null;
}

export function pullUrl(repo: string, number: number | null | undefined): string | null {
  return number && /^[\w.-]+\/[\w.-]+$/.test(repo) ? `https://github.com/${repo}/pull/${number}` : null;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Method names as people say them. */
export const METHOD_LABELS: Record<string, string> = {
  explicit: 'named by incident',
  rollback: 'rolled back',
  revert: 'reverted',
  inferred: 'inferred from incident timing',
  override: 'confirmed by a person',
  push_chain: 'push chain',
  first_push: 'first push',
  compare: 'compare API',
  squash_pr: 'squashed PR originals',
  none: 'none (redeploy or rollback)',
  unknown: 'unknown',
  fix_label: 'fix label',
};

export function label(value: string): string {
  return METHOD_LABELS[value] ?? value.replaceAll('_', ' ');
}

/**
 * What the deployment-frequency level was computed on: for a team or the organisation it is the
 * median service's deployments per week, not the total shown as the headline.
 */
export function frequencyBasis(frequency: { services: number; perServicePerWeekP50: number | null }, singleService: boolean): string {
  if (singleService) return '';
  return `median service ${frequency.perServicePerWeekP50 === null ? 'no data' : `${decimal(frequency.perServicePerWeekP50)} / week`} over ${plural(frequency.services, 'service')} (the level's basis)`;
}

/**
 * Width in px a value axis needs for its tick labels at the charts' 11.5 px font: a fixed 48 px cut
 * "15,000" to "5,000". Glyph widths are estimates on the wide side (digits 7 px, separators 3.5 px).
 */
export function axisWidth(labels: string[]): number {
  const widest = Math.max(0, ...labels.map((text) => [...text].reduce((w, ch) => w + (/[.,:' ]/.test(ch) ? 3.5 : /[mw%]/.test(ch) ? 10 : 7), 0)));
  // Recharts puts the label 8 px left of the axis line (tick size and margin); 6 px more of room.
  return Math.max(32, Math.ceil(widest + 14));
}
