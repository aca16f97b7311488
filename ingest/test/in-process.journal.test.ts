import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';

const record = (i: number) => ({ topic: 'events' as const, key: `k${i}`, value: `{"n":${i}}`, headers: { h: String(i) } });

async function consumeAll(bus: InProcessBus): Promise<BusMessage[]> {
  const seen: BusMessage[] = [];
  const subscription = await bus.consume({ groupId: 'g', maxBatchSize: 100, maxBatchWaitMs: 0 }, async (messages) => { seen.push(...messages); });
  await bus.drained(5_000);
  await subscription.stop();
  return seen;
}

describe('in-process bus journal', () => {
  it('an acknowledged record survives a crash before the sink committed it, and is delivered once after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-journal-'));
    const crashed = new InProcessBus({ journalDir: dir });
    await crashed.publish([record(1), record(2), record(3)]);
    // The process dies here: nothing consumed, nothing closed.

    const restarted = new InProcessBus({ journalDir: dir });
    expect(restarted.recovered).toBe(3);
    const seen = await consumeAll(restarted);
    expect(seen.map((m) => [m.key, m.value, m.headers.h])).toEqual([['k1', '{"n":1}', '1'], ['k2', '{"n":2}', '2'], ['k3', '{"n":3}', '3']]);
    await restarted.close();

    const again = new InProcessBus({ journalDir: dir });
    expect(again.recovered).toBe(0);
    await again.publish([record(4)]);
    const next = await consumeAll(again);
    expect(next.map((m) => [m.key, m.offset])).toEqual([['k4', '3']]);
  });

  it('without a journal directory nothing is written', async () => {
    const bus = new InProcessBus();
    await bus.publish([record(1)]);
    expect(bus.recovered).toBe(0);
    expect((await consumeAll(bus)).length).toBe(1);
  });
});
