import 'server-only';
import type { Warehouse } from '@paved/warehouse';
import { leadTimeHistogram as leadTimeCounts, type Window } from '@paved/transform';

/**
 * Read models the pages need beyond the metric layer. The SQL lives in @paved/transform
 * (transform/src/metrics/reads.ts and its .sql files): the dashboard calls functions, not SQL.
 */
export { changesInWindow, deploymentTime, incidentCandidates, prsInWindow, warehouseCounts } from '@paved/transform';
export type { WarehouseCounts } from '@paved/transform';

/** Lead-time buckets (upper bound in hours, exclusive). */
export const LEAD_BUCKETS = [
  { label: '< 1 h', upTo: 1 },
  { label: '1–4 h', upTo: 4 },
  { label: '4–12 h', upTo: 12 },
  { label: '12–24 h', upTo: 24 },
  { label: '1–2 d', upTo: 48 },
  { label: '2–7 d', upTo: 168 },
  { label: '7–14 d', upTo: 336 },
  { label: '14–28 d', upTo: 672 },
  { label: '≥ 28 d', upTo: Number.POSITIVE_INFINITY },
] as const;

/** How many changes (commits reaching production) fell in each lead-time bucket. */
export async function leadTimeHistogram(warehouse: Warehouse, window: Window): Promise<{ label: string; from: number; upTo: number; changes: number }[]> {
  const counts = await leadTimeCounts(warehouse, window, LEAD_BUCKETS.slice(0, -1).map((b) => b.upTo));
  return LEAD_BUCKETS.map((b, i) => ({ label: b.label, from: i === 0 ? 0 : LEAD_BUCKETS[i - 1]!.upTo, upTo: b.upTo, changes: counts[i] ?? 0 }));
}
