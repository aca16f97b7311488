import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { BusUnavailableError, TOPICS, type BatchHandler, type Bus, type BusHealth, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription, type Topic } from './bus.js';
import { inPieces, type KafkaBusOptions } from './kafka.js';

/**
 * The Bus on @platformatic/kafka instead of kafkajs (which has had no release since February 2023):
 * the same contract and topics, kept beside KafkaBus for the comparison in docs/operations.md
 * ("Kafka client"). Selected with PAVED_KAFKA_CLIENT=platformatic.
 */
type StringMessage = Message<string, string, string, string>;

const HEALTH_TIMEOUT_MS = 2_000;
const FETCH_MAX_BYTES_PER_PARTITION = 8 * 1024 * 1024;
const FETCH_MAX_BYTES = 32 * 1024 * 1024;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const nested = (error as { errors?: unknown[] }).errors;
    const first = Array.isArray(nested) && nested[0] instanceof Error ? ` (${nested[0].message})` : '';
    return `${error.name}: ${error.message}${first}`;
  }
  return String(error);
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

/** "Topic already exists" (Kafka error 36), however deep the client nests it. */
function isTopicAlreadyExists(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { apiCode, apiId, errors, message } = error as { apiCode?: unknown; apiId?: unknown; errors?: unknown; message?: unknown };
  if (apiCode === 36 || apiId === 'TOPIC_ALREADY_EXISTS') return true;
  if (typeof message === 'string' && /already exists/i.test(message) && !Array.isArray(errors)) return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isTopicAlreadyExists);
}

export class PlatformaticKafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly brokers: string[];
  private readonly clientId: string;
  private readonly topicNames: Record<Topic, string>;
  private readonly topicOfName: Map<string, Topic>;
  private readonly partitions: number;
  private readonly publishTimeoutMs: number;
  private producer: Producer<string, string, string, string> | null = null;
  private admin: Admin | null = null;
  private topicsReady: Promise<void> | null = null;
  /** Sends one at a time: the idempotent producer numbers its batches per partition. */
  private sending: Promise<unknown> = Promise.resolve();
  private readonly subscriptions = new Set<PlatformaticSubscription>();
  private lagGroupId: string;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new Error('PlatformaticKafkaBus needs at least one broker');
    this.brokers = options.brokers;
    this.clientId = options.clientId ?? 'paved';
    const prefix = options.topicPrefix ?? 'paved';
    this.topicNames = { raw: `${prefix}.raw`, events: `${prefix}.events`, dlq: `${prefix}.dlq` };
    this.topicOfName = new Map(TOPICS.map((topic) => [this.topicNames[topic], topic]));
    this.partitions = options.partitions ?? 6;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2_000;
    this.lagGroupId = options.lagGroupId ?? 'paved-sink';
  }

  private where(): string {
    return `Kafka at ${this.brokers.join(',')}`;
  }

  private adminClient(): Admin {
    this.admin ??= new Admin({ clientId: this.clientId, bootstrapBrokers: this.brokers, timeout: 2_000, retries: 1, retryDelay: 100 });
    return this.admin;
  }

  private producerClient(): Producer<string, string, string, string> {
    this.producer ??= new Producer({
      clientId: this.clientId, bootstrapBrokers: this.brokers, serializers: stringSerializers,
      idempotent: true, acks: -1, autocreateTopics: false, timeout: 1_500, retries: 2, retryDelay: 100,
    });
    return this.producer;
  }

  private resetProducer(): void {
    const old = this.producer;
    this.producer = null;
    old?.close().catch(() => {});
  }

  private resetAdmin(): void {
    const old = this.admin;
    this.admin = null;
    this.topicsReady = null;
    old?.close().catch(() => {});
  }

  private ensureTopics(): Promise<void> {
    if (!this.topicsReady) {
      const creating = (async () => {
        const admin = this.adminClient();
        const existing = new Set(await admin.listTopics());
        const missing = TOPICS.map((topic) => this.topicNames[topic]).filter((name) => !existing.has(name));
        if (missing.length === 0) return;
        try {
          await admin.createTopics({ topics: missing, partitions: this.partitions, replicas: 1 });
        } catch (error) {
          if (!isTopicAlreadyExists(error)) throw error;
        }
      })();
      creating.catch(() => { if (this.topicsReady === creating) this.resetAdmin(); });
      this.topicsReady = creating;
    }
    return this.topicsReady;
  }

  async publish(records: BusRecord[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('the Kafka bus is closed');
    if (records.length === 0) return;
    // The deadline runs from the call: a caller queued behind a hung send still gets its 503 in time.
    const send = this.sending.catch(() => {}).then(async () => {
      await this.ensureTopics();
      // Kafka's per-partition batch limit is 1 MiB by default: send in pieces well below it, as KafkaBus does.
      for (const piece of inPieces(records)) {
        const messages = piece.map((record) => ({ topic: this.topicNames[record.topic], key: record.key ?? undefined, value: record.value, headers: record.headers }));
        await this.producerClient().send({ messages });
      }
    });
    this.sending = send;
    try {
      await withDeadline(send, this.publishTimeoutMs, 'publishing');
    } catch (error) {
      this.resetProducer();
      throw new BusUnavailableError(`${this.where()} did not accept the publish: ${describe(error)}`, { cause: error });
    }
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription> {
    if (this.closed) throw new BusUnavailableError('the Kafka bus is closed');
    try {
      await this.ensureTopics();
    } catch (error) {
      throw new BusUnavailableError(`${this.where()} is unavailable; cannot create or find the topics: ${describe(error)}`, { cause: error });
    }
    this.lagGroupId = options.groupId;
    const subscription = new PlatformaticSubscription(this.brokers, this.clientId, this.topicOfName, options, handler, () => this.subscriptions.delete(subscription));
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async health(): Promise<BusHealth> {
    try {
      const metadata = await withDeadline(this.adminClient().metadata({ topics: [] }), HEALTH_TIMEOUT_MS, 'metadata');
      const lag = await withDeadline(this.lag(), HEALTH_TIMEOUT_MS, 'lag').catch(() => null);
      const brokers = [...metadata.brokers.values()].map((b) => `${b.host}:${b.port}`).join(',');
      return { ok: true, kind: 'kafka', detail: `cluster ${metadata.id}: ${metadata.brokers.size} broker(s) at ${brokers} (client @platformatic/kafka)`, lag };
    } catch (error) {
      this.resetAdmin();
      return { ok: false, kind: 'kafka', detail: `${this.where()} is unavailable: ${describe(error)}`, lag: null };
    }
  }

  /** Published but not yet committed by the lag group, over every partition of the three topics. */
  private async lag(): Promise<number> {
    const admin = this.adminClient();
    const names = Object.values(this.topicNames);
    const metadata = await admin.metadata({ topics: names });
    const request = names.map((name) => ({ name, partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }));
    const [ends, groups] = await Promise.all([admin.listOffsets({ topics: request }), admin.listConsumerGroupOffsets({ groups: [this.lagGroupId] })]);
    const committed = new Map<string, bigint>();
    for (const topic of groups[0]?.topics ?? []) for (const p of topic.partitions) committed.set(`${topic.name}:${p.partitionIndex}`, p.committedOffset);
    let total = 0n;
    for (const topic of ends) {
      for (const p of topic.partitions) {
        const from = committed.get(`${topic.name}:${p.partitionIndex}`) ?? -1n;
        const start = from >= 0n ? from : 0n;
        if (p.offset > start) total += p.offset - start;
      }
    }
    return Number(total);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await Promise.allSettled([this.producer?.close(), this.admin?.close()]);
    this.producer = null;
    this.admin = null;
  }
}

/** One group member: buffers a partition's messages into batches, hands them over one at a time, commits after. */
class PlatformaticSubscription implements Subscription {
  private consumer: Consumer<string, string, string, string> | null = null;
  private stream: MessagesStream<string, string, string, string> | null = null;
  private readonly buffers = new Map<string, StringMessage[]>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  private paused = false;

  constructor(
    private readonly brokers: string[],
    private readonly clientId: string,
    private readonly topicOfName: Map<string, Topic>,
    private readonly options: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly onStopped: () => void,
  ) {}

  async start(): Promise<void> {
    const consumer = new Consumer({
      clientId: this.clientId, bootstrapBrokers: this.brokers, groupId: this.options.groupId,
      deserializers: stringDeserializers, autocommit: false,
      maxWaitTime: this.options.maxBatchWaitMs, maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION, maxBytes: FETCH_MAX_BYTES,
      sessionTimeout: 30_000, heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    try {
      const stream = await consumer.consume({ topics: [...this.topicOfName.keys()], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
      this.stream = stream;
      stream.on('data', (message: StringMessage) => this.receive(message));
      stream.on('error', () => {
        // The client retries connections itself; a stream that ends is re-created below.
      });
      stream.on('close', () => { if (!this.stopped) setTimeout(() => { if (!this.stopped) void this.start().catch(() => {}); }, 2_000); });
    } catch (error) {
      await consumer.close().catch(() => {});
      throw new BusUnavailableError(`cannot join consumer group ${this.options.groupId}: ${describe(error)}`, { cause: error });
    }
  }

  private receive(message: StringMessage): void {
    const key = `${message.topic}:${message.partition}`;
    const buffer = this.buffers.get(key) ?? [];
    buffer.push(message);
    this.buffers.set(key, buffer);
    if (buffer.length >= this.options.maxBatchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.maxBatchWaitMs);
  }

  /** Hands every buffered partition batch to the handler (retrying a batch that throws), then commits it. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stream?.pause();
    this.flushing = (async () => {
      try {
        while (this.buffers.size > 0 && !this.stopped) {
          const [key, all] = this.buffers.entries().next().value as [string, StringMessage[]];
          const batch = all.splice(0, this.options.maxBatchSize);
          if (all.length === 0) this.buffers.delete(key);
          await this.deliver(batch);
        }
      } finally {
        this.flushing = null;
        if (!this.paused && !this.stopped) this.stream?.resume();
      }
    })();
    return this.flushing;
  }

  private async deliver(batch: StringMessage[]): Promise<void> {
    const first = batch[0]!;
    const topic = this.topicOfName.get(first.topic);
    if (!topic) throw new Error(`message from unexpected topic ${first.topic}`);
    const messages: BusMessage[] = batch.map((m) => ({
      topic, partition: m.partition, offset: m.offset.toString(), key: m.key === undefined || m.key === null || m.key === '' ? null : m.key,
      value: m.value ?? '', headers: Object.fromEntries(m.headers ?? new Map()),
    }));
    // A throw means "retry the batch" (the contract kafkajs' redelivery gives): the same messages again, backing off.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.handler(messages, { heartbeat: async () => {} });
        break;
      } catch {
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
    try {
      await batch[batch.length - 1]!.commit();
    } catch {
      // The partition moved to another member meanwhile: it reads from the last commit (at least once).
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // The batch in hand finishes and commits before the member leaves.
    await this.flushing?.catch(() => {});
    await this.stream?.close().catch(() => {});
    await this.consumer?.close().catch(() => {});
    this.onStopped();
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    if (!this.flushing) this.stream?.resume();
  }
}
