import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, type BusMessage, DELIVERY_HEADER, DeadLetter, encodeDeadLetter, RawDeliveryRecord, RECEIVED_AT_HEADER, type Subscription } from '@paved/ingest';
import { CanonicalEvent } from '@paved/schemas';
import { z } from 'zod';
import { describeWarehouseError, isTransientWarehouseError, type Warehouse } from '@paved/warehouse';
import { BatchCoalescer } from './coalesce.js';
import { type Row, rowOfDeadLetter, rowOfRawDelivery, rowsOfEvent, type TableRows } from './rows.js';

/** Delivery ids asked about per query against a ClickHouse server (each id is up to ~100 bytes of URL). */
const SERVER_LOOKUP_SLICE = 100;

export interface SinkOptions {
  groupId?: string;
  maxBatchSize?: number;
  maxBatchWaitMs?: number;
  /** Kafka partitions whose batches are taken at once and inserted together (default 16). */
  concurrentPartitions?: number;
  log?: (entry: Record<string, unknown>) => void;
  /**
   * Called after a batch's rows are in the warehouse, with those rows (e.g. to schedule an
   * incremental transform of what they touched). Must not throw; it runs before the batch is committed.
   */
  onLanded?: (rows: TableRows) => void;
}

export interface SinkStats {
  batches: number;
  messages: number;
  rowsInserted: number;
  deadLettered: number;
  /** Records of a delivery dropped because an earlier copy of that delivery (same source and id) is stored. */
  laterCopiesDropped: number;
  lastInsertMs: number;
  insertMsTotal: number;
  warehouseDown: boolean;
  lastError: string | null;
  lastBatchAt: string | null;
}

type Outcome = { kind: 'ok'; rows: TableRows } | { kind: 'dlq'; letter: DeadLetter };

function deadLetterOf(message: BusMessage, step: string, reason: string): DeadLetter {
  return {
    key: message.key, value: message.value, headers: message.headers, reason, step, failed_at: new Date().toISOString(),
    source_topic: message.topic, source_partition: message.partition, source_offset: message.offset,
  };
}

function parseAs<S extends z.ZodType>(schema: S, message: BusMessage): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: `does not match the ${message.topic} contract: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
}

/** Turns one bus message into warehouse rows, or a dead letter saying why it cannot be. */
export function processMessage(message: BusMessage): Outcome {
  const rows: TableRows = new Map();
  if (message.topic === 'events') {
    const parsed = parseAs(CanonicalEvent, message);
    if (!parsed.ok) return { kind: 'dlq', letter: deadLetterOf(message, 'validate', parsed.reason) };
    rowsOfEvent(parsed.value, rows);
  } else if (message.topic === 'raw') {
    const parsed = parseAs(RawDeliveryRecord, message);
    if (!parsed.ok) return { kind: 'dlq', letter: deadLetterOf(message, 'validate', parsed.reason) };
    rows.set('raw_deliveries', [rowOfRawDelivery(parsed.value)]);
  } else {
    const parsed = parseAs(DeadLetter, message);
    // A dead letter that is itself malformed is kept as it is, never dropped.
    const letter = parsed.ok ? parsed.value : deadLetterOf(message, 'validate', parsed.reason);
    rows.set('dead_letters', [rowOfDeadLetter(letter, deadLetterId(letter, message))]);
  }
  return { kind: 'ok', rows };
}

export function deadLetterId(letter: DeadLetter, carrier?: BusMessage): string {
  if (letter.source_topic !== null) return `${letter.source_topic}:${letter.source_partition ?? 0}:${letter.source_offset ?? ''}`;
  return `${letter.step}:${letter.key ?? carrier?.offset ?? letter.failed_at}`;
}

function merge(into: TableRows, from: TableRows): void {
  for (const [table, rows] of from) {
    const list = into.get(table);
    if (list) for (const row of rows) list.push(row);
    else into.set(table, [...rows]);
  }
}

/**
 * The bus → ClickHouse sink. A batch is committed only after every message in it is inserted
 * or dead-lettered; while ClickHouse is unreachable it holds the batch (heartbeating) and
 * retries, so nothing is lost and consumption pauses by itself.
 */
export class Sink {
  readonly stats: SinkStats = { batches: 0, messages: 0, rowsInserted: 0, deadLettered: 0, laterCopiesDropped: 0, lastInsertMs: 0, insertMsTotal: 0, warehouseDown: false, lastError: null, lastBatchAt: null };
  private subscription: Subscription | null = null;
  private stopping = false;

  constructor(private readonly warehouse: Warehouse, private readonly bus: Bus, private readonly options: SinkOptions = {}) {}

  async start(): Promise<void> {
    const maxBatchSize = this.options.maxBatchSize ?? 5_000;
    const concurrentPartitions = this.options.concurrentPartitions ?? 16;
    // Concurrent per-partition batches are inserted together, up to a few batches' worth.
    const coalescer = new BatchCoalescer((messages, heartbeat) => this.handleBatch(messages, heartbeat), maxBatchSize * 4);
    const submit = concurrentPartitions > 1 ? coalescer.submit.bind(coalescer) : this.handleBatch.bind(this);
    this.subscription = await this.bus.consume(
      { groupId: this.options.groupId ?? 'paved-sink', maxBatchSize, maxBatchWaitMs: this.options.maxBatchWaitMs ?? 200, concurrentPartitions },
      (messages, context) => submit(messages, context.heartbeat),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.stop();
    this.subscription = null;
  }

  async handleBatch(messages: BusMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const rows: TableRows = new Map();
    const letters: DeadLetter[] = [];
    const later = await this.laterCopies(messages, heartbeat);
    for (const message of messages) {
      if (later.has(message)) continue;
      const outcome = processMessage(message);
      if (outcome.kind === 'ok') merge(rows, outcome.rows);
      else letters.push(outcome.letter);
    }
    if (letters.length) {
      await this.bus.publish(letters.map(encodeDeadLetter));
      for (const letter of letters) this.log({ level: 'warn', msg: 'event dead-lettered: see Data health', step: letter.step, reason: letter.reason, key: letter.key });
    }
    await this.insertAll(rows, messages, heartbeat);
    if (rows.size) this.options.onLanded?.(rows);
    this.stats.batches += 1;
    this.stats.messages += messages.length;
    this.stats.deadLettered += letters.length;
    this.stats.lastBatchAt = new Date().toISOString();
  }

  /**
   * Records of a delivery received after an earlier copy of it (same `<source>:<delivery id>`),
   * whether that copy is stored already or earlier in this batch: a redelivery changes nothing,
   * whatever its body, in any process life (the first copy received wins). Records without the
   * delivery headers (replays, catalog events) are never dropped.
   */
  private async laterCopies(messages: BusMessage[], heartbeat: () => Promise<void>): Promise<Set<BusMessage>> {
    const received = new Map<BusMessage, { key: string; ms: number }>();
    const earliest = new Map<string, number>();
    for (const message of messages) {
      const key = message.headers[DELIVERY_HEADER];
      const ms = Date.parse(message.headers[RECEIVED_AT_HEADER] ?? '');
      if (key === undefined || !Number.isFinite(ms) || key.indexOf(':') <= 0) continue;
      received.set(message, { key, ms });
      earliest.set(key, Math.min(earliest.get(key) ?? Infinity, ms));
    }
    const later = new Set<BusMessage>();
    if (received.size === 0) return later;
    const split = [...earliest.keys()].map((key) => [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)] as const);
    // Against a server, parameters travel in the URL: a batch that piled up during an outage
    // (hundreds of ids) would exceed what an HTTP server or a proxy takes in a request line, so ask
    // in slices. The embedded engine has no URL: one statement per batch (each costs milliseconds,
    // and parameterised statements take turns in the whole process).
    const sliceSize = this.warehouse.mode === 'server' ? SERVER_LOOKUP_SLICE : Math.max(1, split.length);
    const stored: { source: string; delivery_id: string; first_ms: number }[] = [];
    for (let at = 0; at < split.length; at += sliceSize) {
      const slice = split.slice(at, at + sliceSize);
      stored.push(...await this.readWithRetry(() => this.warehouse.query(
        `SELECT source, delivery_id, toUnixTimestamp64Milli(min(received_at)) AS first_ms FROM {{db}}.raw_deliveries
         WHERE source IN {sources:Array(String)} AND delivery_id IN {ids:Array(String)} GROUP BY source, delivery_id`,
        { sources: [...new Set(slice.map(([source]) => source))], ids: slice.map(([, id]) => id) },
        z.object({ source: z.string(), delivery_id: z.string(), first_ms: z.coerce.number() }),
      ), heartbeat));
    }
    for (const row of stored) {
      const key = `${row.source}:${row.delivery_id}`;
      if (earliest.has(key)) earliest.set(key, Math.min(earliest.get(key)!, row.first_ms));
    }
    for (const [message, { key, ms }] of received) if (ms > earliest.get(key)!) later.add(message);
    if (later.size) {
      this.stats.laterCopiesDropped += later.size;
      this.log({ msg: 'later copies of deliveries already received were dropped (a redelivery changes nothing)', records: later.size, example: received.get([...later][0]!)?.key });
    }
    return later;
  }

  /** A read the batch needs: held and retried while ClickHouse is unreachable, like an insert. */
  private async readWithRetry<T>(read: () => Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await read();
      } catch (error) {
        if (!isTransientWarehouseError(error) || (this.stopping && attempt > 50)) throw error;
        this.stats.lastError = describeWarehouseError(error);
        this.stats.warehouseDown = true;
        await heartbeat();
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  private async insertAll(rows: TableRows, messages: BusMessage[], heartbeat: () => Promise<void>): Promise<void> {
    for (const [table, tableRows] of rows) {
      await this.insertWithRetry(table, tableRows, messages, heartbeat);
    }
  }

  private async insertWithRetry(table: string, tableRows: Row[], messages: BusMessage[], heartbeat: () => Promise<void>): Promise<void> {
    let attempt = 0;
    for (;;) {
      const started = performance.now();
      try {
        await this.warehouse.insert(table, tableRows);
        this.stats.lastInsertMs = performance.now() - started;
        this.stats.insertMsTotal += this.stats.lastInsertMs;
        this.stats.rowsInserted += tableRows.length;
        if (this.stats.warehouseDown) this.log({ msg: 'warehouse is back; sink resumes', table });
        this.stats.warehouseDown = false;
        return;
      } catch (error) {
        this.stats.lastError = describeWarehouseError(error);
        if (!isTransientWarehouseError(error)) {
          await this.isolatePoisonRows(table, tableRows, messages, error);
          return;
        }
        if (!this.stats.warehouseDown) this.log({ level: 'warn', msg: 'warehouse unavailable; sink holds its batch and retries', table, error: this.stats.lastError });
        this.stats.warehouseDown = true;
        attempt += 1;
        await heartbeat();
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
        if (this.stopping && attempt > 50) throw new Error(`sink stopping while the warehouse is down: batch left uncommitted for redelivery (${this.stats.lastError})`);
      }
    }
  }

  /** A non-transient insert failure: insert row by row and dead-letter only the rows ClickHouse refuses. */
  private async isolatePoisonRows(table: string, tableRows: Row[], messages: BusMessage[], firstError: unknown): Promise<void> {
    this.log({ level: 'warn', msg: 'insert refused; isolating bad rows', table, error: describeWarehouseError(firstError) });
    const letters: DeadLetter[] = [];
    for (const row of tableRows) {
      try {
        await this.warehouse.insert(table, [row]);
        this.stats.rowsInserted += 1;
      } catch (error) {
        if (isTransientWarehouseError(error)) throw error;
        const carrier = messages.find((m) => row.event_id !== undefined && m.value.includes(String(row.event_id)));
        letters.push({
          key: carrier?.key ?? null, value: carrier?.value ?? JSON.stringify(row), headers: carrier?.headers ?? {}, reason: describeWarehouseError(error), step: `insert:${table}`,
          failed_at: new Date().toISOString(), source_topic: carrier?.topic ?? null, source_partition: carrier?.partition ?? null, source_offset: carrier?.offset ?? null,
        });
      }
    }
    if (letters.length) {
      this.stats.deadLettered += letters.length;
      for (const letter of letters) this.log({ level: table === 'dead_letters' ? 'error' : 'warn', msg: table === 'dead_letters' ? 'dead letter refused by the warehouse' : 'row dead-lettered: see Data health', step: letter.step, reason: letter.reason, key: letter.key });
      if (table === 'dead_letters') return; // never loop dead letters back onto the bus
      await this.bus.publish(letters.map(encodeDeadLetter));
    }
  }

  private log(entry: Record<string, unknown>): void {
    (this.options.log ?? ((e) => console.log(JSON.stringify({ level: 'info', component: 'sink', time: new Date().toISOString(), ...e }))))(entry);
  }
}
