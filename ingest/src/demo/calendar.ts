/** Time helpers for the demo: UTC days, working hours in a person's time zone, and GitHub's timestamp shapes. */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const WORK_START = 9 * HOUR;
const WORK_END = 18 * HOUR;

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** Same day of month, `months` earlier or later (clamped to the month's length). */
export function addUtcMonths(ms: number, months: number): number {
  const date = new Date(ms);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime() + (ms - startOfUtcDay(ms));
}

/** 0 = Sunday ... 6 = Saturday, for the calendar day containing `ms` (already shifted to local time). */
export function weekdayOf(ms: number): number {
  return (Math.floor(ms / DAY) + 4) % 7;
}

export function isWeekend(localMs: number): boolean {
  const weekday = weekdayOf(localMs);
  return weekday === 0 || weekday === 6;
}

/** The quiet stretch around the new year, when almost nobody ships. */
export function isHoliday(ms: number): boolean {
  const date = new Date(ms);
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  return (month === 11 && day >= 23) || (month === 0 && day <= 1);
}

/** ISO week number bucket (weeks since the epoch), for vacations and fortnightly trains. */
export function weekIndex(ms: number): number {
  return Math.floor((Math.floor(ms / DAY) + 3) / 7);
}

/** Moves forward by working time (09:00–18:00 local, Monday to Friday). */
export function addWorkingHours(ms: number, hours: number, offsetMinutes: number): number {
  const offset = offsetMinutes * MINUTE;
  let local = ms + offset;
  let remaining = hours * HOUR;
  for (let guard = 0; remaining > 0 && guard < 400; guard++) {
    const dayStart = startOfUtcDay(local);
    const open = dayStart + WORK_START;
    const close = dayStart + WORK_END;
    if (isWeekend(dayStart) || local >= close) {
      local = dayStart + DAY + WORK_START;
      continue;
    }
    if (local < open) local = open;
    const available = close - local;
    if (remaining <= available) {
      local += remaining;
      remaining = 0;
    } else {
      remaining -= available;
      local = dayStart + DAY + WORK_START;
    }
  }
  return Math.round(local - offset);
}

/** Moves backward by working time: when the first commit of a pull request was written. */
export function subtractWorkingHours(ms: number, hours: number, offsetMinutes: number): number {
  const offset = offsetMinutes * MINUTE;
  let local = ms + offset;
  let remaining = hours * HOUR;
  for (let guard = 0; remaining > 0 && guard < 400; guard++) {
    const dayStart = startOfUtcDay(local);
    const open = dayStart + WORK_START;
    const close = dayStart + WORK_END;
    if (isWeekend(dayStart) || local <= open) {
      local = dayStart - DAY + WORK_END;
      continue;
    }
    if (local > close) local = close;
    const available = local - open;
    if (remaining <= available) {
      local -= remaining;
      remaining = 0;
    } else {
      remaining -= available;
      local = dayStart - DAY + WORK_END;
    }
  }
  return Math.round(local - offset);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const datesByDay = new Map<number, string>();

/** `YYYY-MM-DD` of the UTC day containing `ms`; formatting dates is hot, so days are cached. */
function datePart(ms: number): string {
  const day = Math.floor(ms / DAY);
  let date = datesByDay.get(day);
  if (date === undefined) {
    if (datesByDay.size > 20_000) datesByDay.clear();
    date = new Date(day * DAY).toISOString().slice(0, 10);
    datesByDay.set(day, date);
  }
  return date;
}

function timePart(ms: number): string {
  const inDay = ms - Math.floor(ms / DAY) * DAY;
  const seconds = Math.floor(inDay / SECOND);
  return `${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
}

/** `2026-03-02T09:15:00.000Z`: the canonical instant. */
export function instant(ms: number): string {
  const whole = Math.floor(ms);
  return `${datePart(whole)}T${timePart(whole)}.${THREE_DIGITS[whole % SECOND]}Z`;
}

/** `2026-03-02T09:15:00Z`: how GitHub writes times in webhook objects. */
export function githubTime(ms: number): string {
  const whole = Math.floor(ms);
  return `${datePart(whole)}T${timePart(whole)}Z`;
}

/** `2026-03-02T10:15:00+01:00`: how GitHub writes commit timestamps (the author's own offset). */
export function offsetTime(ms: number, offsetMinutes: number): string {
  const local = Math.floor(ms) + offsetMinutes * MINUTE;
  const stamp = `${datePart(local)}T${timePart(local)}`;
  if (offsetMinutes === 0) return `${stamp}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${stamp}${sign}${TWO_DIGITS[Math.floor(abs / 60)]}:${TWO_DIGITS[abs % 60]}`;
}
