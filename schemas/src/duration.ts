/*
 * The one way Paved writes a duration, wherever it shows one (dashboard, digests in e-mail, Slack
 * and Markdown, the CLI): hours under 48 h, days from 48 h. Mixing "95.6 h" and "3.8 d" in one view
 * made people compare numbers in different units; weeks, months and minutes are never used.
 */

/** Below this many hours a duration is written in hours, from it in days. */
export const DAYS_FROM_HOURS = 48;

const MINUS = '−';

/**
 * "0.4 h", "9.5 h", "36 h", "2.0 d", "3.8 d", "14 d". Under 10 of a unit one decimal, from 10 whole
 * numbers. The unit is chosen on the number as written, so 47.6 h reads "2.0 d", never "48 h".
 * Negative durations (a change) get a minus sign, and `signed` puts a plus before positive ones.
 */
export function formatDuration(hours: number | null | undefined, options: { empty?: string; signed?: boolean } = {}): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return options.empty ?? 'no data';
  const size = Math.abs(hours);
  const sign = hours < 0 && size >= 0.05 ? MINUS : options.signed && hours > 0 && size >= 0.05 ? '+' : '';
  if (size === 0) return '0 h';
  if (size < 0.05) return `${sign}< 0.1 h`;
  if (Math.round(size) < DAYS_FROM_HOURS) return `${sign}${size < 9.95 ? size.toFixed(1) : Math.round(size)} h`;
  const days = size / 24;
  return `${sign}${days < 9.95 ? days.toFixed(1) : Math.round(days)} d`;
}

/** Short form for chart axes, same rule: "0", "6h", "36h", "2d", "14d". */
export function durationTick(hours: number): string {
  if (hours === 0) return '0';
  if (Math.abs(hours) < DAYS_FROM_HOURS) return `${Number(hours.toFixed(2))}h`;
  return `${Number((hours / 24).toFixed(1))}d`;
}

/**
 * Tick values for a duration axis from 0 to at least `max` hours, at most `most` steps: round
 * numbers in the unit each tick is written in (1, 2, 3, 6, 12 h … under two days; whole days, a
 * week, two weeks … above), so a tick never reads "1.7d" or "15h" alone.
 */
export function durationTicks(max: number, most = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const ticksOf = (step: number) => Array.from({ length: Math.max(1, Math.ceil(max / step - 1e-9)) + 1 }, (_, i) => Number((i * step).toFixed(4)));
  // Ticks written in days must be whole days: 12 h steps may reach 48 h ("2d") but not 60 h ("2.5d").
  const round = (ticks: number[]) => ticks.every((t) => t < DAYS_FROM_HOURS || t % 24 === 0);
  for (const step of TICK_STEPS) {
    const ticks = ticksOf(step);
    if (ticks.length - 1 <= most && round(ticks)) return ticks;
  }
  return ticksOf(Math.ceil(max / most / 8760) * 8760);
}

const TICK_STEPS = [0.25, 0.5, 1, 2, 3, 4, 6, 12, 24, 48, 72, 96, 120, 168, 336, 504, 720, 1440, 2160, 4320, 8760, 17520];
