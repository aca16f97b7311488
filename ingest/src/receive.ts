import { encodeDeadLetter, encodeEvent, encodeRaw, type Bus, type BusRecord } from './bus/bus.js';
import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { normalise } from './normalise.js';

export interface ReceiveResult {
  outcome: NormaliseOutcome['kind'];
  events: number;
  reason: string | null;
  /** What was assumed about fields the sender left out (empty when nothing was). */
  assumptions: string[];
  duplicate: boolean;
}

/**
 * Log lines for what a delivery's outcome hides otherwise: every dead letter, and each kind of
 * payload assumption the first time this process makes it (Data health counts every one of them).
 */
export class DeliveryWarnings {
  private readonly assumed = new Set<string>();
  constructor(private readonly log: (entry: Record<string, unknown>) => void) {}

  record(delivery: Delivery, outcome: NormaliseOutcome): void {
    const where = { source: delivery.source, event: delivery.event, delivery_id: delivery.deliveryId };
    if (outcome.kind === 'dlq') this.log({ level: 'warn', msg: 'delivery dead-lettered: see Data health, fix the sender and re-drive it', ...where, reason: outcome.reason });
    if (outcome.kind !== 'ok') return;
    for (const assumption of outcome.assumptions ?? []) {
      const key = `${delivery.source}\n${assumption}`;
      if (this.assumed.has(key)) continue;
      this.assumed.add(key);
      this.log({ level: 'warn', msg: 'payload assumption (logged once; Data health counts every delivery)', ...where, assumption });
    }
  }
}

/** Remembers recent delivery ids so an immediate redelivery is acknowledged without republishing. */
export class RecentDeliveries {
  private readonly seen = new Map<string, true>();
  constructor(private readonly capacity = 50_000) {}
  has(key: string): boolean {
    return this.seen.has(key);
  }
  add(key: string): void {
    this.seen.set(key, true);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
  }
}

/**
 * The ingestion path every delivery takes (webhooks, backfill, demo): archive raw, normalise,
 * publish raw + canonical events (+ a dead letter when it cannot be normalised) in one call,
 * and return only after the bus accepted all of it. Throws BusUnavailableError when it cannot.
 */
export async function receiveDelivery(
  delivery: Delivery,
  rawBody: string,
  bus: Bus,
  context: NormaliseContext,
  recent?: RecentDeliveries,
  warnings?: DeliveryWarnings,
): Promise<ReceiveResult> {
  const deliveryKey = `${delivery.source}:${delivery.deliveryId}`;
  if (recent?.has(deliveryKey)) return { outcome: 'ok', events: 0, reason: 'duplicate delivery: already accepted', assumptions: [], duplicate: true };
  const outcome = normalise(delivery, context);
  const assumptions = outcome.kind === 'ok' ? outcome.assumptions ?? [] : [];
  const records: BusRecord[] = [
    encodeRaw({
      source: delivery.source, delivery_id: delivery.deliveryId, event: delivery.event, received_at: delivery.receivedAt, payload: rawBody,
      // For an accepted delivery the reason lists what was assumed, one per line (Data health counts them).
      outcome: outcome.kind, reason: outcome.kind === 'ok' ? assumptions.join('\n') : outcome.reason,
    }),
  ];
  if (outcome.kind === 'ok') for (const event of outcome.events) records.push(encodeEvent(event));
  if (outcome.kind === 'dlq') {
    records.push(encodeDeadLetter({
      key: deliveryKey, value: rawBody, headers: { 'paved-source': delivery.source, 'paved-event': delivery.event }, reason: outcome.reason,
      step: 'normalise', failed_at: delivery.receivedAt, source_topic: null, source_partition: null, source_offset: null,
    }));
  }
  await bus.publish(records);
  recent?.add(deliveryKey);
  warnings?.record(delivery, outcome);
  return {
    outcome: outcome.kind,
    events: outcome.kind === 'ok' ? outcome.events.length : 0,
    reason: outcome.kind === 'ok' ? null : outcome.reason,
    assumptions,
    duplicate: false,
  };
}
