import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { assuming } from './payload.js';
import { sources, type SourceRegistry } from './sources/index.js';

export const ASSUMED_UTC = 'timestamps without a time zone: taken as UTC';

/** Turns one delivery into canonical events with the normaliser of its source (its plugin in the registry). */
export function normalise(delivery: Delivery, context: NormaliseContext, registry: SourceRegistry = sources): NormaliseOutcome {
  const outcome = registry.normalise(delivery, context);
  return outcome.kind === 'ok' && hasZonelessTime(delivery.payload) ? assuming(outcome, [ASSUMED_UTC]) : outcome;
}

const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;

/** Whether any date-time text in the payload (searched to a bounded depth and size) has no zone. */
function hasZonelessTime(value: unknown, depth = 0, budget = { nodes: 5_000 }): boolean {
  if (--budget.nodes < 0 || depth > 8) return false;
  if (typeof value === 'string') return value.length <= 40 && ZONELESS_TIME.test(value.trim());
  if (Array.isArray(value)) return value.some((item) => hasZonelessTime(item, depth + 1, budget));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => hasZonelessTime(item, depth + 1, budget));
  return false;
}
