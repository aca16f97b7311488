import { describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { loadDemo } from '../src/demo-loader.js';

class Enough extends Error {}

/** A bus that takes everything at once, like the in-process bus below its high-water mark; it stops the load after `limit` records. */
function instantBus(limit = Infinity): Bus & { records: number } {
  const bus = {
    records: 0,
    async publish(records: BusRecord[]) {
      bus.records += records.length;
      if (bus.records > limit) throw new Enough();
    },
  };
  return bus as unknown as Bus & { records: number };
}

describe('the demo loader shares the event loop', () => {
  it('lets timers and I/O run while it loads, although every publish resolves at once', async () => {
    const bus = instantBus(5_000);
    let turns = 0;
    let longestGapMs = 0;
    let last = performance.now();
    // What a page request or /api/health needs: a turn of the event loop, not just microtasks.
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      turns += 1;
    }, 1);
    const started = performance.now();
    await expect(loadDemo(bus, { scale: 'small', seed: 7 }, defaultNormaliseContext, undefined, { sliceMs: 5 })).rejects.toBeInstanceOf(Enough);
    const loadMs = performance.now() - started;
    clearInterval(ticker);
    expect(bus.records).toBeGreaterThan(5_000);
    // Without slicing the whole load runs in one turn: the ticker would not fire before it ends.
    expect(turns).toBeGreaterThan(loadMs / 100);
  });

  it('reports how far the history has got with its progress', async () => {
    const seen: string[] = [];
    const progress = (_done: number, _total: number, until?: string) => {
      if (until) seen.push(until);
      if (seen.length === 5) throw new Enough();
    };
    await expect(loadDemo(instantBus(), { scale: 'small', seed: 7 }, defaultNormaliseContext, progress)).rejects.toBeInstanceOf(Enough);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBeGreaterThan(1);
    expect([...seen].sort()).toEqual(seen);
  });
});
