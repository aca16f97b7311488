/**
 * The arithmetic of the friction roadmap, pure so it can be checked on paper.
 *
 * Friction score of a survey driver d, 0-100 (higher = fix first):
 *
 *   score = 100 × (0.4 × U + 0.3 × G + 0.2 × H + 0.1 × T)
 *
 * - U, unfavourable reach (0-1): Σ_t dev_t × (1 − fav_t) / Σ_t dev_t over teams t, where fav_t is
 *   the team's % favourable on d (teams whose results are hidden, or that did not answer, take the
 *   organisation's figure) and dev_t its developers (admin override, else `catalog.teams[].developers`,
 *   else the team's respondents).
 * - G, metric gap (0-1): for each measured metric mapped to d (surveys' driver → metric mapping),
 *   each team's normalised distance to the next DORA level (`gapToNextLevel`), developer-weighted
 *   over teams, then averaged over the mapped metrics; 0 when d has no mapped metric or no data.
 * - H, hours lost (0-1): Σ_t dev_t × (1 − fav_t) × hours_t (developer-hours a week lost in teams
 *   unhappy with d; hours_t is the team's mean `hours_lost` answer), divided by the largest such sum
 *   over all drivers.
 * - T, trend (−1…1): −(change of % favourable in points vs the previous campaign) / 20, clamped: a
 *   20-point drop adds the full weight, a 20-point rise takes it away; 0 without a previous campaign.
 */
export const WEIGHTS = { unfavourable: 0.4, metricGap: 0.3, hoursLost: 0.2, trend: 0.1 } as const;
export const TREND_FULL_POINTS = 20;

export type Level = 'elite' | 'high' | 'medium' | 'low';
const LEVELS: Level[] = ['elite', 'high', 'medium', 'low'];

export interface Gap {
  level: Level;
  /** The level one step better, or null at elite. */
  nextLevel: Level | null;
  /** The threshold of the next level. */
  threshold: number | null;
  /** Normalised distance to that threshold, 0-1 (0 at elite). */
  gap: number;
}

/**
 * How far a value sits from the next level's threshold, as a share of the value (lower-is-better
 * metrics: (value − threshold) / value) or of the threshold (higher-is-better: (threshold − value) / threshold).
 * `bands` are the elite, high and medium thresholds as in levels.ts.
 */
export function gapToNextLevel(value: number, bands: readonly [number, number, number], direction: 'lower' | 'higher', inclusive = false): Gap {
  const meets = (band: number) => (direction === 'higher' ? value >= band : inclusive ? value <= band : value < band);
  const found = bands.findIndex(meets);
  const index = found === -1 ? 3 : found;
  const level = LEVELS[index]!;
  if (index === 0) return { level, nextLevel: null, threshold: null, gap: 0 };
  const threshold = bands[index - 1]!;
  const raw = direction === 'higher' ? (threshold - value) / threshold : value <= 0 ? 0 : (value - threshold) / value;
  return { level, nextLevel: LEVELS[index - 1]!, threshold, gap: round(Math.min(1, Math.max(0, raw)), 4) };
}

export interface TeamDriverInput {
  team: string;
  developers: number;
  /** % favourable on the driver (0-1), null when unknown. */
  favourable: number | null;
  /** Mean hours lost a week, null when unknown. */
  hoursLost: number | null;
}

export interface DriverInput {
  driverId: string;
  teams: TeamDriverInput[];
  /** Normalised gaps (0-1) per mapped metric, each developer-weighted over teams already. */
  metricGaps: number[];
  /** Change of the organisation's % favourable vs the previous campaign, in points. */
  changePoints: number | null;
}

export interface DriverScore {
  driverId: string;
  score: number;
  components: { unfavourable: number; metricGap: number; hoursLost: number; trend: number };
  /** Σ dev × (1 − fav): developers who answered unfavourably, scaled to team size. */
  developersUnfavourable: number;
  /** Σ dev × (1 − fav) × hours: developer-hours a week in teams unhappy with the driver. */
  weightedHoursLost: number;
}

export function unfavourableReach(teams: readonly TeamDriverInput[]): { reach: number; developers: number } {
  const known = teams.filter((t) => t.favourable !== null && t.developers > 0);
  const total = known.reduce((s, t) => s + t.developers, 0);
  const developers = known.reduce((s, t) => s + t.developers * (1 - t.favourable!), 0);
  return { reach: total ? developers / total : 0, developers };
}

export function weightedHours(teams: readonly TeamDriverInput[]): number {
  return teams.reduce((s, t) => (t.favourable === null || t.hoursLost === null ? s : s + t.developers * (1 - t.favourable) * t.hoursLost), 0);
}

export function trendComponent(changePoints: number | null): number {
  if (changePoints === null) return 0;
  return Math.max(-1, Math.min(1, -changePoints / TREND_FULL_POINTS));
}

/** Scores every driver (H is relative to the drivers scored together) and ranks them, highest first. */
export function scoreDrivers(drivers: readonly DriverInput[]): DriverScore[] {
  const hours = drivers.map((d) => weightedHours(d.teams));
  const maxHours = Math.max(0, ...hours);
  return drivers
    .map((d, i) => {
      const { reach, developers } = unfavourableReach(d.teams);
      const metricGap = d.metricGaps.length ? d.metricGaps.reduce((s, g) => s + g, 0) / d.metricGaps.length : 0;
      const hoursLost = maxHours > 0 ? hours[i]! / maxHours : 0;
      const trend = trendComponent(d.changePoints);
      const score = 100 * (WEIGHTS.unfavourable * reach + WEIGHTS.metricGap * metricGap + WEIGHTS.hoursLost * hoursLost + WEIGHTS.trend * trend);
      return {
        driverId: d.driverId,
        score: round(score, 1),
        components: { unfavourable: round(reach, 4), metricGap: round(metricGap, 4), hoursLost: round(hoursLost, 4), trend: round(trend, 4) },
        developersUnfavourable: round(developers, 1),
        weightedHoursLost: round(hours[i]!, 1),
      };
    })
    .sort((a, b) => b.score - a.score || a.driverId.localeCompare(b.driverId));
}

/** Developer-weighted mean of per-team values (teams without a value or developers are left out). */
export function weightedMean(values: readonly { weight: number; value: number | null }[]): number | null {
  const known = values.filter((v) => v.value !== null && v.weight > 0);
  const total = known.reduce((s, v) => s + v.weight, 0);
  return total ? known.reduce((s, v) => s + v.weight * v.value!, 0) / total : null;
}

export function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
