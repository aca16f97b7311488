import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError, type BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext, type Delivery } from '../src/delivery.js';
import { receiveDelivery, RecentDeliveries } from '../src/receive.js';

const ping = (id: string, zen: string): Delivery => ({ source: 'github', event: 'ping', deliveryId: id, receivedAt: new Date().toISOString(), payload: { zen, hook_id: 1 } });

/** A journaled bus that counts what it accepted and refuses the first `refusals` publishes. */
class CountingBus extends InProcessBus {
  accepted: BusRecord[] = [];
  constructor(private refusals = 0) {
    super({ journalDir: mkdtempSync(join(tmpdir(), 'paved-receive-')), groupCommitMs: 30 });
  }
  override async publish(records: BusRecord[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.refusals > 0) {
      this.refusals -= 1;
      throw new BusUnavailableError('refused for the test');
    }
    await super.publish(records);
    this.accepted.push(...records);
  }
}

describe('receiveDelivery idempotency', () => {
  it('two copies of one delivery at the same moment: one is published, the other waits and is a duplicate', async () => {
    const bus = new CountingBus();
    const recent = new RecentDeliveries();
    const [a, b] = await Promise.all([
      receiveDelivery(ping('same', 'first'), '{"zen":"first"}', bus, defaultNormaliseContext, recent),
      receiveDelivery(ping('same', 'second'), '{"zen":"second"}', bus, defaultNormaliseContext, recent),
    ]);
    expect([a.duplicate, b.duplicate]).toEqual([false, true]);
    expect(bus.accepted.filter((r) => r.topic === 'raw').length).toBe(1);
  });

  it('when the first copy is refused (503), a copy waiting on it is published instead of being called a duplicate', async () => {
    const bus = new CountingBus(1);
    const recent = new RecentDeliveries();
    const [a, b] = await Promise.allSettled([
      receiveDelivery(ping('retry', 'first'), '{"zen":"first"}', bus, defaultNormaliseContext, recent),
      receiveDelivery(ping('retry', 'second'), '{"zen":"second"}', bus, defaultNormaliseContext, recent),
    ]);
    expect(a.status).toBe('rejected');
    expect(b).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(bus.accepted.filter((r) => r.topic === 'raw').map((r) => JSON.parse(r.value).payload)).toEqual(['{"zen":"second"}']);
  });

  it('a delivery the journaled bus accepted in an earlier process life is a duplicate for a new receiver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-receive-'));
    const before = new InProcessBus({ journalDir: dir });
    await receiveDelivery(ping('old', 'first'), '{"zen":"first"}', before, defaultNormaliseContext, new RecentDeliveries());
    const after = new InProcessBus({ journalDir: dir });
    const again = await receiveDelivery(ping('old', 'changed'), '{"zen":"changed"}', after, defaultNormaliseContext, new RecentDeliveries());
    expect(again).toMatchObject({ duplicate: true, events: 0 });
    expect(after.recovered).toBe(1); // only the first copy's raw record, nothing from the second
  });
});
