import { DELIVERY_HEADER, encodeDeadLetter, encodeEvent, encodeRaw, RECEIVED_AT_HEADER, type Bus, type BusRecord } from './bus/bus.js';
import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { normalise } from './normalise.js';
import type { SourceRegistry } from './sources/registry.js';

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

/**
 * Remembers recent delivery ids so an immediate redelivery is acknowledged without republishing,
 * and makes a copy arriving while the first is still being published wait for its outcome.
 * Across restarts, the bus's own memory answers (`Bus.hasDelivery`).
 */
export class RecentDeliveries {
  private readonly seen = new Map<string, true>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  constructor(private readonly capacity = 50_000) {}
  has(key: string): boolean {
    return this.seen.has(key);
  }
  add(key: string): void {
    this.seen.set(key, true);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
  }
  /** An earlier copy being published now: resolves true once it was accepted, false when it failed. */
  inFlightCopy(key: string): Promise<boolean> | undefined {
    return this.inFlight.get(key);
  }
  track(key: string, publishing: Promise<unknown>): void {
    const accepted = publishing.then(() => true, () => false);
    this.inFlight.set(key, accepted);
    void accepted.then(() => { if (this.inFlight.get(key) === accepted) this.inFlight.delete(key); });
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
  /** The sources to normalise with (default: every source Paved ships). */
  registry?: SourceRegistry,
): Promise<ReceiveResult> {
  // An empty id would make every later delivery of the source look like this one's duplicate.
  if (delivery.deliveryId.trim() === '') throw new Error(`a ${delivery.source} delivery has an empty delivery id: derive one from the body (bodyHash) when the sender sends none`);
  const deliveryKey = `${delivery.source}:${delivery.deliveryId}`;
  const duplicate: ReceiveResult = { outcome: 'ok', events: 0, reason: 'duplicate delivery: already accepted', assumptions: [], duplicate: true };
  if (recent && (recent.has(deliveryKey) || bus.hasDelivery?.(deliveryKey))) return duplicate;
  // No await between this check and `track` below unless an earlier copy is in flight.
  const earlier = recent?.inFlightCopy(deliveryKey);
  if (earlier && (await earlier)) return duplicate;
  const outcome = normalise(delivery, context, registry);
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
  // Webhook deliveries (the path that deduplicates) let the sink drop a later copy too; backfill and
  // the demo publish deterministic ids and times, and skip the sink's lookup.
  if (recent) for (const record of records) record.headers = { ...record.headers, [DELIVERY_HEADER]: deliveryKey, [RECEIVED_AT_HEADER]: delivery.receivedAt };
  const publishing = bus.publish(records);
  recent?.track(deliveryKey, publishing);
  await publishing;
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
