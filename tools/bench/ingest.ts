/**
 * pnpm bench:ingest — the ingestion front door on this machine, loopback only, every loop bounded:
 *   1. webhooks: signed GitHub push deliveries into a WebhookReceiver (signature check, archive,
 *      normalise, publish to the in-process bus with a draining consumer) on an HTTP server in a
 *      worker thread; a keep-alive client with ~32 requests in flight. Deliveries/s and the
 *      latency to the 202 (p50/p99);
 *   2. backfill: requests per 1,000 pull requests against the GitHub API stand-in (GraphQL pages
 *      of 50 and 100 with reviews and commits nested), and a full backfill's requests by kind.
 * Writes test-artifacts/bench-ingest.json.
 *
 * The bus journals to a temporary directory as `paved start` does (framed records, group-committed
 * fdatasync before each 202; docs/operations.md); BENCH_JOURNAL=0 measures the memory-only bus.
 *
 * BENCH_REQUESTS (20000), BENCH_CONCURRENCY (32), BENCH_PULL_REQUESTS (1000), BENCH_JOURNAL (1)
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { BusRecord } from '@paved/ingest';
import { type BackfillResult, backfillGithub, defaultNormaliseContext, GithubApi, InProcessBus, MemoryCursorStore, WebhookReceiver } from '@paved/ingest';
import { GithubApiStandin } from '../../ingest/test/github-api-standin.js';
import { githubFixture } from '../../ingest/test/github-fixture.js';
import { percentile } from './percentile.js';

const SECRET = 'bench-webhook-secret';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = Math.min(2_000, Math.round(REQUESTS / 10));
const PULL_REQUESTS = Number(process.env.BENCH_PULL_REQUESTS ?? 1_000);
const JOURNAL = process.env.BENCH_JOURNAL !== '0';

type ServerMessage =
  | { kind: 'listening'; port: number }
  | { kind: 'stats'; accepted: number; rejected: Record<string, number>; ackMs: number[]; published: number; syncs: number };

// ---------------------------------------------------------------------------------------------
// the receiver under test (worker thread)

async function serve(): Promise<void> {
  const bus = new InProcessBus(JOURNAL ? { journalDir: mkdtempSync(join(tmpdir(), 'paved-bench-journal-')) } : {});
  let published = 0;
  // Stands in for the sink: consumes and commits every batch at once, so the bus never fills up.
  await bus.consume({ groupId: 'bench', maxBatchSize: 10_000, maxBatchWaitMs: 0 }, async (messages) => { published += messages.length; });
  const receiver = new WebhookReceiver({ bus, secrets: { GITHUB_WEBHOOK_SECRET: SECRET }, context: defaultNormaliseContext });
  // Inside the receiver: from the request's arrival to the answer written (the receiver's own histogram has buckets, not samples).
  const ackMs: number[] = [];
  const server = createServer((req, res) => {
    const started = performance.now();
    void receiver.handle(req, res).then((handled) => {
      if (!handled) { res.writeHead(404); res.end(); return; }
      if (res.statusCode === 202) ackMs.push(performance.now() - started);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage({ kind: 'listening', port: (server.address() as AddressInfo).port } satisfies ServerMessage));
  parentPort!.on('message', (message: string) => {
    if (message !== 'stats') return;
    const { accepted, rejected } = receiver.stats;
    parentPort!.postMessage({ kind: 'stats', accepted, rejected, ackMs: [...ackMs], published, syncs: bus.journalSyncs } satisfies ServerMessage);
  });
}

// ---------------------------------------------------------------------------------------------
// the client

/** A push of three commits, about the size of a typical one (~3 KB). */
function pushBody(): string {
  const commit = (n: number) => ({
    id: createHmac('sha1', 'bench').update(String(n)).digest('hex'), tree_id: createHmac('sha1', 'tree').update(String(n)).digest('hex'), distinct: true,
    message: `Change ${n}: retry card authorisations on timeouts`, timestamp: '2026-03-02T09:15:00+01:00', url: `https://github.com/acme/payments-api/commit/${n}`,
    author: { name: 'Ana Lima', email: 'ana@acme.test', username: 'ana' }, committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [], removed: [], modified: ['src/payments/retry.ts', 'src/payments/retry.test.ts'],
  });
  const commits = [commit(1), commit(2), commit(3)];
  return JSON.stringify({
    ref: 'refs/heads/main', before: `${'0'.repeat(39)}1`, after: commits[2]!.id, created: false, deleted: false, forced: false, base_ref: null,
    compare: 'https://github.com/acme/payments-api/compare/1...3', commits, head_commit: commits[2],
    repository: { id: 500, name: 'payments-api', full_name: 'acme/payments-api', private: true, owner: { login: 'acme', id: 9000, type: 'Organization' }, default_branch: 'main', pushed_at: 1772439300 },
    pusher: { name: 'ana', email: 'ana@acme.test' }, sender: { login: 'ana', id: 1001, type: 'User' },
  });
}

function post(agent: Agent, port: number, body: string, signature: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolvePost, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/webhooks/github', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
    }, (res) => {
      res.resume();
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` requests, `concurrency` in flight; the latency of each from send to the end of its answer. */
async function load(agent: Agent, port: number, count: number, concurrency: number): Promise<{ ms: number; latencies: number[]; statuses: Record<string, number> }> {
  const body = pushBody();
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next += 1;
      const answer = await post(agent, port, body, signature);
      latencies.push(answer.ms);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    }
  }));
  return { ms: performance.now() - started, latencies, statuses };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function webhookBench() {
  // Workers do not inherit tsx's loader on Node 20: the worker registers it, then loads this file.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); }).catch((error) => { setImmediate(() => { throw error; }); })`,
    { eval: true },
  );
  const messages: ServerMessage[] = [];
  const waiting: ((message: ServerMessage) => void)[] = [];
  worker.on('message', (message: ServerMessage) => { const wake = waiting.shift(); if (wake) wake(message); else messages.push(message); });
  const nextMessage = () => new Promise<ServerMessage>((resolveMessage) => { const queued = messages.shift(); if (queued) resolveMessage(queued); else waiting.push(resolveMessage); });
  const listening = await nextMessage();
  if (listening.kind !== 'listening') throw new Error('the receiver worker did not start');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    await load(agent, listening.port, WARMUP, CONCURRENCY);
    worker.postMessage('stats');
    const warm = await nextMessage();
    const run = await load(agent, listening.port, REQUESTS, CONCURRENCY);
    worker.postMessage('stats');
    const stats = await nextMessage();
    if (warm.kind !== 'stats' || stats.kind !== 'stats') throw new Error('no stats from the receiver worker');
    const serverAck = stats.ackMs.slice(-REQUESTS);
    return {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      statuses: run.statuses,
      deliveriesPerSecond: Math.round(REQUESTS / (run.ms / 1000)),
      ackMs: { p50: round(percentile(run.latencies, 0.5)), p99: round(percentile(run.latencies, 0.99)), max: round(Math.max(...run.latencies)) },
      // Inside the receiver: from the request's arrival to the 202 (signature, archive, normalise, publish).
      receiverMs: { p50: round(percentile(serverAck, 0.5), 3), p99: round(percentile(serverAck, 0.99), 3) },
      busRecordsPublished: stats.published - warm.published,
      journal: JOURNAL ? { fdatasyncs: stats.syncs - warm.syncs, deliveriesPerSync: round(REQUESTS / Math.max(1, stats.syncs - warm.syncs), 1) } : null,
      bodyBytes: Buffer.byteLength(pushBody()),
    };
  } finally {
    agent.destroy();
    await worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// backfill cost against the stand-in

class CountingBus extends InProcessBus {
  records = 0;
  override async publish(records: BusRecord[]): Promise<void> {
    this.records += records.length;
  }
}

async function backfillBench() {
  const standin = await GithubApiStandin.start({ fixture: githubFixture({ pullRequests: PULL_REQUESTS, repos: 1 }) });
  const run = async (options: { pageSize?: number; kinds?: Parameters<typeof backfillGithub>[0]['kinds'] }): Promise<BackfillResult> => {
    const api = await GithubApi.connect({ apiUrl: standin.url, auth: { kind: 'token', token: 'standin-token' }, graphqlIntervalMs: 0 });
    return backfillGithub({
      api, bus: new CountingBus(), cursors: new MemoryCursorStore(), context: { ...defaultNormaliseContext, deploymentWorkflowPattern: /deploy/i },
      org: 'acme', pullRequestPageSize: options.pageSize, kinds: options.kinds,
    });
  };
  try {
    const pageOf50 = await run({ pageSize: 50, kinds: ['pull_requests'] });
    const pageOf100 = await run({ pageSize: 100, kinds: ['pull_requests'] });
    const full = await run({});
    return {
      pullRequests: pageOf50.fetched.pullRequests,
      requestsPer1000PullRequests: { graphqlPageOf50: pageOf50.requestsPer1000PullRequests, graphqlPageOf100: pageOf100.requestsPer1000PullRequests },
      pullRequestsPerSecond: { graphqlPageOf50: Math.round(pageOf50.fetched.pullRequests / (pageOf50.ms / 1000)), graphqlPageOf100: Math.round(pageOf100.fetched.pullRequests / (pageOf100.ms / 1000)) },
      fullBackfill: { fetched: full.fetched, requests: full.requests, requestsByKind: full.requestsByKind, events: full.events, seconds: round(full.ms / 1000, 1) },
      note: 'the stand-in answers GraphQL without delay and the bench sets no pause between GraphQL queries; against GitHub, octokit spaces them by 1 s',
    };
  } finally {
    await standin.close();
  }
}

async function main(): Promise<void> {
  const webhooks = await webhookBench();
  const backfill = await backfillBench();
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverage1m: round(loadavg()[0] ?? 0), node: process.version },
    webhooks,
    backfill,
  };
  process.stdout.write(`${[
    `webhooks: ${webhooks.requests} signed GitHub push deliveries, ${webhooks.concurrency} in flight, keep-alive: ${webhooks.deliveriesPerSecond} deliveries/s`,
    `  ack (client): p50 ${webhooks.ackMs.p50} ms, p99 ${webhooks.ackMs.p99} ms, max ${webhooks.ackMs.max} ms; inside the receiver p50 ${webhooks.receiverMs.p50} ms, p99 ${webhooks.receiverMs.p99} ms`,
    `  answers: ${JSON.stringify(webhooks.statuses)}, bus records: ${webhooks.busRecordsPublished}`,
    webhooks.journal ? `  journal: ${webhooks.journal.fdatasyncs} fdatasyncs (${webhooks.journal.deliveriesPerSync} deliveries each)` : '  journal: off (BENCH_JOURNAL=0, memory only)',
    `backfill: ${backfill.pullRequests} pull requests: ${backfill.requestsPer1000PullRequests.graphqlPageOf50} requests per 1,000 (GraphQL pages of 50), ${backfill.requestsPer1000PullRequests.graphqlPageOf100} (pages of 100)`,
    `  full backfill of the repository: ${backfill.fullBackfill.requests} requests ${JSON.stringify(backfill.fullBackfill.requestsByKind)}, ${backfill.fullBackfill.events} events in ${backfill.fullBackfill.seconds} s`,
    `machine: ${report.machine.cpus} cores, load average ${report.machine.loadAverage1m} (shared machines make these numbers noisy)`,
  ].join('\n')}\n`);
  const dir = resolve(process.cwd(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-ingest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${join(dir, 'bench-ingest.json')}\n`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:ingest failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  void serve();
}
