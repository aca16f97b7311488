import { encodeDeadLetter, encodeEvent, encodeRaw, type Bus, type BusRecord } from './bus/bus.js';
import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { normalise } from './normalise.js';

export interface ReceiveResult {
  outcome: NormaliseOutcome['kind'];
  events: number;
  reason: string | null;
  duplicate: boolean;
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
): Promise<ReceiveResult> {
  const deliveryKey = `${delivery.source}:${delivery.deliveryId}`;
  if (recent?.has(deliveryKey)) return { outcome: 'ok', events: 0, reason: 'duplicate delivery: already accepted', duplicate: true };
  const outcome = normalise(delivery, context);
  const records: BusRecord[] = [
    encodeRaw({
      source: delivery.source, delivery_id: delivery.deliveryId, event: delivery.event, received_at: delivery.receivedAt, payload: rawBody,
      outcome: outcome.kind, reason: outcome.kind === 'ok' ? '' : outcome.reason,
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
  return {
    outcome: outcome.kind,
    events: outcome.kind === 'ok' ? outcome.events.length : 0,
    reason: outcome.kind === 'ok' ? null : outcome.reason,
    duplicate: false,
  };
}
