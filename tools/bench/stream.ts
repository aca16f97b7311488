// pnpm bench:stream — the streaming path on this machine, against the local Kafka broker
// (`pnpm kafka start`) and an embedded warehouse in a temporary directory:
//   1. sink throughput: N canonical events pre-loaded into Kafka, timed while the sink drains them;
//   2. end-to-end latency: signed webhooks at a fixed rate into `paved ingest` (a child process),
//      from the 202 to the row being queryable in the warehouse (polled), p50/p99.
// Loopback only; every loop is bounded. Writes test-artifacts/bench-stream.json.
//
// BENCH_EVENTS (500000 pre-loaded), BENCH_RATES (canonical events/s in phase 2, comma-separated, "5000"),
// BENCH_OUT (test-artifacts/bench-stream.json), BENCH_PARTITIONS (6, the config default), BENCH_COMMITS_PER_PUSH (4: each delivery is a push of 4 commits = 5 canonical events, so 5000 events/s is
// 1000 deliveries/s), BENCH_SECONDS (20 per rate), BENCH_BATCH (sink rows per insert, 5000: the product default),
// BENCH_CONCURRENT_PARTITIONS (16: partition batches the sink takes at once and inserts together; 1 = one insert per partition batch).
// CPU seconds are reported next to wall-clock rates: on a shared machine they say what the code costs.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { type BusRecord, encodeEvent } from '@paved/ingest';
import { KafkaBus, kafkaBrokersFromEnv, PlatformaticKafkaBus } from '@paved/ingest/kafka';
import { CanonicalEvent, SCHEMA_VERSION } from '@paved/schemas';
import { migrate, Warehouse } from '@paved/warehouse';
import { Sink } from '@paved/pipeline';
import { z } from 'zod';
import { freePort } from '../../scripts/loopback.js';
import { percentile } from './percentile.js';
import { type Answer, type LoadMessage, type LoadSettings, shaOf } from './webhook-load.js';

const ROOT = join(import.meta.dirname, '..', '..');
// PAVED_KAFKA_CLIENT=platformatic measures the bus on @platformatic/kafka (the child `paved ingest` reads the same variable).
const KafkaClient = process.env.PAVED_KAFKA_CLIENT === 'platformatic' ? PlatformaticKafkaBus : KafkaBus;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500_000);
const RATES = (process.env.BENCH_RATES ?? process.env.BENCH_RATE ?? '5000').split(',').map(Number).filter((rate) => rate > 0);
const COMMITS_PER_PUSH = Number(process.env.BENCH_COMMITS_PER_PUSH ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
/** Partitions taken at once by the sink and inserted together (1 = one insert per partition batch, as before). */
const CONCURRENT = Number(process.env.BENCH_CONCURRENT_PARTITIONS ?? 16);
const OUT = process.env.BENCH_OUT ?? 'test-artifacts/bench-stream.json';
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6);
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


const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function stats(values: number[]): { count: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, p50: round(percentile(sorted, 0.5)), p90: round(percentile(sorted, 0.9)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? Number.NaN), mean: round(mean) };
}

function commitEvent(repo: string, index: number): CanonicalEvent {
  const sha = shaOf(index);
  return {
    id: `github:bench-${index}:commit:${sha}`, source: 'github', occurred_at: '2026-01-01T00:00:00.000Z', received_at: '2026-01-01T00:00:00.000Z',
    schema_version: SCHEMA_VERSION, raw: { delivery_id: `bench-${index}`, event: 'push' }, type: 'commit',
    data: { sha, repo, author: { login: 'dev', name: 'Dev', email: 'dev@example.com', bot: false }, authored_at: '2026-01-01T00:00:00.000Z', committed_at: '2026-01-01T00:00:00.000Z', message: `change ${index}`, parents: [], reverts_sha: null, files: null },
  };
}

const Count = z.object({ n: z.coerce.number() });

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a child process has used so far, from /proc. */
function childCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After the command: state is field 3, utime and stime are fields 14 and 15 of the whole line.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

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
  const bus = new KafkaClient({ brokers, topicPrefix: prefix, partitions: PARTITIONS, clientId: 'paved-bench', publishTimeoutMs: 60_000, lagGroupId: `${prefix}-sink` });
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

  const sink = new Sink(warehouse, bus, { groupId: `${prefix}-sink`, maxBatchSize: BATCH, concurrentPartitions: CONCURRENT, log: () => {} });
  const cpuBefore = ownCpuSeconds();
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
  const cpuSeconds = ownCpuSeconds() - cpuBefore;
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
    // The bench process is the sink: its JS thread and the embedded engine's threads (not the broker's).
    sinkCpuSeconds: round(cpuSeconds, 2),
    eventsPerSinkCpuSecond: Math.round(EVENTS / cpuSeconds),
    storedRows: stored,
  };
  say(`throughput: ${result.sinkEventsPerSecond} events/s (${result.sinkEventsPerSecondAfterGroupJoin}/s after the ${result.groupJoinSeconds}s group join), ${result.batches} batches of ~${result.meanEventsPerBatch}; ${result.sinkCpuSeconds} CPU s = ${result.eventsPerSinkCpuSecond} events per CPU second`);
  return result;
}

/** Phase 2: webhooks at `rate` canonical events/s into `paved ingest`; time from each 202 to its commit rows being queryable. */
async function latency(warehouse: Warehouse, dir: string, rate: number): Promise<Record<string, unknown>> {
  const prefix = `bench-${run}-lat${rate}`;
  const repo = `bench/latency-${run}-${rate}`;
  /** A push delivery becomes one push event and one commit event per commit. */
  const deliveryRate = Math.max(1, Math.round(rate / (COMMITS_PER_PUSH + 1)));
  const config = join(dir, `paved-${rate}.config.yaml`);
  writeFileSync(config, `bus:\n  topicPrefix: ${prefix}\n  partitions: ${PARTITIONS}\n`);
  const bus = new KafkaClient({ brokers, topicPrefix: prefix, partitions: PARTITIONS, clientId: 'paved-bench', lagGroupId: `${prefix}-sink` });
  const sink = new Sink(warehouse, bus, { groupId: `${prefix}-sink`, maxBatchSize: BATCH, concurrentPartitions: CONCURRENT, log: () => {} });
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
    say(`paved ingest on ${url}; sending ${deliveryRate} push deliveries/s of ${COMMITS_PER_PUSH} commits (${deliveryRate * (COMMITS_PER_PUSH + 1)} canonical events/s) for ${SECONDS}s`);
    const ingestCpuBefore = childCpuSeconds(ingest.pid!);
    const benchCpuBefore = ownCpuSeconds();
    sampleLoad('latency: before load');

    const accepted = new Map<number, number>();
    const refused = new Set<number>();
    const visible = new Map<number, number>();
    const ackMs: number[] = [];
    const statuses = new Map<number, number>();
    let done: Extract<LoadMessage, { kind: 'done' }> | null = null;
    const settings: LoadSettings = { url, secret: SECRET, repo, rate: deliveryRate, commitsPerPush: COMMITS_PER_PUSH, seconds: SECONDS, maxInFlight: 1_000, firstSeq: 1 };
    const commitsOf = (seq: number) => Array.from({ length: COMMITS_PER_PUSH }, (_, k) => seq * COMMITS_PER_PUSH + k);
    // Workers do not inherit tsx's loader on Node 20: the worker registers it, then loads the TypeScript sender.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const sender = new URL('./webhook-load.ts', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(sender)}); }).catch((error) => { setImmediate(() => { throw error; }); })`,
      { eval: true, workerData: settings },
    );
    worker.on('message', (message: LoadMessage) => {
      if (message.kind === 'done') { done = message; return; }
      for (const answer of message.answers as Answer[]) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 202) {
          for (const commit of commitsOf(answer.seq)) accepted.set(commit, answer.answeredAt);
          ackMs.push(answer.answeredAt - answer.sentAt);
        } else {
          for (const commit of commitsOf(answer.seq)) refused.add(commit);
        }
      }
    });
    let workerFailure: Error | null = null;
    worker.on('error', (error) => { workerFailure = error; });

    // Poll for rows from the oldest accepted-but-unseen sequence number up (shas are the numbers in hex, so they sort).
    const Seen = z.object({ sha: z.string() });
    let polls = 0;
    let pollMsTotal = 0;
    let lastReport = performance.now();
    const loadEnds = Date.now() + SECONDS * 1000;
    const deadline = loadEnds + 60_000;
    let low = settings.firstSeq * COMMITS_PER_PUSH;
    for (;;) {
      if (workerFailure) throw new Error(`the webhook sender failed: ${(workerFailure as Error).message}`);
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
      await sleep(50);
    }
    await worker.terminate();
    const ingestCpu = childCpuSeconds(ingest.pid!) - ingestCpuBefore;
    const benchCpu = ownCpuSeconds() - benchCpuBefore;
    const finished = done as Extract<LoadMessage, { kind: 'done' }> | null;
    const endToEnd = [...accepted].filter(([seq]) => visible.has(seq)).map(([seq, at]) => Math.max(0, visible.get(seq)! - at));
    const missing = [...accepted.keys()].filter((seq) => !visible.has(seq)).length;
    const result = {
      targetEventsPerSecond: rate, commitsPerPush: COMMITS_PER_PUSH, targetDeliveriesPerSecond: deliveryRate, seconds: SECONDS,
      sent: finished?.sent ?? null, senderTicksOverInFlightCap: finished?.skippedTicks ?? null, transportErrors: finished?.errors ?? null,
      achievedDeliveriesPerSecond: Math.round((finished?.sent ?? 0) / SECONDS),
      acceptedEventsPerSecond: Math.round((accepted.size / COMMITS_PER_PUSH) * (COMMITS_PER_PUSH + 1) / SECONDS),
      statuses: Object.fromEntries(statuses),
      ackMs: stats(ackMs),
      endToEndMs: stats(endToEnd),
      notQueryableWithin60s: missing,
      pollIntervalMs: 50, polls, meanPollMs: round(pollMsTotal / Math.max(1, polls)),
      sink: { batches: sink.stats.batches, messages: sink.stats.messages, meanInsertMs: round(sink.stats.insertMsTotal / Math.max(1, sink.stats.batches)) },
      // CPU used while measuring: `paved ingest`, and this process (load sender thread, sink, poller, engine).
      ingestCpuSeconds: round(ingestCpu, 2),
      acceptedDeliveriesPerIngestCpuSecond: Math.round(accepted.size / COMMITS_PER_PUSH / Math.max(0.01, ingestCpu)),
      benchProcessCpuSeconds: round(benchCpu, 2),
    };
    say(`latency at ${rate} events/s: 202→queryable p50 ${result.endToEndMs.p50} ms, p99 ${result.endToEndMs.p99} ms; 202 ack p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms; ${result.acceptedEventsPerSecond} events/s accepted; ingest ${result.ingestCpuSeconds} CPU s`);
    return result;
  } finally {
    ingest.kill('SIGTERM');
    await sink.stop();
    await bus.close();
  }
}

async function main(): Promise<void> {
  const probe = new KafkaClient({ brokers, topicPrefix: `bench-${run}-probe`, clientId: 'paved-bench' });
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
    const endToEnd: Record<string, unknown>[] = [];
    for (const rate of RATES) endToEnd.push(await latency(warehouse, dir, rate));
    sampleLoad('end');
    const report = {
      at: new Date().toISOString(),
      machine: { cores: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, loadavg: loads },
      kafka: { brokers, version: '4.1.2 (scripts/kafka.sh)' },
      warehouse: 'embedded chdb, in the bench process (sink in-process)',
      throughput: sinkThroughput,
      latency: endToEnd,
    };
    mkdirSync(dirname(resolve(ROOT, OUT)), { recursive: true });
    writeFileSync(resolve(ROOT, OUT), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\n== bench:stream ==\n`);
    process.stdout.write(`sink throughput : ${sinkThroughput.sinkEventsPerSecond} events/s over ${EVENTS} events (${sinkThroughput.sinkEventsPerSecondAfterGroupJoin}/s after the group join; ${sinkThroughput.eventsPerSinkCpuSecond} events per sink CPU second) — target ≥ 50000/s\n`);
    for (const l of endToEnd as { targetEventsPerSecond: number; endToEndMs: { p50: number; p99: number; max: number }; ackMs: { p50: number; p99: number }; acceptedEventsPerSecond: number; achievedDeliveriesPerSecond: number; statuses: Record<string, number>; acceptedDeliveriesPerIngestCpuSecond: number }[]) {
      process.stdout.write(`end-to-end @${l.targetEventsPerSecond}/s: 202 → queryable p50 ${l.endToEndMs.p50} ms, p99 ${l.endToEndMs.p99} ms, max ${l.endToEndMs.max} ms; ${l.acceptedEventsPerSecond} events/s accepted (${l.achievedDeliveriesPerSecond} deliveries/s sent, for ${SECONDS}s)\n`);
      process.stdout.write(`webhook ack @${l.targetEventsPerSecond}/s: p50 ${l.ackMs.p50} ms, p99 ${l.ackMs.p99} ms; statuses ${JSON.stringify(l.statuses)} (0 = not sent: over the in-flight cap); ${l.acceptedDeliveriesPerIngestCpuSecond} deliveries per ingest CPU second\n`);
    }
    const phases = [...new Set(loads.map((sample) => sample.phase.split(':')[0]!))].map((phase) => {
      const oneMinute = loads.filter((sample) => sample.phase.startsWith(phase)).map((sample) => sample.load[0]!);
      return `${phase} ${Math.min(...oneMinute)}–${Math.max(...oneMinute)}`;
    });
    process.stdout.write(`machine load    : 1-min loadavg on ${cpus().length} cores — ${phases.join('; ')}\n`);
    process.stdout.write(`written to ${OUT}\n`);
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
