/**
 * Unauthenticated traffic costs a bounded amount of memory: headers that cannot authenticate are
 * refused before the body is read; signed bodies are held only under a per-request limit and a
 * budget shared by all requests, and released when the signature fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusRecord } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process.js';
import { defaultNormaliseContext } from '../src/delivery.js';
import { UNVERIFIED_BUDGET_BYTES } from '../src/http/body.js';
import { WebhookReceiver } from '../src/http/webhooks.js';

const SECRET = 'limits-secret';
const MiB = 1024 * 1024;
const BAD_SHA256 = `sha256=${'0'.repeat(64)}`;

class RecordingBus extends InProcessBus {
  readonly records: BusRecord[] = [];
  override async publish(records: BusRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A request whose body the test writes piece by piece; `answer` resolves when the server answers, whether or not the body ended. */
function openRequest(port: number, path: string, headers: Record<string, string>) {
  let closed = false;
  const request: ClientRequest = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false });
  request.on('error', () => { closed = true; });
  request.on('close', () => { closed = true; });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', (error) => setTimeout(() => reject(error), 200));
  });
  answer.catch(() => {});
  let answered = false;
  void answer.then(() => { answered = true; }, () => {});
  /** Writes `bytes` (in 64 KiB pieces, waiting for the socket), stopping early once answered or closed. */
  const write = async (bytes: number, fill = 0x20): Promise<number> => {
    const piece = Buffer.alloc(64 * 1024, fill);
    let written = 0;
    while (written < bytes && !answered && !closed) {
      const slice = piece.subarray(0, Math.min(piece.length, bytes - written));
      written += slice.length;
      if (!request.write(slice)) await new Promise<void>((resolve) => { request.once('drain', resolve); request.once('close', resolve); });
    }
    return written;
  };
  return { request, answer, write, isClosed: () => closed, isAnswered: () => answered };
}

const sign = (body: Buffer | string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('refusal before the body is read (in process)', () => {
  let server: Server;
  let port: number;
  let receiver: WebhookReceiver;
  const bus = new RecordingBus();

  beforeAll(async () => {
    receiver = new WebhookReceiver({
      bus: bus as Bus, context: defaultNormaliseContext, unverifiedBudgetBytes: 1 * MiB, maxBodyBytes: 768 * 1024,
      secrets: { GITHUB_WEBHOOK_SECRET: SECRET, PAGERDUTY_WEBHOOK_SECRET: 'pd', PAVED_WEBHOOK_HMAC_SECRET: 'generic' },
    });
    server = createServer((req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)); });

  const refusedUnread: [string, string, Record<string, string>][] = [
    ['GitHub without any signature header', '/webhooks/github', { 'x-github-event': 'push' }],
    ['GitHub with an empty X-Hub-Signature-256', '/webhooks/github', { 'x-github-event': 'push', 'x-hub-signature-256': '' }],
    ['GitHub with a signature that is not hex', '/webhooks/github', { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=zz' }],
    ['PagerDuty without X-PagerDuty-Signature', '/webhooks/pagerduty', {}],
    ['PagerDuty with a truncated v1 signature', '/webhooks/pagerduty', { 'x-pagerduty-signature': 'v1=00' }],
    ['generic with neither token nor signature', '/webhooks/deployments', {}],
    ['generic with a malformed X-Paved-Signature', '/webhooks/deployments', { 'x-paved-signature': 'md5=abc' }],
  ];
  for (const [name, path, headers] of refusedUnread) {
    it(`${name}: 401 while the body is still being sent, nothing held, connection closed`, async () => {
      const open = openRequest(port, path, { 'content-length': String(20 * MiB), ...headers });
      open.request.write(Buffer.alloc(1024, 0x20));
      const answer = await open.answer;
      expect(answer.status).toBe(401);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body).message).toMatch(/header|credentials|malformed/i);
      expect(receiver.unverified.inFlight).toBe(0);
      await expect.poll(() => open.isClosed()).toBe(true);
      expect(bus.records).toEqual([]);
    });
  }

  it('past the shared budget a signed body is refused with 503 and Retry-After; the first one is released at 401', async () => {
    // Budget 1 MiB, route limit 768 KiB: each body alone fits, the two together do not.
    const first = openRequest(port, '/webhooks/github', { 'content-length': String(700 * 1024), 'x-github-event': 'push', 'x-hub-signature-256': BAD_SHA256 });
    await first.write(600 * 1024);
    await expect.poll(() => receiver.unverified.inFlight).toBe(600 * 1024);
    const second = openRequest(port, '/webhooks/github', { 'content-length': String(700 * 1024), 'x-github-event': 'push', 'x-hub-signature-256': BAD_SHA256 });
    await second.write(700 * 1024);
    const refused = await second.answer;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.headers.connection).toBe('close');
    await expect.poll(() => second.isClosed()).toBe(true);
    expect(receiver.unverified.inFlight).toBe(600 * 1024);
    // The first body ends, its signature fails: 401 and its bytes no longer count.
    await first.write(100 * 1024);
    first.request.end();
    expect((await first.answer).status).toBe(401);
    expect(receiver.unverified.inFlight).toBe(0);
  });

  it('a sender that goes away mid-body gives its reserved bytes back', async () => {
    const open = openRequest(port, '/webhooks/github', { 'content-length': String(700 * 1024), 'x-github-event': 'push', 'x-hub-signature-256': BAD_SHA256 });
    await open.write(300 * 1024);
    await expect.poll(() => receiver.unverified.inFlight).toBe(300 * 1024);
    open.request.destroy();
    await expect.poll(() => receiver.unverified.inFlight).toBe(0);
    expect(receiver.stats.rejected.aborted).toBe(1);
  });

  it('a chunked body (no Content-Length) past the route limit is 413 and the connection is closed', async () => {
    // A token sender is authenticated before its body, so only the route's limit (here 256 KiB) applies.
    const tokenReceiver = new WebhookReceiver({ bus: bus as Bus, context: defaultNormaliseContext, maxBodyBytes: 256 * 1024, secrets: { PAVED_WEBHOOK_TOKEN: 'tok' } });
    const small = createServer((req, res) => void tokenReceiver.handle(req, res));
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    try {
      const big = openRequest((small.address() as AddressInfo).port, '/webhooks/deployments', { 'transfer-encoding': 'chunked', authorization: 'Bearer tok' });
      await big.write(4 * MiB);
      const answer = await big.answer;
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      await expect.poll(() => big.isClosed()).toBe(true);
    } finally {
      small.closeAllConnections();
      await new Promise((resolve) => small.close(resolve));
    }
  });

  it('a signed body under the limits is checked over its raw bytes as it streams and accepted', async () => {
    const body = Buffer.from(JSON.stringify({ id: 'argo-7', service: 'api', environment: 'production', sha: 'abcdef1', status: 'success', finished_at: '2026-01-01T10:00:00Z' }));
    const open = openRequest(port, '/webhooks/deployments', { 'content-length': String(body.length), 'x-paved-signature': sign(body, 'generic') });
    open.request.end(body);
    expect((await open.answer).status).toBe(202);
    expect(receiver.unverified.inFlight).toBe(0);
  });
});

/** VmRSS of a process, in bytes. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

describe('memory under a flood of unsigned bodies (separate process)', () => {
  let child: ChildProcess;
  let port: number;
  let pid: number;

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'webhook-server.ts')], {
      cwd: join(import.meta.dirname, '..'), env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
    });
    ({ port, pid } = JSON.parse(line) as { port: number; pid: number });
  }, 60_000);
  afterAll(() => { child?.kill('SIGKILL'); });

  it('24 bad-signature 20 MiB bodies held open grow the server by less than 150 MB, and all is released', async () => {
    const body = Buffer.from('{"zen":"warm-up"}');
    // Warm up the paths the flood takes (JIT, a 401 and a 202-less refusal) before the baseline.
    for (let i = 0; i < 5; i += 1) {
      const warm = openRequest(port, '/webhooks/github', { 'content-length': String(body.length), 'x-github-event': 'ping', 'x-hub-signature-256': BAD_SHA256 });
      warm.request.end(body);
      expect((await warm.answer).status).toBe(401);
    }
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 20);
    const size = 20 * MiB;
    const flood = Array.from({ length: 24 }, () => openRequest(port, '/webhooks/github', { 'content-length': String(size), 'x-github-event': 'push', 'x-hub-signature-256': BAD_SHA256 }));
    // Every connection sends all but its last byte and stays open (unless the server refused it).
    await Promise.all(flood.map((open) => open.write(size - 1)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    peak = Math.max(peak, rssOf(pid));
    const held = ((await (await fetch(`http://127.0.0.1:${port}/held`)).json()) as { held: number }).held;
    const refused = flood.filter((open) => open.isAnswered()).length;
    for (const open of flood) if (!open.isAnswered() && !open.isClosed()) open.request.end(Buffer.from(' '));
    const answers = await Promise.all(flood.map((open) => open.answer.then((a) => a.status, () => 'reset')));
    clearInterval(sampler);
    const after = ((await (await fetch(`http://127.0.0.1:${port}/held`)).json()) as { held: number }).held;
    console.log(`[limits] rss baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB (+${((peak - baseline) / MiB).toFixed(1)} MiB); held while open ${(held / MiB).toFixed(1)} MiB; refused early ${refused}/24; answers ${JSON.stringify(Object.fromEntries([...new Set(answers)].map((s) => [s, answers.filter((a) => a === s).length])))}`);
    expect(peak - baseline).toBeLessThan(150 * 1000 * 1000);
    expect(held).toBeLessThanOrEqual(UNVERIFIED_BUDGET_BYTES);
    expect(refused).toBeGreaterThan(0);
    // Every sender reads its answer (no reset wipes it): the held ones 401, the rest 503.
    expect(answers.filter((status) => status === 401).length).toBe(24 - refused);
    expect(answers.filter((status) => status === 503).length).toBe(refused);
    expect(after).toBe(0);
  }, 120_000);
});
