import { z } from 'zod';

/** An ISO week, Monday to Sunday in UTC: `2026-W47` is [2026-11-16, 2026-11-23). */
export interface IsoWeek {
  id: string;
  /** Monday, `YYYY-MM-DD` (inclusive). */
  from: string;
  /** The next Monday, `YYYY-MM-DD` (exclusive), as every metric window. */
  to: string;
}

const DAY = 86_400_000;
const date = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Monday 00:00 UTC of the ISO week holding `at`. */
function mondayOf(at: Date): number {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return midnight - ((at.getUTCDay() + 6) % 7) * DAY;
}

/** Monday of ISO week 1 of `year`: the week holding 4 January. */
function firstMonday(year: number): number {
  return mondayOf(new Date(Date.UTC(year, 0, 4)));
}

function weekStarting(monday: number): IsoWeek {
  // The ISO year is the year of the week's Thursday.
  const thursday = new Date(monday + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const number = Math.round((monday - firstMonday(year)) / (7 * DAY)) + 1;
  return { id: `${year}-W${String(number).padStart(2, '0')}`, from: date(monday), to: date(monday + 7 * DAY) };
}

/** The ISO week holding `at`. */
export function isoWeekOf(at: Date): IsoWeek {
  return weekStarting(mondayOf(at));
}

/** The last ISO week that has ended at `now` (on a Monday, the week that ended at midnight UTC). */
export function lastCompleteWeek(now: Date = new Date()): IsoWeek {
  return weekStarting(mondayOf(now) - 7 * DAY);
}

/** The week `offset` weeks after `week` (negative: before). */
export function shiftWeek(week: IsoWeek, offset: number): IsoWeek {
  return weekStarting(Date.parse(`${week.from}T00:00:00Z`) + offset * 7 * DAY);
}

export const IsoWeekId = z.string().regex(/^\d{4}-W\d{2}$/, 'expected an ISO week such as 2026-W47').transform((value, ctx) => {
  const week = parseIsoWeek(value);
  if (!week) {
    ctx.addIssue({ code: 'custom', message: `${value} does not exist (ISO years have 52 or 53 weeks)` });
    return z.NEVER;
  }
  return week;
});

/** `2026-W47` → the week, or null when the year has no such week. */
export function parseIsoWeek(id: string): IsoWeek | null {
  const match = /^(\d{4})-W(\d{2})$/.exec(id);
  if (!match) return null;
  const year = Number(match[1]);
  const number = Number(match[2]);
  if (number < 1) return null;
  const week = weekStarting(firstMonday(year) + (number - 1) * 7 * DAY);
  return week.id === id ? week : null;
}

/** `YYYY-MM-DD` `days` later (negative: earlier). */
export function addDays(day: string, days: number): string {
  return date(Date.parse(`${day}T00:00:00Z`) + days * DAY);
}
