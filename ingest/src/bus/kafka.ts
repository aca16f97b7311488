import { Kafka, Partitioners, logLevel as LogLevel, type Admin, type Consumer, type EachBatchPayload, type IHeaders, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { BusUnavailableError, TOPICS, type BatchHandler, type Bus, type BusHealth, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription, type Topic } from './bus.js';

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Topics are `<prefix>.raw`, `<prefix>.events`, `<prefix>.dlq`. */
  topicPrefix?: string;
  /** Partitions of each topic when the bus creates it (existing topics are left as they are). */
  partitions?: number;
  clientId?: string;
  logLevel?: LogLevel;
  /** A publish that is not acknowledged within this long fails with BusUnavailableError (receivers answer 503). */
  publishTimeoutMs?: number;
  /** Group whose lag `health()` reports until `consume` is called. */
  lagGroupId?: string;
}

// The same Bus on @platformatic/kafka, selected with PAVED_KAFKA_CLIENT=platformatic (loaded with this module only when Kafka is used).
export { PlatformaticKafkaBus } from './platformatic.js';

/** Parses `KAFKA_BROKERS` ("host:port,host:port"); null when unset or empty (use the in-process bus). */
export function kafkaBrokersFromEnv(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const brokers = value.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0) return null;
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw new Error(`KAFKA_BROKERS: "${broker}" is not host:port (expected e.g. "127.0.0.1:9092,kafka-2:9092")`);
  }
  return brokers;
}

/** Kafka's per-partition record batch limit is 1 MiB by default: send in pieces well below it. */
const MAX_SEND_BYTES = 512 * 1024;
const HEALTH_TIMEOUT_MS = 2_000;
/**
 * Consumer fetch sizes. kafkajs' defaults (1 MiB per partition, 10 MiB per fetch) hand the sink
 * batches of ~1,200 events; larger fetches let it insert `maxBatchSize` rows at a time, and
 * ClickHouse wants few large inserts (measured with `pnpm bench:stream`).
 */
const FETCH_MAX_BYTES_PER_PARTITION = 8 * 1024 * 1024;
const FETCH_MAX_BYTES = 32 * 1024 * 1024;

interface PendingPublish {
  records: BusRecord[];
  settled: boolean;
  /** Resolves (no error) or rejects the caller's promise, once. */
  settle(error?: unknown): void;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== error.message ? `${error.name}: ${error.message} (${cause.message})` : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function isTopicAlreadyExists(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { type, errors } = error as { type?: unknown; errors?: unknown };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isTopicAlreadyExists);
}

async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return typeof last === 'string' ? last : last.toString('utf8');
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return headers;
}

function recordBytes(record: BusRecord): number {
  let bytes = Buffer.byteLength(record.value) + (record.key === null ? 0 : Buffer.byteLength(record.key)) + 64;
  for (const [name, value] of Object.entries(record.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Records in consecutive pieces of at most MAX_SEND_BYTES (one piece for a record larger than that). */
export function inPieces(records: BusRecord[]): BusRecord[][] {
  const pieces: BusRecord[][] = [];
  let piece: BusRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (piece.length > 0 && bytes + size > MAX_SEND_BYTES) {
      pieces.push(piece);
      piece = [];
      bytes = 0;
    }
    piece.push(record);
    bytes += size;
  }
  if (piece.length > 0) pieces.push(piece);
  return pieces;
}

/**
 * The production bus: an idempotent producer (acks=all) and one consumer group per `consume`,
 * committing a batch's offsets only after its handler succeeded (at-least-once).
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly brokers: string[];
  private readonly topicNames: Record<Topic, string>;
  private readonly topicOfName: Map<string, Topic>;
  private readonly partitions: number;
  private readonly publishTimeoutMs: number;
  /** Producer and admin fail fast: a receiver must answer 503 within a second or two when Kafka is down. */
  private readonly fastClient: Kafka;
  /** Consumers ride out broker restarts with kafkajs' ordinary retries. */
  private readonly steadyClient: Kafka;
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private topicsReady: Promise<void> | null = null;
  private readonly queue: PendingPublish[] = [];
  private flushing = false;
  private readonly subscriptions = new Set<Subscription>();
  private lagGroupId: string;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaBus needs at least one broker');
    this.brokers = options.brokers;
    const prefix = options.topicPrefix ?? 'paved';
    this.topicNames = { raw: `${prefix}.raw`, events: `${prefix}.events`, dlq: `${prefix}.dlq` };
    this.topicOfName = new Map(TOPICS.map((topic) => [this.topicNames[topic], topic]));
    this.partitions = options.partitions ?? 6;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2_000;
    this.lagGroupId = options.lagGroupId ?? 'paved-sink';
    const clientId = options.clientId ?? 'paved';
    const logLevel = options.logLevel ?? LogLevel.WARN;
    this.fastClient = new Kafka({
      brokers: this.brokers, clientId, logLevel,
      connectionTimeout: 1_000, requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_500 },
    });
    this.steadyClient = new Kafka({ brokers: this.brokers, clientId, logLevel, connectionTimeout: 3_000, requestTimeout: 30_000 });
  }

  private where(): string {
    return `Kafka at ${this.brokers.join(',')}`;
  }

  async publish(records: BusRecord[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('the Kafka bus is closed');
    if (records.length === 0) return;
    return new Promise<void>((resolve, reject) => {
      // The deadline runs from the call, not from the send: a caller queued behind a hung send still gets its 503 in time.
      const timer = setTimeout(() => entry.settle(new BusUnavailableError(`${this.where()} did not acknowledge the publish within ${this.publishTimeoutMs} ms`)), this.publishTimeoutMs);
      const entry: PendingPublish = {
        records,
        settled: false,
        settle: (error?: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          clearTimeout(timer);
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      this.queue.push(entry);
      void this.flush();
    });
  }

  /**
   * Sends queued publishes one `sendBatch` at a time: the idempotent producer assigns sequence
   * numbers per request, and concurrent sends to one partition would race on them.
   */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const pending = this.queue.splice(0).filter((p) => !p.settled);
        if (pending.length === 0) continue;
        try {
          await withDeadline(this.send(pending.flatMap((p) => p.records)), this.publishTimeoutMs, 'publishing');
          for (const p of pending) p.settle();
        } catch (error) {
          // A producer that failed may be stuck on a dead connection or a stale producer id: start afresh next time.
          this.resetProducer();
          const unavailable = new BusUnavailableError(`${this.where()} did not accept the publish: ${describe(error)}`, { cause: error });
          for (const p of pending) p.settle(unavailable);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async send(records: BusRecord[]): Promise<void> {
    await this.ensureTopics();
    const producer = await this.connectedProducer();
    for (const piece of inPieces(records)) {
      const byTopic = new Map<string, Message[]>();
      for (const record of piece) {
        const name = this.topicNames[record.topic];
        const messages = byTopic.get(name) ?? [];
        messages.push({ key: record.key, value: record.value, headers: record.headers });
        byTopic.set(name, messages);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.fastClient.producer({
        idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_500 },
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => { if (this.producer === connecting) this.producer = null; });
      this.producer = connecting;
    }
    return this.producer;
  }

  private resetProducer(): void {
    const old = this.producer;
    this.producer = null;
    old?.then((p) => p.disconnect()).catch(() => {});
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.fastClient.admin();
      const connecting = admin.connect().then(() => admin);
      connecting.catch(() => { if (this.admin === connecting) this.admin = null; });
      this.admin = connecting;
    }
    return this.admin;
  }

  /** Creates the three topics once per bus; "already exists" is success, so buses can race. */
  private ensureTopics(): Promise<void> {
    if (!this.topicsReady) {
      const creating = (async () => {
        const admin = await this.connectedAdmin();
        try {
          await admin.createTopics({
            waitForLeaders: true,
            timeout: 10_000,
            topics: TOPICS.map((topic) => ({ topic: this.topicNames[topic], numPartitions: this.partitions })),
          });
        } catch (error) {
          if (!isTopicAlreadyExists(error)) throw error;
        }
      })();
      creating.catch(() => { if (this.topicsReady === creating) this.resetAdmin(); });
      this.topicsReady = creating;
    }
    return this.topicsReady;
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription> {
    if (this.closed) throw new BusUnavailableError('the Kafka bus is closed');
    try {
      await this.ensureTopics();
    } catch (error) {
      throw new BusUnavailableError(`${this.where()} is unavailable; cannot create or find the topics: ${describe(error)}`, { cause: error });
    }
    this.lagGroupId = options.groupId;
    const subscription = new KafkaSubscription(this.steadyClient, Object.values(this.topicNames), this.topicOfName, options, handler, () => this.subscriptions.delete(subscription));
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async health(): Promise<BusHealth> {
    try {
      const cluster = await withDeadline(this.connectedAdmin().then((admin) => admin.describeCluster()), HEALTH_TIMEOUT_MS, 'describeCluster');
      const lag = await withDeadline(this.lag(), HEALTH_TIMEOUT_MS, 'lag').catch(() => null);
      return { ok: true, kind: 'kafka', detail: `cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s) at ${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(',')}`, lag };
    } catch (error) {
      this.resetAdmin();
      return { ok: false, kind: 'kafka', detail: `${this.where()} is unavailable: ${describe(error)}`, lag: null };
    }
  }

  /** Published but not yet committed by the lag group, over every partition of the three topics. */
  private async lag(): Promise<number> {
    const admin = await this.connectedAdmin();
    const names = Object.values(this.topicNames);
    const committed = await admin.fetchOffsets({ groupId: this.lagGroupId, topics: names });
    let total = 0n;
    for (const name of names) {
      const ends = await admin.fetchTopicOffsets(name);
      const group = committed.find((t) => t.topic === name)?.partitions ?? [];
      for (const end of ends) {
        const offset = BigInt(group.find((p) => p.partition === end.partition)?.offset ?? '-1');
        const from = offset >= 0n ? offset : BigInt(end.low);
        if (BigInt(end.high) > from) total += BigInt(end.high) - from;
      }
    }
    return Number(total);
  }

  private resetAdmin(): void {
    const old = this.admin;
    this.admin = null;
    this.topicsReady = null;
    old?.then((a) => a.disconnect()).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    const closing = new BusUnavailableError('the Kafka bus is closed');
    for (const p of this.queue.splice(0)) p.settle(closing);
    await Promise.allSettled([this.producer?.then((p) => p.disconnect()), this.admin?.then((a) => a.disconnect())]);
    this.producer = null;
    this.admin = null;
  }
}

/** One consumer group member; re-created if kafkajs gives up on a consumer without restarting it. */
class KafkaSubscription implements Subscription {
  private consumer: Consumer | null = null;
  private stopped = false;
  private paused = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: Kafka,
    private readonly topicNames: string[],
    private readonly topicOfName: Map<string, Topic>,
    private readonly options: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly onStopped: () => void,
  ) {}

  async start(): Promise<void> {
    const consumer = this.client.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: this.options.maxBatchWaitMs,
      maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: async () => !this.stopped },
    });
    this.consumer = consumer;
    // A restarted consumer is a new group member: keep it paused if we were.
    consumer.on(consumer.events.GROUP_JOIN, () => { if (this.paused) consumer.pause(this.topicNames.map((topic) => ({ topic }))); });
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopped || this.consumer !== consumer) return;
      // kafkajs does not restart after a non-retriable crash; the sink must not silently stop.
      this.scheduleRestart();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topicNames, fromBeginning: true });
      await consumer.run({
        autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: Math.max(1, this.options.concurrentPartitions ?? 1),
        eachBatch: (payload) => this.eachBatch(payload),
      });
      // A restart that raced with stop() must not leave a member behind.
      if (this.stopped) await consumer.disconnect();
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw new BusUnavailableError(`cannot join consumer group ${this.options.groupId}: ${describe(error)}`, { cause: error });
    }
  }

  private scheduleRestart(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) this.start().catch(() => this.scheduleRestart());
    }, 2_000);
  }

  private async eachBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const topic = this.topicOfName.get(batch.topic);
    if (!topic) throw new Error(`message from unexpected topic ${batch.topic}`);
    const { partition } = batch;
    for (let start = 0; start < batch.messages.length; start += this.options.maxBatchSize) {
      // Stop between chunks: what is left is redelivered to whoever holds the partition next.
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + this.options.maxBatchSize);
      const messages: BusMessage[] = chunk.map((m) => ({
        topic, partition, offset: m.offset,
        key: m.key === null ? null : m.key.toString('utf8'),
        value: m.value === null ? '' : m.value.toString('utf8'),
        headers: headersOf(m),
      }));
      // A throw leaves the chunk unresolved: kafkajs fetches again from the last committed offset.
      await this.handler(messages, { heartbeat });
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }] });
      await heartbeat();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // kafkajs lets the batch in hand finish (and commit) before it leaves the group.
    await this.consumer?.disconnect();
    this.onStopped();
  }

  pause(): void {
    this.paused = true;
    try {
      this.consumer?.pause(this.topicNames.map((topic) => ({ topic })));
    } catch {
      // Between a crash and its restart there is no group to pause; GROUP_JOIN pauses the new one.
    }
  }

  resume(): void {
    this.paused = false;
    try {
      this.consumer?.resume(this.topicNames.map((topic) => ({ topic })));
    } catch {
      // Not running right now; the restarted consumer starts unpaused.
    }
  }
}
