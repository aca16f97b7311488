import type { WebhookReceiver } from '@paved/ingest';
import type { Sink } from '@paved/pipeline';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/ops.js';

describe('/metrics', () => {
  it('exposes running totals as Prometheus counters, labelled where they have a reason', async () => {
    const receiver = { stats: { received: 12, accepted: 9, rejected: { bad_signature: 2, too_large: 1 }, lastEventAt: {}, ackMs: [] } } as unknown as WebhookReceiver;
    const sink = { stats: { messages: 40, rowsInserted: 38, batches: 3, deadLettered: 2, lastInsertMs: 250, warehouseDown: false } } as unknown as Sink;
    const registry = createMetrics({ receiver, sink, jobs: () => ({ runs: 5, failures: 1 }) });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE paved_webhook_deliveries_received_total counter');
    expect(text).toContain('paved_webhook_deliveries_received_total 12');
    expect(text).toContain('paved_webhook_deliveries_rejected_total{reason="bad_signature"} 2');
    expect(text).toContain('# TYPE paved_dead_letters_total counter');
    expect(text).toContain('paved_job_failures_total 1');
    // Levels that go up and down stay gauges.
    expect(text).toContain('# TYPE paved_sink_warehouse_down gauge');
    // A second scrape reports the same totals, not twice them.
    expect(await registry.metrics()).toContain('paved_webhook_deliveries_received_total 12');
  });
});
