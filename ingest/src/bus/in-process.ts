import { setTimeout as sleep } from 'node:timers/promises';
import { BusUnavailableError, TOPICS, type BatchHandler, type Bus, type BusHealth, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription, type Topic } from './bus.js';

export interface InProcessBusOptions {
  /** Publishing waits while this many messages are unconsumed ... */
  highWaterMark?: number;
  /** ... and gives up (BusUnavailableError → 503) after this long. */
  publishTimeoutMs?: number;
}

/**
 * The embedded `paved start` bus: one process, one consumer group, offsets per topic.
 * Same contract as the Kafka bus (batches, commit after the handler succeeded, retry on failure).
 */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly logs = new Map<Topic, BusMessage[]>(TOPICS.map((topic) => [topic, []]));
  private readonly nextOffset = new Map<Topic, number>(TOPICS.map((topic) => [topic, 0]));
  private readonly waiters = new Set<() => void>();
  private readonly highWaterMark: number;
  private readonly publishTimeoutMs: number;
  private closed = false;
  private consumers = 0;

  constructor(options: InProcessBusOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? 200_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  }

  private pending(): number {
    let total = 0;
    for (const log of this.logs.values()) total += log.length;
    return total;
  }

  async publish(records: BusRecord[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('the in-process bus is closed');
    const deadline = Date.now() + this.publishTimeoutMs;
    while (this.consumers > 0 && this.pending() >= this.highWaterMark) {
      if (Date.now() > deadline) throw new BusUnavailableError(`the in-process bus is full (${this.pending()} messages waiting for the sink)`);
      await sleep(5);
    }
    for (const record of records) {
      const offset = this.nextOffset.get(record.topic) ?? 0;
      this.nextOffset.set(record.topic, offset + 1);
      this.logs.get(record.topic)?.push({ topic: record.topic, partition: 0, offset: String(offset), key: record.key, value: record.value, headers: record.headers });
    }
    for (const wake of this.waiters) wake();
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription> {
    let stopped = false;
    let paused = false;
    this.consumers += 1;
    const loop = (async () => {
      let failures = 0;
      while (!stopped) {
        const topic = paused ? undefined : TOPICS.find((t) => (this.logs.get(t)?.length ?? 0) > 0);
        if (!topic) {
          await this.waitForMessages(paused ? 100 : 1_000);
          continue;
        }
        const log = this.logs.get(topic)!;
        if (log.length < options.maxBatchSize && options.maxBatchWaitMs > 0) await this.waitForMessages(Math.min(options.maxBatchWaitMs, 50));
        const batch = log.slice(0, options.maxBatchSize);
        try {
          await handler(batch, { heartbeat: async () => {} });
          // Commit: only now do the messages leave the log.
          log.splice(0, batch.length);
          failures = 0;
        } catch {
          failures += 1;
          await sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 8)));
        }
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        for (const wake of this.waiters) wake();
        await loop;
        this.consumers -= 1;
      },
      pause: () => { paused = true; },
      resume: () => { paused = false; for (const wake of this.waiters) wake(); },
    };
  }

  /** Resolves when everything published so far has been consumed and committed (tests, demo loading). */
  async drained(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending() > 0) {
      if (Date.now() > deadline) throw new Error(`in-process bus not drained after ${timeoutMs} ms (${this.pending()} waiting)`);
      await sleep(20);
    }
  }

  private waitForMessages(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(timer); this.waiters.delete(wake); resolve(); };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  async health(): Promise<BusHealth> {
    return { ok: !this.closed, kind: 'in-process', detail: this.closed ? 'closed' : `${this.pending()} message(s) waiting for the sink`, lag: this.pending() };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
