/**
 * Which groups may be shown. Browser-safe and pure, so every output (page, API, CSV, digest)
 * decides visibility with this one function.
 *
 * 1. A group with fewer than `minGroupSize` respondents is hidden.
 * 2. A hidden group must not be recoverable by subtraction (organisation total − visible groups):
 *    while the hidden groups together are fewer than two groups or fewer than `minGroupSize`
 *    respondents, the next-smallest visible group is hidden too.
 * 3. The organisation total is shown only with at least `minGroupSize` respondents; after step 2,
 *    total − visible is always the sum of at least two hidden groups holding `minGroupSize` or more
 *    people, so the total reveals no single hidden group.
 */

/** Never below 3, whatever a caller passes (the config schema enforces the same). */
export const MIN_GROUP_FLOOR = 3;

export interface Visibility {
  minGroupSize: number;
  visible: string[];
  hidden: string[];
  /** Whether organisation-wide figures may be shown. */
  total: boolean;
}

export function effectiveMinGroupSize(minGroupSize: number): number {
  return Math.max(MIN_GROUP_FLOOR, Math.ceil(Number.isFinite(minGroupSize) ? minGroupSize : MIN_GROUP_FLOOR));
}

/** `sizes`: respondents per group of one breakdown (groups with no respondents are ignored). */
export function visibility(sizes: ReadonlyMap<string, number>, minGroupSize: number): Visibility {
  const k = effectiveMinGroupSize(minGroupSize);
  const groups = [...sizes].filter(([, n]) => n > 0);
  const hidden = new Set(groups.filter(([, n]) => n < k).map(([g]) => g));
  // Smallest first; ties by name so the outcome does not depend on input order.
  const candidates = groups.filter(([g]) => !hidden.has(g)).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const hiddenTotal = () => groups.filter(([g]) => hidden.has(g)).reduce((sum, [, n]) => sum + n, 0);
  while (hidden.size > 0 && (hidden.size < 2 || hiddenTotal() < k) && candidates.length > 0) {
    hidden.add(candidates.shift()![0]);
  }
  const total = groups.reduce((sum, [, n]) => sum + n, 0);
  return {
    minGroupSize: k,
    visible: groups.filter(([g]) => !hidden.has(g)).map(([g]) => g).sort((a, b) => a.localeCompare(b)),
    hidden: [...hidden].sort((a, b) => a.localeCompare(b)),
    total: total >= k,
  };
}
