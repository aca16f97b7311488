import { encodeEvent, type Bus } from './bus/bus.js';
import type { NormaliseContext } from './delivery.js';
import { demoCanonicalEvents, demoCounts, demoDeliveries, type DemoOptions } from './demo/generate.js';
import { receiveDelivery } from './receive.js';

export interface DemoLoadReport {
  deliveries: number;
  canonicalEvents: number;
  deadLettered: number;
  ms: number;
}

/**
 * Loads the demo organisation through the same path as real data: GitHub/PagerDuty-shaped
 * deliveries go through archive + normalisation onto the bus; catalog, adoption and survey
 * events (which have no webhook) go onto the bus as canonical events. Deterministic delivery ids
 * make a second load change nothing.
 */
export async function loadDemo(bus: Bus, options: DemoOptions, context: NormaliseContext, onProgress?: (done: number, total: number) => void): Promise<DemoLoadReport> {
  const started = performance.now();
  const total = demoCounts(options).deliveries;
  let canonicalEvents = 0;
  const batch: ReturnType<typeof encodeEvent>[] = [];
  for (const event of demoCanonicalEvents(options)) {
    batch.push(encodeEvent(event));
    canonicalEvents += 1;
    if (batch.length >= 1_000) await bus.publish(batch.splice(0));
  }
  if (batch.length) await bus.publish(batch.splice(0));
  let deliveries = 0;
  let deadLettered = 0;
  for (const delivery of demoDeliveries(options)) {
    const result = await receiveDelivery(delivery, JSON.stringify(delivery.payload), bus, context);
    deliveries += 1;
    if (result.outcome === 'dlq') deadLettered += 1;
    if (deliveries % 500 === 0) onProgress?.(deliveries, Math.max(total, deliveries));
  }
  onProgress?.(deliveries, deliveries);
  return { deliveries, canonicalEvents, deadLettered, ms: Math.round(performance.now() - started) };
}
