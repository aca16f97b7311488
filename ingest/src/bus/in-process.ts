import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BusUnavailableError, TOPICS, type BatchHandler, type Bus, type BusHealth, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription, type Topic } from './bus.js';

export interface InProcessBusOptions {
  /** Publishing waits while this many messages are unconsumed ... */
  highWaterMark?: number;
  /** ... and gives up (BusUnavailableError → 503) after this long. */
  publishTimeoutMs?: number;
  /**
   * Directory of the journal: every published record is written there before `publish` resolves
   * and forgotten once committed, so a crash of the process never loses an acknowledged delivery
   * (records not yet in the warehouse are read back at the next start). Unset: memory only.
   */
  journalDir?: string;
}

interface JournalLine {
  topic: Topic;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
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
  private journalFd: number | null = null;
  private readonly committed = new Map<Topic, number>(TOPICS.map((topic) => [topic, 0]));

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? 200_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    if (options.journalDir) this.recoverJournal(options.journalDir);
  }

  /** Records that were published but not committed before the last stop; they are delivered again. */
  recovered = 0;

  private recoverJournal(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const offsetsFile = join(dir, 'committed.json');
    if (existsSync(offsetsFile)) {
      const saved = JSON.parse(readFileSync(offsetsFile, 'utf8')) as Record<string, number>;
      for (const topic of TOPICS) this.committed.set(topic, saved[topic] ?? 0);
    }
    for (const topic of TOPICS) this.nextOffset.set(topic, this.committed.get(topic) ?? 0);
    const journal = join(dir, 'journal.ndjson');
    if (existsSync(journal)) {
      for (const line of readFileSync(journal, 'utf8').split('\n')) {
        if (!line) continue;
        let entry: JournalLine;
        try {
          entry = JSON.parse(line) as JournalLine;
        } catch {
          continue; // a line torn by the crash itself was never acknowledged
        }
        if (!TOPICS.includes(entry.topic) || entry.offset < (this.committed.get(entry.topic) ?? 0)) continue;
        this.logs.get(entry.topic)!.push({ topic: entry.topic, partition: 0, offset: String(entry.offset), key: entry.key, value: entry.value, headers: entry.headers });
        this.nextOffset.set(entry.topic, Math.max(this.nextOffset.get(entry.topic) ?? 0, entry.offset + 1));
        this.recovered += 1;
      }
    }
    this.rewriteJournal();
  }

  /** Starts a fresh journal holding only what is still uncommitted. */
  private rewriteJournal(): void {
    const dir = this.options.journalDir;
    if (!dir) return;
    if (this.journalFd !== null) closeSync(this.journalFd);
    const temp = join(dir, 'journal.ndjson.tmp');
    const lines: string[] = [];
    for (const log of this.logs.values()) for (const m of log) lines.push(JSON.stringify({ topic: m.topic, offset: Number(m.offset), key: m.key, value: m.value, headers: m.headers }));
    writeFileSync(temp, lines.length ? `${lines.join('\n')}\n` : '');
    renameSync(temp, join(dir, 'journal.ndjson'));
    this.journalFd = openSync(join(dir, 'journal.ndjson'), 'a');
  }

  private saveCommitted(): void {
    const dir = this.options.journalDir;
    if (!dir) return;
    const temp = join(dir, 'committed.json.tmp');
    writeFileSync(temp, JSON.stringify(Object.fromEntries(this.committed)));
    renameSync(temp, join(dir, 'committed.json'));
    // Once everything is committed the journal restarts empty, so it never grows without bound.
    if (this.pending() === 0) this.rewriteJournal();
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
    const messages: BusMessage[] = records.map((record) => {
      const offset = this.nextOffset.get(record.topic) ?? 0;
      this.nextOffset.set(record.topic, offset + 1);
      return { topic: record.topic, partition: 0, offset: String(offset), key: record.key, value: record.value, headers: record.headers };
    });
    if (this.journalFd !== null) {
      // Written before acknowledging: a crashed process reads it back at the next start.
      const lines = messages.map((m) => JSON.stringify({ topic: m.topic, offset: Number(m.offset), key: m.key, value: m.value, headers: m.headers })).join('\n');
      writeSync(this.journalFd, `${lines}\n`);
    }
    for (const message of messages) this.logs.get(message.topic)?.push(message);
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
          this.committed.set(topic, Number(batch[batch.length - 1]!.offset) + 1);
          this.saveCommitted();
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
    if (this.journalFd !== null) closeSync(this.journalFd);
    this.journalFd = null;
  }
}
