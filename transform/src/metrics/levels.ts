/** DORA performance levels. Always reported next to the distribution, never instead of it. */
export type Level = 'elite' | 'high' | 'medium' | 'low';
export type BenchmarkProfile = '2023' | '2024';

interface Thresholds {
  /** Production deployments per week at or above which a level applies (elite, high, medium). */
  deploysPerWeek: [number, number, number];
  /** Lead time p50 in hours strictly below which a level applies. */
  leadTimeHours: [number, number, number];
  /** Change failure rate at or below which a level applies. */
  changeFailureRate: [number, number, number];
  /** Failed deployment recovery p50 in hours strictly below which a level applies. */
  recoveryHours: [number, number, number];
}

const DAY = 24;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;

/**
 * 2023 (State of DevOps 2023): elite deploys on demand (several per day), lead time < 1 day,
 * CFR 5 %, recovery < 1 h; high: daily–weekly, < 1 week, 10 %, < 1 day; medium: weekly–monthly,
 * < 1 month, 15 %, < 1 week; low below that.
 * 2024 (Accelerate State of DevOps 2024): same frequency and lead-time bands; CFR 5 / 20 / 10 / 40 %
 * in the report's clusters, read here as monotone bands 5 / 10 / 20 %; recovery < 1 h / < 1 day / < 1 day,
 * read as < 1 h / < 1 day / < 1 week.
 */
export const PROFILES: Record<BenchmarkProfile, Thresholds> = {
  '2023': { deploysPerWeek: [7, 1, 12 / 52], leadTimeHours: [DAY, WEEK, MONTH], changeFailureRate: [0.05, 0.1, 0.15], recoveryHours: [1, DAY, WEEK] },
  '2024': { deploysPerWeek: [7, 1, 12 / 52], leadTimeHours: [DAY, WEEK, MONTH], changeFailureRate: [0.05, 0.1, 0.2], recoveryHours: [1, DAY, WEEK] },
};

const LEVELS: Level[] = ['elite', 'high', 'medium', 'low'];

function atLeast(value: number, bands: [number, number, number]): Level {
  const index = bands.findIndex((band) => value >= band);
  return LEVELS[index === -1 ? 3 : index]!;
}

function below(value: number, bands: [number, number, number], inclusive = false): Level {
  const index = bands.findIndex((band) => (inclusive ? value <= band : value < band));
  return LEVELS[index === -1 ? 3 : index]!;
}

export function deploymentFrequencyLevel(perWeek: number | null, profile: BenchmarkProfile): Level | null {
  return perWeek === null ? null : atLeast(perWeek, PROFILES[profile].deploysPerWeek);
}
export function leadTimeLevel(p50Hours: number | null, profile: BenchmarkProfile): Level | null {
  return p50Hours === null ? null : below(p50Hours, PROFILES[profile].leadTimeHours);
}
export function changeFailureRateLevel(rate: number | null, profile: BenchmarkProfile): Level | null {
  return rate === null ? null : below(rate, PROFILES[profile].changeFailureRate, true);
}
export function recoveryLevel(p50Hours: number | null, profile: BenchmarkProfile): Level | null {
  return p50Hours === null ? null : below(p50Hours, PROFILES[profile].recoveryHours);
}
