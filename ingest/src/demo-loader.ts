import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { encodeEvent, type Bus } from './bus/bus.js';
import type { NormaliseContext } from './delivery.js';
import { demoCanonicalEvents, demoCounts, demoDeliveries, type DemoOptions } from './demo/generate.js';
import { receiveDelivery } from './receive.js';

export interface DemoLoadReport {
  /** Webhook-shaped deliveries received (each normalised into its canonical events). */
  deliveries: number;
  /** Canonical events published directly, without a delivery: catalog, adoption and survey events. */
  directEvents: number;
  deadLettered: number;
  ms: number;
}

export interface LoadDemoOptions {
  /**
   * The longest the loader computes before letting the event loop run (default 20 ms). A publish
   * to the in-process bus resolves at once, so without this the loader would hold the process's
   * one thread until the bus is full: in `paved start` no page, webhook or /api/health would be
   * answered meanwhile.
   */
  sliceMs?: number;
}

/**
 * Loads the demo organisation through the same path as real data: GitHub/PagerDuty-shaped
 * deliveries go through archive + normalisation onto the bus; catalog, adoption and survey
 * events (which have no webhook) go onto the bus as canonical events. Deterministic delivery ids
 * make a second load change nothing.
 */
export async function loadDemo(bus: Bus, options: DemoOptions, context: NormaliseContext, onProgress?: (done: number, total: number, historyUntil?: string) => void, load: LoadDemoOptions = {}): Promise<DemoLoadReport> {
  const started = performance.now();
  const sliceMs = load.sliceMs ?? 20;
  let sliceStarted = performance.now();
  const pause = async () => {
    if (performance.now() - sliceStarted < sliceMs) return;
    await yieldToEventLoop();
    sliceStarted = performance.now();
  };
  const total = demoCounts(options).deliveries;
  let directEvents = 0;
  const batch: ReturnType<typeof encodeEvent>[] = [];
  for (const event of demoCanonicalEvents(options)) {
    batch.push(encodeEvent(event));
    directEvents += 1;
    if (batch.length >= 1_000) await bus.publish(batch.splice(0));
    await pause();
  }
  if (batch.length) await bus.publish(batch.splice(0));
  let deliveries = 0;
  let deadLettered = 0;
  for (const delivery of demoDeliveries(options)) {
    const result = await receiveDelivery(delivery, JSON.stringify(delivery.payload), bus, context);
    deliveries += 1;
    if (result.outcome === 'dlq') deadLettered += 1;
    if (deliveries % 500 === 0) onProgress?.(deliveries, Math.max(total, deliveries), delivery.receivedAt);
    await pause();
  }
  onProgress?.(deliveries, deliveries);
  return { deliveries, directEvents, deadLettered, ms: Math.round(performance.now() - started) };
}
