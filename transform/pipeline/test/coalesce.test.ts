import type { BusMessage } from '@paved/ingest';
import { describe, expect, it } from 'vitest';
import { BatchCoalescer } from '../src/coalesce.js';

const batch = (partition: number, n: number): BusMessage[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 'events', partition, offset: String(i), key: null, value: `${partition}:${i}`, headers: {} }));
const noHeartbeat = async () => {};

describe('BatchCoalescer', () => {
  it('merges batches handed over together into one call, and settles each with it', async () => {
    const calls: number[] = [];
    const coalescer = new BatchCoalescer(async (messages) => { calls.push(messages.length); }, 1_000);
    await Promise.all([coalescer.submit(batch(0, 10), noHeartbeat), coalescer.submit(batch(1, 20), noHeartbeat), coalescer.submit(batch(2, 30), noHeartbeat)]);
    expect(calls).toEqual([60]);
  });

  it('flushes at once when the merged size reaches the limit, and runs calls one at a time in order', async () => {
    const calls: number[] = [];
    let active = 0;
    const coalescer = new BatchCoalescer(async (messages) => {
      active += 1;
      expect(active).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
      calls.push(messages.length);
      active -= 1;
    }, 25);
    await Promise.all([coalescer.submit(batch(0, 20), noHeartbeat), coalescer.submit(batch(1, 10), noHeartbeat), coalescer.submit(batch(2, 5), noHeartbeat)]);
    // 20 + 10 reach the limit of 25 and go at once; the 5 that came after go in the next call.
    expect(calls).toEqual([30, 5]);
  });

  it('a failure rejects every merged batch (none is committed), and the next call still runs', async () => {
    let fail = true;
    const coalescer = new BatchCoalescer(async () => { if (fail) throw new Error('warehouse down'); }, 1_000);
    const results = await Promise.allSettled([coalescer.submit(batch(0, 1), noHeartbeat), coalescer.submit(batch(1, 1), noHeartbeat)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(coalescer.submit(batch(0, 1), noHeartbeat)).resolves.toBeUndefined();
  });

  it('a heartbeat during the merged call reaches every batch\'s consumer', async () => {
    const beats: number[] = [];
    const coalescer = new BatchCoalescer(async (_messages, heartbeat) => { await heartbeat(); }, 1_000);
    await Promise.all([0, 1, 2].map((p) => coalescer.submit(batch(p, 1), async () => { beats.push(p); })));
    expect(beats.sort()).toEqual([0, 1, 2]);
  });
});
