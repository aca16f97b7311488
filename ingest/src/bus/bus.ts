import { entityKey, type CanonicalEvent } from '@paved/schemas';
import { z } from 'zod';

/** A message as read from the bus: still raw, so that a poison message can be dead-lettered as it was. */
/** Logical topics; the Kafka bus maps them to `<prefix>.raw`, `<prefix>.events`, `<prefix>.dlq`. */
export const TOPICS = ['raw', 'events', 'dlq'] as const;
export type Topic = (typeof TOPICS)[number];

/** A record to publish: `raw` = an archived source delivery, `events` = a canonical event, `dlq` = a dead letter. */
export interface BusRecord {
  topic: Topic;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface BusMessage {
  topic: Topic;
  partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** A dead-lettered message: the original key, value and headers plus why, where and when it failed. */
export const DeadLetter = z.object({
  key: z.string().nullable(),
  value: z.string(),
  headers: z.record(z.string(), z.string()),
  reason: z.string(),
  /** Pipeline step that refused it: `verify`, `normalise`, `validate`, `insert`, ... */
  step: z.string(),
  failed_at: z.string(),
  source_topic: z.string().nullable(),
  source_partition: z.number().int().nullable(),
  source_offset: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export interface BatchHandlerContext {
  /** Keeps a consumer group membership alive during long batches (no-op in process). */
  heartbeat(): Promise<void>;
}

/**
 * Handles one batch. It resolves only when every message was durably processed (inserted or
 * dead-lettered); the bus then commits the batch's offsets. Throwing means "retry the batch".
 */
export type BatchHandler = (messages: BusMessage[], context: BatchHandlerContext) => Promise<void>;

export interface ConsumeOptions {
  groupId: string;
  /** Flush a batch at this many messages ... */
  maxBatchSize: number;
  /** ... or when the oldest message waited this long. */
  maxBatchWaitMs: number;
  /** Hand over batches of this many partitions at once (Kafka); the handler may merge them. Default 1. */
  concurrentPartitions?: number;
}

export interface Subscription {
  /** Stops consuming after the batch in hand is processed and committed. */
  stop(): Promise<void>;
  /** Pauses fetching (e.g. while ClickHouse is down); messages stay on the bus. */
  pause(): void;
  resume(): void;
}

export interface BusHealth {
  ok: boolean;
  kind: 'in-process' | 'kafka';
  detail: string;
  /** Messages published but not yet committed by the sink's group. */
  lag: number | null;
}

export interface Bus {
  readonly kind: 'in-process' | 'kafka';
  /** Resolves once every record is durably accepted (acknowledged by Kafka in production); throws BusUnavailableError otherwise. */
  publish(records: BusRecord[]): Promise<void>;
  /** Consumes every topic in one group; a batch holds messages of one topic and partition. */
  consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription>;
  health(): Promise<BusHealth>;
  close(): Promise<void>;
  /**
   * Whether a delivery (`<source>:<delivery id>`, the key of its `raw` record) was accepted before,
   * in this process life or an earlier one. Only a bus that keeps such a memory has it (the
   * in-process bus with a journal); elsewhere the sink drops later copies (see docs/operations.md).
   */
  hasDelivery?(key: string): boolean;
}

/**
 * Headers every record of a received delivery carries (`<source>:<delivery id>` and when it was
 * received), so the sink can drop a later copy of a delivery already stored, whatever its body.
 */
export const DELIVERY_HEADER = 'paved-delivery';
export const RECEIVED_AT_HEADER = 'paved-received-at';

/** Thrown by `publish` when the bus cannot take the events now: receivers answer 503 so senders retry. */
export class BusUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

/** Serialises a canonical event the same way on every bus. */
export function encodeEvent(event: CanonicalEvent): BusRecord {
  return {
    topic: 'events',
    // Keyed by entity so updates to one PR / deployment / incident stay ordered within a partition.
    key: entityKey(event),
    value: JSON.stringify(event),
    headers: { 'paved-event-id': event.id, 'paved-type': event.type, 'paved-source': event.source, 'paved-schema': String(event.schema_version) },
  };
}

/** A source delivery as archived (the `raw` topic's value). */
export const RawDeliveryRecord = z.object({
  source: z.string(),
  delivery_id: z.string().min(1),
  event: z.string(),
  received_at: z.string(),
  /** The body exactly as received (text), so replays see the same bytes. */
  payload: z.string(),
  outcome: z.enum(['ok', 'ignored', 'dlq']),
  reason: z.string(),
});
export type RawDeliveryRecord = z.infer<typeof RawDeliveryRecord>;

export function encodeRaw(raw: RawDeliveryRecord): BusRecord {
  return { topic: 'raw', key: `${raw.source}:${raw.delivery_id}`, value: JSON.stringify(raw), headers: { 'paved-source': raw.source, 'paved-event': raw.event } };
}

export function encodeDeadLetter(letter: DeadLetter): BusRecord {
  return { topic: 'dlq', key: letter.key, value: JSON.stringify(letter), headers: { 'paved-step': letter.step } };
}
