// Fault tests of the streaming path, with nothing mocked: real `paved ingest`, `paved sink` and
// ClickHouse stand-in processes (test support), the real Kafka broker (scripts/kafka.sh, started by the vitest
// global setup) and, for the broker outage, a second broker of this file's own. Each test has its
// own topic prefix (so its own consumer group) and its own data directories.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type BusMessage, type BusRecord, DeadLetter, encodeEvent } from '@paved/ingest';
import { KafkaBus, kafkaBrokersFromEnv } from '@paved/ingest/kafka';
import { CanonicalEvent, SCHEMA_VERSION } from '@paved/schemas';
import { Warehouse } from '@paved/warehouse';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../../scripts/loopback.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const CLI = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
const SECRET = 'streaming-test-secret';
const RUN = randomUUID().slice(0, 8);
const mainBrokers = kafkaBrokersFromEnv(process.env.KAFKA_BROKERS) ?? [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`];
const startedAt = Date.now();

function progress(message: string): void {
  console.log(`[streaming +${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${message}`);
}

// kafkajs belongs to the ingest package; the test needs its admin client only to delete its topics afterwards.
interface KafkaAdmin { connect(): Promise<void>; listTopics(): Promise<string[]>; deleteTopics(options: { topics: string[] }): Promise<void>; disconnect(): Promise<void> }
const kafkajs = createRequire(join(REPO, 'ingest', 'package.json'))('kafkajs') as { Kafka: new (config: { brokers: string[]; logLevel: number }) => { admin(): KafkaAdmin } };

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => progress(`cleanup failed: ${(error as Error).message}`));
}, 120_000);

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A `paved` child process whose output is kept for failure messages. */
class Service {
  readonly child: ChildProcess;
  private output = '';

  /** `args` after the paved command, or a full argv for node when `argv` is set (test support scripts). */
  constructor(readonly name: string, args: string[], env: NodeJS.ProcessEnv, argv?: string[]) {
    this.child = spawn(process.execPath, argv ?? [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => { this.output = (this.output + chunk.toString()).slice(-20_000); };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    cleanups.push(() => this.stop('SIGKILL'));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return `--- ${this.name} (pid ${this.child.pid}) ---\n${this.output.slice(-4_000)}`;
  }

  /** Polls `probe` until it returns a value; fails early, with the process output, if the process exits. */
  async until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}\n${this.tail()}`);
      const value = await probe().catch(() => null);
      if (value !== null && value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.tail()}`);
      await sleep(everyMs);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const timer = sleep(timeoutMs).then(() => { if (this.running) this.child.kill('SIGKILL'); });
    await Promise.race([exited, timer]);
    await exited;
  }
}

/** One isolated pipeline: its own topic prefix (and so consumer group), config file and data directory. */
function pipeline(name: string, brokers = mainBrokers): { prefix: string; env: NodeJS.ProcessEnv; brokers: string[] } {
  const prefix = `stream-${RUN}-${name}`;
  const dir = tempDir(`paved-${name}-`);
  const config = join(dir, 'paved.config.yaml');
  writeFileSync(config, `bus:\n  topicPrefix: ${prefix}\n  partitions: 3\n`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of Object.keys(env)) if (/^(CLICKHOUSE_|PAVED_|KAFKA_)|^(PORT|HOST)$/.test(variable)) delete env[variable];
  Object.assign(env, { PAVED_CONFIG: config, PAVED_DATA_DIR: join(dir, 'data'), KAFKA_BROKERS: brokers.join(','), GITHUB_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' });
  if (brokers === mainBrokers) cleanups.push(() => deleteTopics(brokers, prefix));
  return { prefix, env, brokers };
}

async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: 0 }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

async function startWarehouse(env: NodeJS.ProcessEnv, port?: number): Promise<{ service: Service; url: string }> {
  const listenOn = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenOn}`;
  const service = new Service('warehouse', [], env, ['--import', 'tsx', join(import.meta.dirname, 'support', 'clickhouse-standin-main.ts'), '--port', String(listenOn)]);
  await service.until('the warehouse to answer /ping', async () => (await fetch(`${url}/ping`)).ok);
  return { service, url };
}

async function startSink(env: NodeJS.ProcessEnv, clickhouseUrl: string, batchSize?: number): Promise<{ service: Service; ops: string }> {
  const port = await freePort();
  const service = new Service('sink', ['sink', '--host', '127.0.0.1', '--port', String(port), ...(batchSize ? ['--batch-size', String(batchSize)] : [])], { ...env, CLICKHOUSE_URL: clickhouseUrl });
  const ops = `http://127.0.0.1:${port}`;
  await service.until('the sink to consume', async () => (await fetch(`${ops}/healthz`)).ok);
  return { service, ops };
}

async function startIngest(env: NodeJS.ProcessEnv): Promise<{ service: Service; url: string }> {
  const port = await freePort();
  const service = new Service('ingest', ['ingest', '--host', '127.0.0.1', '--port', String(port)], env);
  const url = `http://127.0.0.1:${port}`;
  await service.until('ingest to listen', async () => (await fetch(`${url}/healthz`)).ok);
  return { service, url };
}

async function openWarehouse(url: string): Promise<Warehouse> {
  const warehouse = await Warehouse.open({ url });
  cleanups.push(() => warehouse.close());
  return warehouse;
}

function kafkaBus(prefix: string, brokers = mainBrokers): KafkaBus {
  const bus = new KafkaBus({ brokers, topicPrefix: prefix, partitions: 3, clientId: 'paved-streaming-test', logLevel: 0, publishTimeoutMs: 30_000, lagGroupId: `${prefix}-sink` });
  cleanups.push(() => bus.close());
  return bus;
}

const Count = z.object({ n: z.coerce.number() });
async function count(warehouse: Warehouse, sql: string, params: Record<string, unknown> = {}): Promise<number> {
  return (await warehouse.query(sql, params, Count))[0]!.n;
}

const sha = (seed: string) => createHash('sha1').update(seed).digest('hex');

/** A valid canonical commit event (built directly: parsing 100,000 of them would only slow the test down; one is checked below). */
function commitEvent(repo: string, index: number): CanonicalEvent {
  const id = sha(`${repo}:${index}`);
  return ({
    id: `github:${repo}:${index}:commit:${id}`, source: 'github', occurred_at: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:00:00.000Z',
    schema_version: SCHEMA_VERSION, raw: { delivery_id: `${repo}:${index}`, event: 'push' }, type: 'commit',
    data: { sha: id, repo, author: { login: 'dev', name: null, email: null, bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: `commit ${index}`, parents: [], reverts_sha: null, files: null },
  } satisfies CanonicalEvent);
}

/** A signed GitHub push delivery of `commits` new commits. */
function pushDelivery(repo: string, deliveryId: string, commits: number): { deliveryId: string; body: string } {
  const shas = Array.from({ length: commits }, (_, i) => sha(`${deliveryId}:${i}`));
  const body = JSON.stringify({
    ref: 'refs/heads/main', before: '0'.repeat(40), after: shas.at(-1), repository: { full_name: repo, name: repo.split('/')[1] },
    commits: shas.map((id) => ({ id, message: 'change', timestamp: '2026-01-01T00:00:00Z', author: { name: 'Dev', email: 'dev@example.com', username: 'dev' } })),
    pusher: { name: 'dev' }, sender: { login: 'dev', type: 'User' },
  });
  return { deliveryId, body };
}

async function sendWebhook(ingestUrl: string, delivery: { deliveryId: string; body: string }): Promise<number> {
  const response = await fetch(`${ingestUrl}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery.deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(delivery.body).digest('hex')}`,
    },
    body: delivery.body,
    signal: AbortSignal.timeout(15_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A second broker of this file's own (scripts/kafka.sh with its own KAFKA_DIR and ports), started once on first use. */
let secondBroker: Promise<{ brokers: string[]; run: (command: 'start' | 'stop') => Promise<void> }> | null = null;
function ensureSecondBroker(): Promise<{ brokers: string[]; run: (command: 'start' | 'stop') => Promise<void> }> {
  secondBroker ??= (async () => {
    const dir = tempDir('paved-kafka-');
    const [port, controllerPort] = [await freePort(), await freePort()];
    const env = { ...process.env, KAFKA_DIR: dir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m' };
    const run = async (command: 'start' | 'stop') => {
      const started = Date.now();
      await promisify(execFile)('bash', ['scripts/kafka.sh', command], { cwd: REPO, env, timeout: 120_000 });
      progress(`second broker ${command} took ${((Date.now() - started) / 1000).toFixed(1)}s`);
    };
    cleanups.push(() => run('stop'));
    mkdirSync(dir, { recursive: true });
    await run('start');
    return { brokers: [`127.0.0.1:${port}`], run };
  })();
  return secondBroker;
}

describe('streaming: Kafka → sink → ClickHouse under faults', () => {
  it('a sink SIGKILLed in the middle of 100,000 events and restarted leaves every event in ClickHouse exactly once', async () => {
    const TOTAL = 100_000;
    const repo = 'acme/sigkill';
    const { prefix, env } = pipeline('sigkill');
    const warehouseServer = await startWarehouse(env);
    const warehouse = await openWarehouse(warehouseServer.url);
    const bus = kafkaBus(prefix);
    expect(CanonicalEvent.parse(commitEvent(repo, 0))).toEqual(commitEvent(repo, 0));

    const first = await startSink(env, warehouseServer.url, 2_000);
    // The stream keeps flowing into Kafka while the sink is killed and restarted.
    const publishing = (async () => {
      for (let start = 0; start < TOTAL; start += 5_000) {
        const records: BusRecord[] = [];
        for (let i = start; i < start + 5_000; i += 1) records.push(encodeEvent(commitEvent(repo, i)));
        await bus.publish(records);
      }
      progress(`published all ${TOTAL} commit events to ${prefix}.events`);
    })();
    publishing.catch(() => {});
    const landed = await first.service.until('a part of the stream to land', async () => {
      const n = await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits WHERE repo = {repo:String}', { repo });
      return n >= 15_000 ? n : null;
    }, 120_000, 100);
    await first.service.stop('SIGKILL');
    progress(`SIGKILLed the sink with ${landed} rows in ClickHouse`);
    expect(landed).toBeLessThan(TOTAL);

    const second = await startSink(env, warehouseServer.url, 2_000);
    progress('restarted the sink; it rejoins its group once the killed member times out');
    await publishing;
    await second.service.until('every event to be in ClickHouse and the group to have no lag', async () => {
      const n = await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo });
      return n === TOTAL && (await bus.health()).lag === 0;
    }, 150_000, 1_000);
    const stored = await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits WHERE repo = {repo:String}', { repo });
    progress(`caught up: ${stored} rows stored before merging (${stored - TOTAL} redelivered after the kill)`);

    expect(await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo })).toBe(TOTAL);
    expect(await count(warehouse, 'SELECT uniqExact(event_id) AS n FROM {{db}}.commits WHERE repo = {repo:String}', { repo })).toBe(TOTAL);
    expect(stored).toBeGreaterThanOrEqual(TOTAL);
    await warehouse.command('OPTIMIZE TABLE {{db}}.commits FINAL');
    expect(await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits WHERE repo = {repo:String}', { repo })).toBe(TOTAL);

    await second.service.stop();
    await warehouseServer.service.stop();
  }, 300_000);

  it('ClickHouse down for 30 s while webhooks keep arriving: every delivery gets 202, nothing is lost, the sink catches up', async () => {
    const repo = 'acme/outage';
    const COMMITS_PER_PUSH = 5;
    const { prefix, env } = pipeline('outage');
    const warehousePort = await freePort();
    let warehouseServer = await startWarehouse(env, warehousePort);
    const [sink, ingest] = await Promise.all([startSink(env, warehouseServer.url), startIngest(env)]);
    const warehouse = await openWarehouse(warehouseServer.url);

    const statuses = new Map<number, number>();
    let sent = 0;
    let sending = true;
    const sender = (async () => {
      // About 20 deliveries a second, four at a time, until told to stop.
      while (sending) {
        const batch = Array.from({ length: 4 }, () => pushDelivery(repo, `${prefix}-${(sent += 1)}`, COMMITS_PER_PUSH));
        const results = await Promise.all(batch.map((delivery) => sendWebhook(ingest.url, delivery).catch(() => -1)));
        for (const status of results) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        await sleep(200);
      }
    })();

    await sleep(3_000);
    await warehouseServer.service.stop('SIGTERM');
    const downAt = Date.now();
    progress(`warehouse stopped (SIGTERM) after ${sent} deliveries; webhooks keep arriving`);
    // The second broker of the next test boots while this one waits.
    void ensureSecondBroker().catch(() => {});
    const readiness = await sink.service.until('the sink to report the warehouse down', async () => {
      const response = await fetch(`${sink.ops}/readyz`);
      const body = (await response.json()) as { checks: { name: string; ok: boolean; detail: string }[] };
      const check = body.checks.find((c) => c.name === 'warehouse');
      return response.status === 503 && check && !check.ok ? check.detail : null;
    }, 15_000);
    expect(readiness).toMatch(/refused the connection/);
    await sleep(Math.max(0, downAt + 30_000 - Date.now()));
    const duringOutage = sent;
    warehouseServer = await startWarehouse(env, warehousePort);
    progress(`warehouse back on port ${warehousePort} after ${((Date.now() - downAt) / 1000).toFixed(1)}s; ${duringOutage} deliveries sent so far`);
    await sleep(3_000);
    sending = false;
    await sender;
    progress(`sent ${sent} deliveries in all: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(Object.fromEntries(statuses)).toEqual({ 202: sent });

    const caughtUpFrom = Date.now();
    await sink.service.until('the sink to catch up', async () => {
      // Raw deliveries and canonical events travel on different topics, so either can land first:
      // wait for both (a lost row of either still fails here, after 90 s).
      const commits = await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo });
      const raw = await count(warehouse, "SELECT count() AS n FROM {{db}}.raw_deliveries FINAL WHERE source = 'github' AND startsWith(delivery_id, {prefix:String})", { prefix });
      return commits === sent * COMMITS_PER_PUSH && raw === sent;
    }, 90_000, 500);
    progress(`the sink caught up ${((Date.now() - caughtUpFrom) / 1000).toFixed(1)}s after the last delivery`);
    expect(await count(warehouse, "SELECT count() AS n FROM {{db}}.raw_deliveries FINAL WHERE source = 'github' AND startsWith(delivery_id, {prefix:String})", { prefix })).toBe(sent);
    expect(await count(warehouse, 'SELECT count() AS n FROM {{db}}.pushes FINAL WHERE repo = {repo:String}', { repo })).toBe(sent);

    await Promise.all([ingest.service.stop(), sink.service.stop()]);
    await warehouseServer.service.stop();
  }, 300_000);

  it('Kafka down: the receiver answers 503, never 2xx; redeliveries after it returns are accepted and counted once', async () => {
    const repo = 'acme/broker';
    const second = await ensureSecondBroker();
    const { prefix, env } = pipeline('broker', second.brokers);
    const [warehouseServer, ingest] = await Promise.all([startWarehouse(env), startIngest(env)]);
    const sink = await startSink(env, warehouseServer.url);
    const warehouse = await openWarehouse(warehouseServer.url);
    const deliveries = Array.from({ length: 60 }, (_, i) => pushDelivery(repo, `${prefix}-${i}`, 2));
    const before = deliveries.slice(0, 30);
    const during = deliveries.slice(30);

    expect(await Promise.all(before.map((delivery) => sendWebhook(ingest.url, delivery)))).toEqual(before.map(() => 202));
    await second.run('stop');
    progress('second broker stopped; sending deliveries');

    // GitHub sends concurrently; each must be refused within the receiver's publish deadline, not hang.
    const refusals = await Promise.all(during.map(async (delivery) => {
      const started = Date.now();
      const status = await sendWebhook(ingest.url, delivery);
      return { status, ms: Date.now() - started };
    }));
    progress(`while the broker was down: ${JSON.stringify(refusals.map((r) => r.status))}, slowest ${Math.max(...refusals.map((r) => r.ms))} ms`);
    expect(new Set(refusals.map((r) => r.status))).toEqual(new Set([503]));
    expect(Math.max(...refusals.map((r) => r.ms))).toBeLessThan(10_000);
    const health = await fetch(`${ingest.url}/readyz`);
    expect(health.status).toBe(503);

    await second.run('start');
    progress('second broker back; redelivering every delivery as GitHub would (same X-GitHub-Delivery)');
    const redelivered = await ingest.service.until('every redelivery to be accepted', async () => {
      const statuses = await Promise.all(deliveries.map((delivery) => sendWebhook(ingest.url, delivery)));
      return statuses.every((status) => status === 202) ? statuses.length : null;
    }, 60_000, 1_000);
    expect(redelivered).toBe(deliveries.length);

    await sink.service.until('every commit to land once', async () => (
      await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo })) === deliveries.length * 2,
    90_000, 500);
    expect(await count(warehouse, 'SELECT uniqExact(event_id) AS n FROM {{db}}.commits WHERE repo = {repo:String}', { repo })).toBe(deliveries.length * 2);
    expect(await count(warehouse, 'SELECT count() AS n FROM {{db}}.raw_deliveries FINAL WHERE startsWith(delivery_id, {prefix:String})', { prefix })).toBe(deliveries.length);
    progress('after the broker outage every delivery is in ClickHouse once');

    await Promise.all([ingest.service.stop(), sink.service.stop()]);
    await warehouseServer.service.stop();
  }, 300_000);

  it('a malformed message in the middle of a batch goes to the dead-letter topic with reason, step and offset; the rest lands; `paved dlq replay` re-drives it', async () => {
    const repo = 'acme/poison';
    const { prefix, env } = pipeline('poison');
    const warehouseServer = await startWarehouse(env);
    const warehouse = await openWarehouse(warehouseServer.url);
    const bus = kafkaBus(prefix);
    const [good1, good2] = [encodeEvent(commitEvent(repo, 1)), encodeEvent(commitEvent(repo, 2))];
    const poison: BusRecord = { topic: 'events', key: good1.key, value: '{"type":"commit","id":"broken"}', headers: { 'paved-test': 'poison' } };
    // One publish, one key: three consecutive offsets of one partition, fetched as one batch.
    await bus.publish([good1, poison, { ...good2, key: good1.key }]);

    const sink = await startSink(env, warehouseServer.url);
    await sink.service.until('the good events and the dead letter to land', async () => (
      await count(warehouse, 'SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo })) === 2
      && (await count(warehouse, 'SELECT count() AS n FROM {{db}}.dead_letters FINAL')) === 1,
    60_000, 500);

    // Read the topics back through Kafka with a group of our own.
    const seen: BusMessage[] = [];
    const verify = await bus.consume({ groupId: `${prefix}-verify`, maxBatchSize: 100, maxBatchWaitMs: 100 }, async (messages) => { seen.push(...messages); });
    await sink.service.until('the events and the dead letter on Kafka', async () => seen.filter((m) => m.topic === 'events').length === 3 && seen.some((m) => m.topic === 'dlq'), 30_000);
    await verify.stop();
    const events = seen.filter((m) => m.topic === 'events');
    const carrier = events.find((m) => m.headers['paved-test'] === 'poison')!;
    expect(events.map((m) => m.partition)).toEqual([carrier.partition, carrier.partition, carrier.partition]);
    expect(events.map((m) => BigInt(m.offset) - BigInt(carrier.offset))).toEqual([-1n, 0n, 1n]);
    const letter = DeadLetter.parse(JSON.parse(seen.find((m) => m.topic === 'dlq')!.value));
    expect(letter).toMatchObject({
      key: good1.key, value: poison.value, headers: { 'paved-test': 'poison' }, step: 'validate',
      source_topic: 'events', source_partition: carrier.partition, source_offset: carrier.offset,
    });
    expect(letter.reason).toMatch(/does not match the events contract/);
    const stored = await warehouse.query('SELECT id, step, source_offset FROM {{db}}.dead_letters FINAL', {}, z.object({ id: z.string(), step: z.string(), source_offset: z.string() }));
    expect(stored).toEqual([{ id: `events:${carrier.partition}:${carrier.offset}`, step: 'validate', source_offset: carrier.offset }]);

    // Replaying sends it back to `events`; still malformed, it comes back as a new dead letter.
    const replay = await promisify(execFile)(process.execPath, [CLI, 'dlq', 'replay', '--limit', '10'], { env: { ...env, CLICKHOUSE_URL: warehouseServer.url }, timeout: 60_000 });
    expect(replay.stdout + replay.stderr).toMatch(/replayed 1 of 1 dead letter/);
    await sink.service.until('the replayed message to be dead-lettered again', async () => (
      await count(warehouse, 'SELECT count() AS n FROM {{db}}.dead_letters FINAL')) === 2, 30_000, 500);
    expect(await count(warehouse, 'SELECT count() AS n FROM {{db}}.dead_letters FINAL WHERE replayed_at IS NOT NULL')).toBe(1);
    progress('the poison message was dead-lettered with its offset, the rest landed, and replay re-drove it');

    await sink.service.stop();
    await warehouseServer.service.stop();
  }, 180_000);
});
