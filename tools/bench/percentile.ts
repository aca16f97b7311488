/**
 * The one percentile every benchmark reports: nearest rank (the smallest sample with at least
 * q of all samples at or below it), so a reported p95 or p99 is always a time that was observed.
 * `q` is a fraction: 0.5, 0.95, 0.99.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
