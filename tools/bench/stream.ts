// pnpm bench:stream — the streaming path on this machine, against the local Kafka broker
// (`pnpm kafka start`) and an embedded warehouse in a temporary directory:
//   1. sink throughput: N canonical events pre-loaded into Kafka, timed while the sink drains them;
//   2. end-to-end latency: signed webhooks at a fixed rate into `paved ingest` (a child process),
//      from the 202 to the row being queryable in the warehouse (polled), p50/p99.
// Loopback only; every loop is bounded. Writes test-artifacts/bench-stream.json.
//
// BENCH_EVENTS (500000), BENCH_RATE (5000), BENCH_SECONDS (20), BENCH_BATCH (sink rows per insert, 5000)
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { encodeEvent, type BusRecord } from '@paved/ingest/bus/bus';
import { KafkaBus, kafkaBrokersFromEnv } from '@paved/ingest/bus/kafka';
import { CanonicalEvent, SCHEMA_VERSION } from '@paved/schemas';
import { Sink } from '@paved/transform/sink/sink';
import { Warehouse } from '@paved/transform/warehouse/client';
import { migrate } from '@paved/transform/warehouse/migrate';
import { shaOf, type Answer, type LoadMessage, type LoadSettings } from './webhook-load.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500_000);
const RATE = Number(process.env.BENCH_RATE ?? 5_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
const PARTITIONS = 6;
const SECRET = 'bench-secret';
const brokers = kafkaBrokersFromEnv(process.env.KAFKA_BROKERS) ?? [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`];
const run = randomUUID().slice(0, 8);
const started = Date.now();
const loads: { at: string; phase: string; load: number[] }[] = [];

function say(message: string): void {
  process.stdout.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

function sampleLoad(phase: string): void {
  loads.push({ at: new Date().toISOString(), phase, load: loadavg().map((l) => Math.round(l * 100) / 100) });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function stats(values: number[]): { count: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN), mean: round(mean) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function commitEvent(repo: string, index: number): CanonicalEvent {
  const sha = shaOf(index);
  return {
    id: `github:bench-${index}:commit:${sha}`, source: 'github', occurred_at: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:00:00.000Z',
    schema_version: SCHEMA_VERSION, raw: { delivery_id: `bench-${index}`, event: 'push' }, type: 'commit',
    data: { sha, repo, author: { login: 'dev', name: 'Dev', email: 'dev@example.com', bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: `change ${index}`, parents: [], reverts_sha: null },
  };
}

const Count = z.object({ n: z.coerce.number() });

// kafkajs belongs to the ingest package; the bench uses its admin client only to delete its topics (the pre-load is large).
interface KafkaAdmin { connect(): Promise<void>; listTopics(): Promise<string[]>; deleteTopics(options: { topics: string[] }): Promise<void>; disconnect(): Promise<void> }
const kafkajs = createRequire(join(ROOT, 'ingest', 'package.json'))('kafkajs') as { Kafka: new (config: { brokers: string[]; logLevel: number }) => { admin(): KafkaAdmin } };

async function deleteBenchTopics(): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: 0 }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench-${run}-`));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Phase 1: pre-load EVENTS canonical events, then time the sink draining them into the warehouse. */
async function throughput(warehouse: Warehouse): Promise<Record<string, unknown>> {
  const prefix = `bench-${run}-tp`;
  const repo = `bench/throughput-${run}`;
  const bus = new KafkaBus({ brokers, topicPrefix: prefix, partitions: PARTITIONS, clientId: 'paved-bench', publishTimeoutMs: 60_000, lagGroupId: `${prefix}-sink` });
  CanonicalEvent.parse(commitEvent(repo, 0)); // the bench's events are valid canonical events
  const loadStarted = performance.now();
  for (let start = 0; start < EVENTS; start += 20_000) {
    const records: BusRecord[] = [];
    for (let i = start; i < Math.min(EVENTS, start + 20_000); i += 1) records.push(encodeEvent(commitEvent(repo, i)));
    await bus.publish(records);
    if ((start / 20_000) % 5 === 4) say(`pre-loaded ${start + records.length} events`);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  say(`pre-loaded ${EVENTS} events into ${prefix}.events in ${loadSeconds.toFixed(1)}s (${Math.round(EVENTS / loadSeconds)}/s producer)`);
  sampleLoad('throughput: before drain');

  const sink = new Sink(warehouse, bus, { groupId: `${prefix}-sink`, maxBatchSize: BATCH, log: () => {} });
  const drainStarted = performance.now();
  await sink.start();
  let lastReport = performance.now();
  let firstMessageAt: number | null = null;
  const deadline = drainStarted + 600_000;
  while (sink.stats.messages < EVENTS) {
    if (performance.now() > deadline) throw new Error(`the sink drained only ${sink.stats.messages} of ${EVENTS} events in 10 minutes`);
    await sleep(100);
    if (firstMessageAt === null && sink.stats.messages > 0) firstMessageAt = performance.now();
    if (performance.now() - lastReport > 3_000) {
      lastReport = performance.now();
      const seconds = (performance.now() - drainStarted) / 1000;
      say(`sink: ${sink.stats.messages} events in ${seconds.toFixed(1)}s (${Math.round(sink.stats.messages / seconds)}/s), ${sink.stats.batches} batches, load ${loadavg()[0]!.toFixed(2)}`);
      sampleLoad('throughput: draining');
    }
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const steadySeconds = (performance.now() - (firstMessageAt ?? drainStarted)) / 1000;
  const stats = { ...sink.stats };
  await sink.stop();
  const stored = (await warehouse.query('SELECT count() AS n FROM {{db}}.commits FINAL WHERE repo = {repo:String}', { repo }, Count))[0]!.n;
  await bus.close();
  if (stored !== EVENTS) throw new Error(`expected ${EVENTS} commits in the warehouse, found ${stored}`);
  const result = {
    events: EVENTS, partitions: PARTITIONS, sinkBatchSize: BATCH,
    producerEventsPerSecond: Math.round(EVENTS / loadSeconds),
    drainSeconds: round(drainSeconds, 2),
    sinkEventsPerSecond: Math.round(EVENTS / drainSeconds),
    sinkEventsPerSecondAfterGroupJoin: Math.round(EVENTS / steadySeconds),
    groupJoinSeconds: round(drainSeconds - steadySeconds, 2),
    batches: stats.batches, meanEventsPerBatch: Math.round(stats.messages / Math.max(1, stats.batches)),
    insertSecondsTotal: round(stats.insertMsTotal / 1000, 2),
    storedRows: stored,
  };
  say(`throughput: ${result.sinkEventsPerSecond} events/s (${result.sinkEventsPerSecondAfterGroupJoin}/s after the ${result.groupJoinSeconds}s group join), ${result.batches} batches of ~${result.meanEventsPerBatch}`);
  return result;
}

/** Phase 2: webhooks at RATE/s into `paved ingest`; time from each 202 to its commit row being queryable. */
async function latency(warehouse: Warehouse, dir: string): Promise<Record<string, unknown>> {
  const prefix = `bench-${run}-lat`;
  const repo = `bench/latency-${run}`;
  const config = join(dir, 'paved.config.yaml');
  writeFileSync(config, `bus:\n  topicPrefix: ${prefix}\n  partitions: ${PARTITIONS}\n`);
  const bus = new KafkaBus({ brokers, topicPrefix: prefix, partitions: PARTITIONS, clientId: 'paved-bench', lagGroupId: `${prefix}-sink` });
  const sink = new Sink(warehouse, bus, { groupId: `${prefix}-sink`, maxBatchSize: BATCH, log: () => {} });
  await sink.start();

  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(CLICKHOUSE_|PAVED_|KAFKA_)|^(PORT|HOST)$/.test(name)) delete env[name];
  Object.assign(env, { PAVED_CONFIG: config, PAVED_DATA_DIR: join(dir, 'ingest'), KAFKA_BROKERS: brokers.join(','), GITHUB_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' });
  const ingest: ChildProcess = spawn(process.execPath, [join(ROOT, 'tools', 'cli', 'bin', 'paved.mjs'), 'ingest', '--host', '127.0.0.1', '--port', String(port)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (ingest.exitCode !== null) throw new Error(`paved ingest exited with ${ingest.exitCode}`);
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      if (attempt > 240) throw new Error('paved ingest did not start within 60 s');
      await sleep(250);
    }
    // Warm up the producer and topics before measuring (a ping is archived raw: one publish).
    const ping = '{"zen":"warm up"}';
    const warm = await fetch(`${url}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': `warm-${run}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(ping).digest('hex')}` }, body: ping });
    if (warm.status !== 202) throw new Error(`the warm-up webhook got ${warm.status}: ${await warm.text()}`);
    say(`paved ingest on ${url}; sending ${RATE}/s for ${SECONDS}s`);
    sampleLoad('latency: before load');

    const accepted = new Map<number, number>();
    const refused = new Set<number>();
    const visible = new Map<number, number>();
    const ackMs: number[] = [];
    const statuses = new Map<number, number>();
    let done: Extract<LoadMessage, { kind: 'done' }> | null = null;
    const settings: LoadSettings = { url, secret: SECRET, repo, rate: RATE, seconds: SECONDS, maxInFlight: 1_000, firstSeq: 1 };
    // Workers do not inherit tsx's loader on Node 20: the worker registers it, then loads the TypeScript sender.
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
    const sender = new URL('./webhook-load.ts', import.meta.url).href;
    const worker = new Worker(`import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(sender)}); })`, { eval: true, workerData: settings });
    worker.on('message', (message: LoadMessage) => {
      if (message.kind === 'done') { done = message; return; }
      for (const answer of message.answers as Answer[]) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 202) {
          accepted.set(answer.seq, answer.answeredAt);
          ackMs.push(answer.answeredAt - answer.sentAt);
        } else {
          refused.add(answer.seq);
        }
      }
    });
    worker.on('error', (error) => { say(`load worker failed: ${error.message}`); });

    // Poll for rows from the oldest accepted-but-unseen sequence number up (shas are the numbers in hex, so they sort).
    const Seen = z.object({ sha: z.string() });
    let polls = 0;
    let pollMsTotal = 0;
    let lastReport = performance.now();
    const loadEnds = Date.now() + SECONDS * 1000;
    const deadline = loadEnds + 60_000;
    let low = 1;
    for (;;) {
      const pollStarted = performance.now();
      const rows = await warehouse.query('SELECT sha FROM {{db}}.commits WHERE repo = {repo:String} AND sha >= {low:String}', { repo, low: shaOf(low) }, Seen);
      const at = performance.timeOrigin + performance.now();
      polls += 1;
      pollMsTotal += performance.now() - pollStarted;
      for (const { sha } of rows) {
        const seq = Number.parseInt(sha, 16);
        if (!visible.has(seq)) visible.set(seq, at);
      }
      while (visible.has(low) || refused.has(low)) low += 1;
      if (performance.now() - lastReport > 3_000) {
        lastReport = performance.now();
        say(`latency: ${accepted.size} accepted, ${visible.size} queryable, load ${loadavg()[0]!.toFixed(2)}`);
        sampleLoad('latency: under load');
      }
      if (done !== null && [...accepted.keys()].every((seq) => visible.has(seq))) break;
      if (Date.now() > deadline) break;
      await sleep(20);
    }
    await worker.terminate();
    const finished = done as Extract<LoadMessage, { kind: 'done' }> | null;
    const endToEnd = [...accepted].filter(([seq]) => visible.has(seq)).map(([seq, at]) => Math.max(0, visible.get(seq)! - at));
    const missing = [...accepted.keys()].filter((seq) => !visible.has(seq)).length;
    const result = {
      targetRate: RATE, seconds: SECONDS,
      sent: finished?.sent ?? null, senderTicksOverInFlightCap: finished?.skippedTicks ?? null, transportErrors: finished?.errors ?? null,
      achievedRate: Math.round((finished?.sent ?? accepted.size) / SECONDS),
      statuses: Object.fromEntries(statuses),
      ackMs: stats(ackMs),
      endToEndMs: stats(endToEnd),
      notQueryableWithin60s: missing,
      pollIntervalMs: 20, polls, meanPollMs: round(pollMsTotal / Math.max(1, polls)),
      sink: { batches: sink.stats.batches, messages: sink.stats.messages, meanInsertMs: round(sink.stats.insertMsTotal / Math.max(1, sink.stats.batches)) },
    };
    say(`latency: 202→queryable p50 ${result.endToEndMs.p50} ms, p99 ${result.endToEndMs.p99} ms; 202 ack p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms; ${result.achievedRate}/s sent`);
    return result;
  } finally {
    ingest.kill('SIGTERM');
    await sink.stop();
    await bus.close();
  }
}

async function main(): Promise<void> {
  const probe = new KafkaBus({ brokers, topicPrefix: `bench-${run}-probe`, clientId: 'paved-bench' });
  const health = await probe.health();
  await probe.close();
  if (!health.ok) {
    process.stderr.write(`bench:stream needs the local Kafka broker: ${health.detail}\nStart it with \`pnpm kafka start\` (or set KAFKA_BROKERS).\n`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'paved-bench-stream-'));
  sampleLoad('start');
  say(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; broker ${brokers.join(',')}`);
  const warehouse = await Warehouse.open({ dataDir: join(dir, 'warehouse'), command: 'bench:stream' });
  try {
    await migrate(warehouse);
    const sinkThroughput = await throughput(warehouse);
    const endToEnd = await latency(warehouse, dir);
    sampleLoad('end');
    const report = {
      at: new Date().toISOString(),
      machine: { cores: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, loadavg: loads },
      kafka: { brokers, version: '4.1.2 (scripts/kafka.sh)' },
      warehouse: 'embedded chdb, in the bench process (sink in-process)',
      throughput: sinkThroughput,
      latency: endToEnd,
    };
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'test-artifacts', 'bench-stream.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\n== bench:stream ==\n`);
    process.stdout.write(`sink throughput : ${sinkThroughput.sinkEventsPerSecond} events/s over ${EVENTS} events (${sinkThroughput.sinkEventsPerSecondAfterGroupJoin}/s after the group join) — target ≥ 50000/s\n`);
    const l = endToEnd as { endToEndMs: { p50: number; p99: number; max: number }; ackMs: { p50: number; p99: number }; achievedRate: number; statuses: Record<string, number> };
    process.stdout.write(`end-to-end      : 202 → queryable p50 ${l.endToEndMs.p50} ms, p99 ${l.endToEndMs.p99} ms, max ${l.endToEndMs.max} ms at ${l.achievedRate}/s (target ${RATE}/s for ${SECONDS}s)\n`);
    process.stdout.write(`webhook ack     : p50 ${l.ackMs.p50} ms, p99 ${l.ackMs.p99} ms; statuses ${JSON.stringify(l.statuses)}\n`);
    process.stdout.write(`machine load    : ${loads.map((s) => `${s.phase} ${s.load.join('/')}`).join('; ')}\n`);
    process.stdout.write(`written to test-artifacts/bench-stream.json\n`);
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
    await deleteBenchTopics().catch((error: unknown) => say(`could not delete the bench topics: ${(error as Error).message}`));
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`bench:stream failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
