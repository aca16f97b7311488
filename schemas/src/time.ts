import { z } from 'zod';

/**
 * Every timestamp in a canonical event is an ISO 8601 instant in UTC with milliseconds,
 * e.g. `2026-03-02T09:15:00.000Z`. Sources send many other shapes; `parseInstant` accepts them.
 */
export const Instant = z.iso.datetime({ offset: false, precision: 3 });
export type Instant = z.infer<typeof Instant>;

const EPOCH_MS_THRESHOLD = 1e11; // below: seconds (until year 5138); above: milliseconds

/**
 * Parses the timestamp shapes real senders use: ISO 8601 with or without a zone, `T` or a space
 * between date and time, fractional seconds, or epoch seconds/milliseconds (number or digits).
 * No zone means UTC. Returns null when the value is not a time.
 */
export function parseInstant(value: unknown): Instant | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?|UTC)?$/.exec(text);
  if (!match) return null;
  const [, date, time = '00:00:00', zone] = match;
  const normalisedTime = time.replace(',', '.');
  const offset = !zone || zone === 'UTC' || zone.toUpperCase() === 'Z' ? 'Z' : normaliseOffset(zone);
  const parsed = new Date(`${date}T${normalisedTime.length === 5 ? `${normalisedTime}:00` : normalisedTime}${offset}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

function normaliseOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '');
  const hours = digits.slice(0, 2);
  const minutes = digits.slice(2, 4) || '00';
  return `${zone[0]}${hours}:${minutes}`;
}

function fromEpoch(value: number): Instant | null {
  if (!Number.isFinite(value)) return null;
  const ms = Math.abs(value) < EPOCH_MS_THRESHOLD ? value * 1000 : value;
  const parsed = new Date(ms);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** `YYYY-MM-DD` calendar date (UTC). */
export const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * What is wrong with a calendar date written as `YYYY-MM-DD`, in words (null when it is a real
 * day): "November 2026 has 30 days" rather than a bare "invalid date".
 */
export function calendarDateProblem(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return `"${value}" is not written as YYYY-MM-DD (for example 2026-11-30)`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12) return `${value}: there is no month ${match[2]} (months are 01 to 12)`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `${value}: ${MONTHS[month - 1]} ${year} has ${days} days`;
  return null;
}

/** A `YYYY-MM-DD` day that exists; errors name the field and what is wrong with it. */
export function isoDay(name: string) {
  return z.string().superRefine((value, ctx) => {
    const problem = calendarDateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${name} must be a date as YYYY-MM-DD: ${problem}` });
  });
}
