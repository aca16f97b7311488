// Runs against a real broker: `bash scripts/kafka.sh start` (or the vitest global setup
// scripts/vitest-kafka-setup.ts), or the cluster named by KAFKA_BROKERS.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BusUnavailableError, type BatchHandler, type Bus, type BusMessage, type BusRecord, type ConsumeOptions, type Subscription } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { KafkaBus, kafkaBrokersFromEnv, type KafkaBusOptions } from '../src/bus/kafka.js';
import { PlatformaticKafkaBus } from '../src/bus/platformatic.js';

const brokers = kafkaBrokersFromEnv(process.env.KAFKA_BROKERS) ?? [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`];

const open: Bus[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((bus) => bus.close()));
});

const prefixes = new Set<string>();
afterAll(async () => {
  // Keep the developer's broker small: every test made three topics of its own.
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...prefixes].flatMap((p) => [`${p}.raw`, `${p}.events`, `${p}.dlq`]) });
  } finally {
    await admin.disconnect();
  }
});

/** The two Kafka clients behind the Bus interface: kafkajs (in use) and @platformatic/kafka (measured beside it). */
const CLIENTS = [
  { client: 'kafkajs', Impl: KafkaBus },
  { client: '@platformatic/kafka', Impl: PlatformaticKafkaBus },
] as const satisfies readonly { client: string; Impl: new (options: KafkaBusOptions) => Bus }[];
type Impl = (typeof CLIENTS)[number]['Impl'];

function kafkaBus(topicPrefix = `test-${randomUUID()}`, Impl: Impl = KafkaBus): Bus {
  prefixes.add(topicPrefix);
  const bus = new Impl({ brokers, topicPrefix, partitions: 3, clientId: 'paved-test', logLevel: logLevel.NOTHING });
  open.push(bus);
  return bus;
}

function inProcessBus(): InProcessBus {
  const bus = new InProcessBus();
  open.push(bus);
  return bus;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function options(groupId: string, overrides: Partial<ConsumeOptions> = {}): ConsumeOptions {
  return { groupId, maxBatchSize: 100, maxBatchWaitMs: 100, ...overrides };
}

/** Subscribes and keeps every message of every batch that the handler accepted. */
async function collect(bus: Bus, consumeOptions: ConsumeOptions, before?: BatchHandler): Promise<{ received: BusMessage[]; subscription: Subscription }> {
  const received: BusMessage[] = [];
  const subscription = await bus.consume(consumeOptions, async (messages, context) => {
    await before?.(messages, context);
    received.push(...messages);
  });
  return { received, subscription };
}

function events(count: number, keys: string[]): BusRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const key = keys[i % keys.length]!;
    return { topic: 'events' as const, key, value: `${key}:${i}`, headers: { seq: String(i) } };
  });
}

const values = (messages: BusMessage[]) => messages.map((m) => m.value);

describe('kafkaBrokersFromEnv', () => {
  it('reads a comma-separated host:port list and treats unset or empty as "no Kafka"', () => {
    expect(kafkaBrokersFromEnv('127.0.0.1:9092, kafka-2:19092')).toEqual(['127.0.0.1:9092', 'kafka-2:19092']);
    expect(kafkaBrokersFromEnv(undefined)).toBeNull();
    expect(kafkaBrokersFromEnv(' ')).toBeNull();
    expect(() => kafkaBrokersFromEnv('kafka')).toThrow(/host:port/);
  });
});

describe.each(CLIENTS)('Kafka bus on $client against a real broker', ({ Impl }) => {
  it('delivers every record in order per key and commits, so the group does not see them again', async () => {
    const bus = kafkaBus(undefined, Impl);
    const published = events(60, ['pr:1', 'pr:2', 'deploy:7', 'incident:3']);
    await bus.publish(published);
    const first = await collect(bus, options('sink', { maxBatchSize: 7 }));
    await waitFor(() => first.received.length >= 60, 'all 60 records');
    expect(first.received.every((m) => m.key !== null)).toBe(true);
    for (const key of ['pr:1', 'pr:2', 'deploy:7', 'incident:3']) {
      const seqs = first.received.filter((m) => m.key === key).map((m) => Number(m.headers.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(new Set(values(first.received)).size).toBe(60);
    await first.subscription.stop();

    await bus.publish([{ topic: 'events', key: 'pr:1', value: 'after-stop', headers: {} }]);
    const second = await collect(bus, options('sink'));
    await waitFor(() => second.received.length >= 1, 'the record published after stop');
    await sleep(300);
    expect(values(second.received)).toEqual(['after-stop']);
    await waitFor(async () => (await bus.health()).lag === 0, 'lag 0 for the group');
    await second.subscription.stop();
  });

  it('redelivers a batch whose handler threw and loses nothing', async () => {
    const bus = kafkaBus(undefined, Impl);
    await bus.publish(events(30, ['a', 'b', 'c']));
    let calls = 0;
    let failed: string[] = [];
    const run = await collect(bus, options('sink', { maxBatchSize: 5 }), async (messages) => {
      calls += 1;
      if (calls === 2) {
        failed = values(messages);
        throw new Error('warehouse down');
      }
    });
    await waitFor(() => new Set(values(run.received)).size === 30, 'all 30 records after the failure');
    expect(failed.length).toBeGreaterThan(0);
    expect(values(run.received)).toEqual(expect.arrayContaining(failed));
    await waitFor(async () => (await bus.health()).lag === 0, 'every offset committed');
    await run.subscription.stop();
  });

  it('rejects a publish with BusUnavailableError within 3 s when no broker listens', async () => {
    const bus = new Impl({ brokers: ['127.0.0.1:1'], topicPrefix: `test-${randomUUID()}`, logLevel: logLevel.NOTHING });
    open.push(bus);
    const started = Date.now();
    await expect(bus.publish(events(1, ['k']))).rejects.toBeInstanceOf(BusUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    const health = await bus.health();
    expect(health).toMatchObject({ ok: false, kind: 'kafka', lag: null });
  });

  it('creates its topics idempotently when two buses share a prefix', async () => {
    const prefix = `test-${randomUUID()}`;
    const a = kafkaBus(prefix, Impl);
    const b = kafkaBus(prefix, Impl);
    await Promise.all([a.publish([{ topic: 'raw', key: 'x', value: 'from-a', headers: {} }]), b.publish([{ topic: 'raw', key: 'y', value: 'from-b', headers: {} }])]);
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [`${prefix}.raw`, `${prefix}.events`, `${prefix}.dlq`] });
      expect(topics.map((t) => t.partitions.length)).toEqual([3, 3, 3]);
    } finally {
      await admin.disconnect();
    }
    const run = await collect(b, options('sink'));
    await waitFor(() => run.received.length >= 2, 'both records');
    expect(values(run.received).sort()).toEqual(['from-a', 'from-b']);
    await run.subscription.stop();
  });

  it('fetches nothing while paused and catches up after resume', async () => {
    const bus = kafkaBus(undefined, Impl);
    const run = await collect(bus, options('sink'));
    run.subscription.pause();
    await bus.publish(events(10, ['k']));
    await sleep(1_500);
    expect(run.received).toEqual([]);
    run.subscription.resume();
    await waitFor(() => run.received.length >= 10, 'the 10 records after resume');
    await run.subscription.stop();
  });

  it('reports the sink group lag in health()', async () => {
    const bus = kafkaBus(undefined, Impl);
    await bus.publish(events(5, ['k']));
    const health = await bus.health();
    expect(health).toMatchObject({ ok: true, kind: 'kafka', lag: 5 });
  });
});

describe.each([
  { name: 'InProcessBus', make: (): Bus => inProcessBus() },
  { name: 'KafkaBus (kafkajs)', make: (): Bus => kafkaBus() },
  { name: 'PlatformaticKafkaBus', make: (): Bus => kafkaBus(undefined, PlatformaticKafkaBus) },
])('bus contract: $name', ({ make }) => {
  // At-least-once: Kafka may hand a batch out again after a rebalance that came before its commit, and a
  // publish retried under load may be written twice; the warehouse deduplicates. None may be lost or altered.
  it('delivers every published record, at least once, with key, value and headers intact', async () => {
    const bus = make();
    const published: BusRecord[] = [
      ...events(20, ['pr:1', 'pr:2']),
      { topic: 'raw', key: 'github:d-1', value: '{"body":"é ✓"}', headers: { 'paved-source': 'github', 'paved-event': 'push' } },
      { topic: 'dlq', key: null, value: 'poison', headers: { 'paved-step': 'validate' } },
    ];
    await bus.publish(published);
    const run = await collect(bus, options(`contract-${randomUUID()}`));
    await waitFor(() => run.received.length >= published.length, 'every record');
    await sleep(300);
    const got = run.received.map(({ topic, key, value, headers }) => ({ topic, key, value, headers }));
    const distinct = [...new Map(got.map((record) => [JSON.stringify(record), record])).values()];
    expect(distinct).toHaveLength(published.length);
    expect(distinct).toEqual(expect.arrayContaining(published));
    await run.subscription.stop();
  });

  it('redelivers the messages of a batch whose handler failed', async () => {
    const bus = make();
    await bus.publish(events(10, ['k']));
    let failed: string[] | null = null;
    const run = await collect(bus, options(`contract-${randomUUID()}`, { maxBatchSize: 4 }), async (messages) => {
      if (failed === null) {
        failed = values(messages);
        throw new Error('insert failed');
      }
    });
    await waitFor(() => run.received.length >= 10, 'all 10 records');
    expect(failed).toHaveLength(4);
    expect(values(run.received)).toEqual(values(run.received).filter((v, i, all) => all.indexOf(v) === i));
    expect(values(run.received).slice(0, 4)).toEqual(failed);
    await run.subscription.stop();
  });

  it('stop() waits for the batch in hand, which is then not delivered again', async () => {
    const bus = make();
    const published = events(10, ['k']);
    await bus.publish(published);
    const groupId = `contract-${randomUUID()}`;
    let inHand: (() => void) | null = null;
    const started = new Promise<void>((resolve) => { inHand = resolve; });
    let finished = false;
    const first = await collect(bus, options(groupId, { maxBatchSize: 4 }), async () => {
      inHand?.();
      await sleep(500);
      finished = true;
    });
    await started;
    await first.subscription.stop();
    expect(finished).toBe(true);
    expect(first.received.length).toBeGreaterThan(0);

    const second = await collect(bus, options(groupId));
    await waitFor(() => first.received.length + second.received.length >= published.length, 'the rest of the records');
    await sleep(300);
    const all = [...values(first.received), ...values(second.received)];
    expect(all.sort()).toEqual(published.map((r) => r.value).sort());
    await second.subscription.stop();
  });
});
