import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { BusUnavailableError, TOPICS, type BatchHandler, type Bus, type BusHealth, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription, type Topic } from './bus.js';
import { JournalFile, JournalWriteError, readFrames, readJournalBytes } from './journal.js';

export interface InProcessBusOptions {
  /** Publishing waits while this many messages are unconsumed ... */
  highWaterMark?: number;
  /** ... and gives up (BusUnavailableError → 503) after this long. */
  publishTimeoutMs?: number;
  /**
   * Directory of the journal: every published record is written there, framed and checksummed,
   * and synced before `publish` resolves, and forgotten once committed, so a crash of the process
   * never loses an acknowledged delivery (records not yet in the warehouse are read back at the
   * next start). Unset: memory only.
   */
  journalDir?: string;
  /** Group commit: the longest a publish waits for others to share its fdatasync (default 2 ms). */
  groupCommitMs?: number;
  /** Rewrite the journal with only the uncommitted records once it holds this many bytes (default 64 MiB). */
  compactBytes?: number;
  /** Delivery keys remembered across restarts (the idempotency window, default 100,000). */
  rememberDeliveries?: number;
}

/** One record as journaled (the frame's payload holds the records of one `publish`). */
const JournalRecord = z.object({
  topic: z.enum(TOPICS),
  offset: z.number().int().nonnegative(),
  key: z.string().nullable(),
  value: z.string(),
  headers: z.record(z.string(), z.string()),
});
type JournalRecord = z.infer<typeof JournalRecord>;
const JournalFrame = z.object({ records: z.array(JournalRecord) });
const DeliveryKeysFrame = z.object({ keys: z.array(z.string()) });
const CommittedOffsets = z.record(z.string(), z.number().int().nonnegative());

/** What the start-up read of the journal found. */
export interface JournalRecovery {
  /** Uncommitted records delivered again. */
  records: number;
  /** Bytes that were not a complete, intact frame (a torn or corrupt tail), and in how many places. */
  skippedBytes: number;
  skippedRegions: number;
  /** Intact frames whose content was not a journal record. */
  unreadableFrames: number;
  /** Records read from a journal of the earlier line-per-record format (journal.ndjson). */
  legacyRecords: number;
  /** Delivery keys remembered from earlier process lives. */
  deliveryKeys: number;
}

const JOURNAL = 'journal.pvj';
const LEGACY_JOURNAL = 'journal.ndjson';
const DELIVERY_KEYS = 'deliveries.pvj';

function messageOf(record: JournalRecord): BusMessage {
  return { topic: record.topic, partition: 0, offset: String(record.offset), key: record.key, value: record.value, headers: record.headers };
}

function framePayload(messages: BusMessage[]): Buffer {
  return Buffer.from(JSON.stringify({ records: messages.map((m) => ({ topic: m.topic, offset: Number(m.offset), key: m.key, value: m.value, headers: m.headers })) }));
}

function parseFrame<S extends z.ZodType>(schema: S, payload: Buffer): z.infer<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(payload.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The embedded `paved start` bus: one process, one consumer group, offsets per topic.
 * Same contract as the Kafka bus (batches, commit after the handler succeeded, retry on failure).
 *
 * With a journal directory it also remembers the keys of the `raw` records it accepted (the
 * deliveries, `<source>:<delivery id>`) across restarts, for `hasDelivery`: the journal holds the
 * keys of what it holds, and before the journal is emptied their keys go to an append-only key
 * log (deliveries.pvj) that is read back at start-up.
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
  private journal: JournalFile | null = null;
  private keyLog: JournalFile | null = null;
  private keyLogEntries = 0;
  private readonly committed = new Map<Topic, number>(TOPICS.map((topic) => [topic, 0]));
  /** Delivery keys accepted (bounded, oldest forgotten first), and those not yet in the key log. */
  private readonly deliveries = new Map<string, true>();
  private journalKeys: string[] = [];
  private compacting = false;
  private readonly rememberDeliveries: number;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? 200_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.rememberDeliveries = options.rememberDeliveries ?? 100_000;
    if (options.journalDir) this.recoverJournal(options.journalDir);
  }

  /** Records that were published but not committed before the last stop; they are delivered again. */
  recovered = 0;
  /** What the start-up read of the journal found (null without a journal). */
  recovery: JournalRecovery | null = null;

  /** fdatasync calls of the journal so far (each covers a group of publishes). */
  get journalSyncs(): number {
    return this.journal?.syncs ?? 0;
  }

  /** A delivery (`<source>:<delivery id>`) this bus accepted before, in this process life or an earlier one. */
  hasDelivery(key: string): boolean {
    return this.deliveries.has(key);
  }

  private rememberDelivery(key: string): void {
    this.deliveries.delete(key);
    this.deliveries.set(key, true);
    if (this.deliveries.size > this.rememberDeliveries) this.deliveries.delete(this.deliveries.keys().next().value!);
  }

  private recoverJournal(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const recovery: JournalRecovery = { records: 0, skippedBytes: 0, skippedRegions: 0, unreadableFrames: 0, legacyRecords: 0, deliveryKeys: 0 };
    const offsetsFile = join(dir, 'committed.json');
    if (existsSync(offsetsFile)) {
      let saved: Record<string, number> = {};
      try {
        saved = CommittedOffsets.parse(JSON.parse(readFileSync(offsetsFile, 'utf8')));
      } catch {
        // Unreadable offsets: everything in the journal is delivered again (the warehouse tables are idempotent).
      }
      for (const topic of TOPICS) this.committed.set(topic, saved[topic] ?? 0);
    }
    for (const topic of TOPICS) this.nextOffset.set(topic, this.committed.get(topic) ?? 0);

    // The key log first: older keys first, so the bounded map forgets the oldest.
    const keyBytes = readJournalBytes(join(dir, DELIVERY_KEYS));
    const keyFrames = readFrames(keyBytes);
    for (const payload of keyFrames.payloads) {
      const frame = parseFrame(DeliveryKeysFrame, payload);
      if (!frame) continue;
      for (const key of frame.keys) this.rememberDelivery(key);
      this.keyLogEntries += frame.keys.length;
    }
    this.keyLog = new JournalFile(join(dir, DELIVERY_KEYS), keyFrames.end, { groupCommitMs: 0 });

    const accept = (record: JournalRecord) => {
      if (record.topic === 'raw' && record.key !== null) {
        this.rememberDelivery(record.key);
        this.journalKeys.push(record.key);
      }
      // Committed already, or read already (a record both in an old-format journal and carried over).
      if (record.offset < (this.nextOffset.get(record.topic) ?? 0)) return;
      this.logs.get(record.topic)!.push(messageOf(record));
      this.nextOffset.set(record.topic, Math.max(this.nextOffset.get(record.topic) ?? 0, record.offset + 1));
      recovery.records += 1;
    };

    // A journal of the earlier format (one JSON line per record) is read once and drained; its
    // records are older than any framed one, so they are taken first.
    const legacy = join(dir, LEGACY_JOURNAL);
    const legacyRecords: JournalRecord[] = [];
    if (existsSync(legacy)) {
      for (const line of readFileSync(legacy, 'utf8').split('\n')) {
        if (!line) continue;
        const record = parseFrame(JournalRecord, Buffer.from(line));
        if (record) legacyRecords.push(record);
      }
    }
    const pendingLegacy = legacyRecords.filter((r) => r.offset >= (this.committed.get(r.topic) ?? 0));
    for (const record of legacyRecords) accept(record);

    const bytes = readJournalBytes(join(dir, JOURNAL));
    const frames = readFrames(bytes);
    recovery.skippedBytes = frames.skippedBytes;
    recovery.skippedRegions = frames.skippedRegions;
    for (const payload of frames.payloads) {
      const frame = parseFrame(JournalFrame, payload);
      if (!frame) {
        recovery.unreadableFrames += 1;
        continue;
      }
      for (const record of frame.records) accept(record);
    }
    this.journal = new JournalFile(join(dir, JOURNAL), frames.end, { groupCommitMs: this.options.groupCommitMs });

    if (legacyRecords.length) {
      recovery.legacyRecords = legacyRecords.length;
      try {
        // Carried over into the framed journal (synced) before the old file goes; on a full disk
        // both stay and the next start reads them again (offsets already committed are skipped).
        if (pendingLegacy.length) this.journal.replaceWith(this.allPending().map((m) => framePayload([m])));
        unlinkSync(legacy);
      } catch {
        // kept for the next start
      }
    }
    recovery.deliveryKeys = this.deliveries.size;
    this.recovery = recovery;
    this.recovered = recovery.records;
  }

  private allPending(): BusMessage[] {
    const all: BusMessage[] = [];
    for (const log of this.logs.values()) all.push(...log);
    return all;
  }

  /** Offsets the sink committed; losing this file only means records are delivered again (at least once). */
  private saveCommitted(): void {
    const dir = this.options.journalDir;
    if (!dir) return;
    const temp = join(dir, 'committed.json.tmp');
    try {
      writeFileSync(temp, JSON.stringify(Object.fromEntries(this.committed)));
      renameSync(temp, join(dir, 'committed.json'));
    } catch {
      // A full disk: the offsets stay in memory and are written at the next commit.
    }
    void this.compact();
  }

  /**
   * Keeps the journal small: emptied once everything in it is committed, rewritten with only the
   * uncommitted records past `compactBytes`. The delivery keys it held go to the key log first.
   */
  private async compact(): Promise<void> {
    const journal = this.journal;
    if (!journal || this.compacting || this.closed || !journal.idle || journal.size === 0) return;
    const drained = this.pending() === 0;
    if (!drained && journal.size < (this.options.compactBytes ?? 64 * 1024 * 1024)) return;
    this.compacting = true;
    try {
      const keys = this.journalKeys.length;
      let keysSaved = keys === 0;
      try {
        if (keys > 0) await this.persistKeys(this.journalKeys.slice(0, keys));
        keysSaved = true;
      } catch {
        // A full disk: freeing the journal's space matters more. The keys stay in memory (and the
        // sink drops later copies of stored deliveries anyway) and are saved at a later compaction.
      }
      // Records published meanwhile are in the journal only: look again before cutting it.
      if (!journal.idle || this.closed) return;
      if (this.pending() === 0) journal.truncate();
      else if (drained) return;
      else journal.replaceWith(this.allPending().map((m) => framePayload([m])));
      if (keysSaved) this.journalKeys = this.journalKeys.slice(keys);
    } catch {
      // A full disk: the journal keeps everything and compaction is tried again at the next commit.
    } finally {
      this.compacting = false;
    }
  }

  private async persistKeys(keys: string[]): Promise<void> {
    const keyLog = this.keyLog;
    if (!keyLog) return;
    await keyLog.append(Buffer.from(JSON.stringify({ keys })));
    this.keyLogEntries += keys.length;
    // The key log is rewritten with only the remembered keys when it holds twice as many.
    if (this.keyLogEntries > 2 * this.rememberDeliveries && keyLog.idle) {
      keyLog.replaceWith([Buffer.from(JSON.stringify({ keys: [...this.deliveries.keys()] }))]);
      this.keyLogEntries = this.deliveries.size;
    }
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
    if (this.journal) {
      // Durable before acknowledging: a crashed process reads it back at the next start.
      try {
        await this.journal.append(framePayload(messages));
      } catch (error) {
        if (error instanceof JournalWriteError) throw new BusUnavailableError(`${error.message}; deliveries are refused (503) until it can be written again`, { cause: error });
        throw error;
      }
      for (const message of messages) {
        if (message.topic !== 'raw' || message.key === null) continue;
        this.rememberDelivery(message.key);
        this.journalKeys.push(message.key);
      }
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

  /**
   * Degraded while the journal cannot be written (full or read-only disk, I/O errors), with the
   * reason; a small probe write tells when space is back even if no delivery arrives meanwhile.
   */
  async health(): Promise<BusHealth> {
    if (this.closed) return { ok: false, kind: 'in-process', detail: 'closed', lag: this.pending() };
    const failure = this.journal?.failure;
    if (failure && !this.probeJournalDir()) {
      return { ok: false, kind: 'in-process', detail: `degraded: ${failure.message}; webhooks answer 503 with Retry-After until it can be written again`, lag: this.pending() };
    }
    if (failure && this.journal) this.journal.failure = null;
    return { ok: true, kind: 'in-process', detail: `${this.pending()} message(s) waiting for the sink`, lag: this.pending() };
  }

  /** Can a frame of a typical delivery's size be written and synced in the journal directory now? */
  private probeJournalDir(): boolean {
    const dir = this.options.journalDir;
    if (!dir) return true;
    const probe = join(dir, 'probe.tmp');
    let fd: number | null = null;
    try {
      fd = openSync(probe, 'w');
      const block = Buffer.alloc(64 * 1024);
      if (writeSync(fd, block) !== block.length) return false;
      fsyncSync(fd);
      return true;
    } catch {
      return false;
    } finally {
      if (fd !== null) closeSync(fd);
      try {
        unlinkSync(probe);
      } catch {
        // already gone
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.journal?.close();
    this.journal = null;
    this.keyLog?.close();
    this.keyLog = null;
  }
}
