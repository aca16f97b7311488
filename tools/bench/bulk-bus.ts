/**
 * A Bus for loading benchmark data: every published record goes straight into the real Sink's
 * handleBatch (same validation, same rows, same inserts as production) in large batches, with no
 * queue in between. Raw-archive records can be skipped: no metric reads `raw_deliveries`, and at
 * large scale the archived payloads are most of the bytes written.
 */
import type { Bus, BusHealth, BusMessage, BusRecord, Subscription } from '@paved/ingest';
import type { Sink } from '@paved/pipeline';

export class BulkLoadBus implements Bus {
  readonly kind = 'in-process' as const;
  private buffer: BusMessage[] = [];
  private offset = 0;
  private sink: Sink | null = null;
  skippedRaw = 0;
  /** Canonical events handed to the sink (one per delivery plus one per pushed commit, plus catalog/adoption/survey events). */
  events = 0;

  constructor(private readonly options: { batchSize: number; skipRaw: boolean }) {}

  attach(sink: Sink): void {
    this.sink = sink;
  }

  async publish(records: BusRecord[]): Promise<void> {
    for (const record of records) {
      if (record.topic === 'dlq') throw new Error(`a demo record was dead-lettered: ${record.value.slice(0, 300)}`);
      if (record.topic === 'raw' && this.options.skipRaw) {
        this.skippedRaw += 1;
        continue;
      }
      if (record.topic === 'events') this.events += 1;
      this.offset += 1;
      this.buffer.push({ ...record, partition: 0, offset: String(this.offset) });
    }
    if (this.buffer.length >= this.options.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.sink) throw new Error('BulkLoadBus.attach(sink) must be called before publishing');
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) await this.sink.handleBatch(batch, async () => {});
  }

  async consume(): Promise<Subscription> {
    throw new Error('BulkLoadBus feeds the sink directly; nothing consumes it');
  }

  async health(): Promise<BusHealth> {
    return { ok: true, kind: 'in-process', detail: 'bulk load', lag: this.buffer.length };
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
