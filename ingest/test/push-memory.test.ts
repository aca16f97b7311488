/**
 * A push of 100,000 commits (about 13 MB of JSON, under the 25 MiB body limit) through the webhook
 * receiver, in its own process: the memory it takes while normalising and after must stay bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'push-memory-secret';
const MiB = 1024 * 1024;
const COMMITS = 100_000;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

function bigPush(commits: number): Buffer {
  const sha = (i: number) => i.toString(16).padStart(40, '0');
  const list = Array.from({ length: commits }, (_, i) => `{"id":"${sha(i + 1)}","message":"change ${i}","timestamp":"2026-01-01T00:00:00Z","author":{"name":"a","email":"a@x","username":"a"}}`);
  return Buffer.from(`{"ref":"refs/heads/main","before":"${'0'.repeat(40)}","after":"${sha(commits)}","repository":{"full_name":"acme/huge","name":"huge"},"pusher":{"name":"a"},"commits":[${list.join(',')}]}`);
}

describe('a 100k-commit push', () => {
  let child: ChildProcess;
  let port: number;
  let pid: number;

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'webhook-server.ts')], {
      cwd: join(import.meta.dirname, '..'), env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET, FIXTURE_BUS: 'count' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
    });
    ({ port, pid } = JSON.parse(line) as { port: number; pid: number });
  }, 60_000);
  afterAll(() => { child?.kill('SIGKILL'); });

  const send = async (body: Buffer, id: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is accepted with every commit and the server stays within a bounded amount of memory', async () => {
    // Warm up the same path with a small push.
    expect((await send(bigPush(100), 'warm-up')).status).toBe(202);
    const body = bigPush(COMMITS);
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 10);
    const started = performance.now();
    const result = await send(body, 'huge-1');
    const ms = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(pid));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = rssOf(pid);
    console.log(`[push-memory] ${COMMITS} commits, body ${(body.length / MiB).toFixed(1)} MiB, ${ms.toFixed(0)} ms; rss baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - baseline) / MiB).toFixed(0)}), 1 s after ${(after / MiB).toFixed(0)} MiB`);
    expect(result.status).toBe(202);
    expect(result.body).toMatchObject({ outcome: 'ok', events: COMMITS + 1 });
    expect(peak - baseline).toBeLessThan(Number(process.env.PUSH_MEMORY_LIMIT_MB ?? 400) * MiB);
  }, 180_000);
});
