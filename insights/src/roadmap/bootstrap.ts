/**
 * Percentile bootstrap for the effects behind ROI figures: how far a difference between two
 * periods (or two groups) could move by chance alone. Resampling is seeded, so the same rows give
 * the same interval on every page load and in every test.
 *
 * Resamples are drawn as counts per unit (how often each deployment, failure or team is drawn), so
 * a statistic is a weighted sum or weighted quantile over rows sorted once, with no copying.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '@paved/schemas';

/** Resamples per interval and the seed: fixed, so an interval is a function of the data only. */
export const BOOTSTRAP = { resamples: 1_000, seed: 20_261_203, confidence: 0.95 } as const;

/**
 * How often each of the first `tracked` of `total` units is drawn when `total` are drawn with
 * replacement (the other units are interchangeable and their counts are not needed: deployments
 * that did not fail, say). With every unit tracked this is one uniform draw per unit; otherwise the
 * gaps between draws that land on a tracked unit are geometric, so the cost is the number of hits.
 */
export function drawCounts(tracked: number, random: () => number, into: Uint32Array = new Uint32Array(tracked), total = tracked): Uint32Array {
  into.fill(0);
  if (tracked === 0) return into;
  if (tracked === total) {
    for (let i = 0; i < total; i += 1) into[Math.floor(random() * tracked)]! += 1;
    return into;
  }
  const logMiss = Math.log1p(-tracked / total);
  for (let i = Math.floor(Math.log(1 - random()) / logMiss); i < total; i += 1 + Math.floor(Math.log(1 - random()) / logMiss)) {
    into[Math.floor(random() * tracked)]! += 1;
  }
  return into;
}

/**
 * The q-quantile of values sorted ascending, each repeated `weights[unitOf[i]]` times, with the
 * same definition as ClickHouse's quantileExactInclusive (linear between ranks, position (N − 1) q).
 * `unitOf` maps a value to the unit whose count weights it (identity when omitted); `knownTotal`, the
 * sum of the weights if the caller has it, saves a pass.
 */
export function weightedSortedQuantile(sorted: ArrayLike<number>, weights: ArrayLike<number>, q: number, unitOf?: ArrayLike<number>, knownTotal?: number): number | null {
  let total = knownTotal ?? 0;
  if (knownTotal === undefined) for (let i = 0; i < sorted.length; i += 1) total += weights[unitOf ? unitOf[i]! : i]!;
  if (total === 0) return null;
  const position = (total - 1) * q;
  const lower = Math.floor(position);
  let seen = 0;
  let atLower: number | null = null;
  for (let i = 0; i < sorted.length; i += 1) {
    seen += weights[unitOf ? unitOf[i]! : i]!;
    if (atLower === null && seen > lower) {
      atLower = sorted[i]!;
      if (position === lower || seen > lower + 1) return atLower;
      continue;
    }
    if (atLower !== null && seen > lower + 1) return atLower + (position - lower) * (sorted[i]! - atLower);
  }
  return atLower;
}

/** quantileExactInclusive of plain values (each weighted once). */
export function inclusiveQuantile(values: readonly number[], q: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return weightedSortedQuantile(sorted, new Uint32Array(sorted.length).fill(1), q);
}

export interface Interval {
  /** The statistic on the data as observed. */
  estimate: number | null;
  /** 2.5th and 97.5th percentile of the resampled statistic (null when it could not be estimated). */
  low: number | null;
  high: number | null;
  /** Resamples whose statistic was defined (a resample may draw no failure with a measured recovery, say). */
  resamples: number;
  /** The interval excludes zero: the effect is distinguishable from noise. */
  significant: boolean;
}

/** A sample's size: its units, or `tracked` units of `total` when the rest are interchangeable. */
export type SampleSize = number | { tracked: number; total: number };

/**
 * Percentile bootstrap of a difference between independent samples. `sizes[k]` is the number of
 * units of sample k; `statistic(counts)` gets, per sample, how often each (tracked) unit was drawn
 * (all ones for the data as observed) and returns the statistic, or null where it is undefined.
 * Samples are resampled independently, each keeping its size. Fewer than 95 % defined resamples:
 * not estimable.
 */
export function bootstrapInterval(
  sampleSizes: readonly SampleSize[],
  statistic: (counts: readonly Uint32Array[]) => number | null,
  options: { resamples?: number; seed?: number } = {},
): Interval {
  const resamples = options.resamples ?? BOOTSTRAP.resamples;
  const sizes = sampleSizes.map((s) => (typeof s === 'number' ? { tracked: s, total: s } : s));
  const observed = statistic(sizes.map((s) => new Uint32Array(s.tracked).fill(1)));
  if (observed === null || sizes.some((s) => s.total === 0)) return { estimate: observed, low: null, high: null, resamples: 0, significant: false };
  const random = seededRandom(options.seed ?? BOOTSTRAP.seed);
  const buffers = sizes.map((s) => new Uint32Array(s.tracked));
  const values: number[] = [];
  for (let r = 0; r < resamples; r += 1) {
    const counts = buffers.map((buffer, k) => drawCounts(sizes[k]!.tracked, random, buffer, sizes[k]!.total));
    const value = statistic(counts);
    if (value !== null && Number.isFinite(value)) values.push(value);
  }
  if (values.length < resamples * 0.95) return { estimate: observed, low: null, high: null, resamples: values.length, significant: false };
  const tail = (1 - BOOTSTRAP.confidence) / 2;
  const low = inclusiveQuantile(values, tail)!;
  const high = inclusiveQuantile(values, 1 - tail)!;
  return { estimate: observed, low, high, resamples: values.length, significant: low > 0 || high < 0 };
}

const plain = (_key: string, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value);
/** Digests of the objects already given to a memoised computation. */
const digests = new WeakMap<object, string>();

/**
 * A digest of one argument. An object is digested once for its lifetime: the samples a page passes
 * come from the result cache (Warehouse.derived), the same object on every view until the data
 * changes, and digesting 150,000 lead times took 90 ms at large scale. So an argument must not be
 * changed once passed (samples are read-only).
 */
function digestOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  let digest = digests.get(value);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(value, plain)).digest('base64');
    digests.set(value, digest);
  }
  return digest;
}

/**
 * A pure computation remembered for its last `size` inputs, keyed by a digest of them: an effect's
 * bootstrap is a function of its samples only, and every view of a page asks for the same ones
 * (1,000 resamples of thousands of deployments take tenths of a second). Callers get a copy.
 */
export function memoised<A extends unknown[], R>(name: string, compute: (...args: A) => R, size = 32): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A): R => {
    const key = createHash('sha256').update(name).update(args.map(digestOf).join('\u0000')).digest('base64');
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(...args);
      cache.set(key, value);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
    } else {
      // Most recently used last: a Map keeps insertion order.
      cache.delete(key);
      cache.set(key, value);
    }
    return structuredClone(value);
  };
}
