import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../../scripts/loopback.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
const children: ChildProcess[] = [];
const dirs: string[] = [];

function startPaved(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [CLI, 'start', ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  children.push(child);
  return { child, output: () => output };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('paved start', () => {
  it('loads the demo organisation through ingestion and serves its deployments on the dashboard and the API', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'paved-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { child, output } = startPaved(['--scale', 'small', '--seed', '3'], { PAVED_DATA_DIR: dataDir, PORT: String(port) });
    // `loaded` comes first, then the transform over the whole organisation turns `metricsReady` on.
    const seen: string[] = [];
    const health = await waitFor('the demo to load and its metrics to be computed', async () => {
      const response = await fetch(`${base}/api/health`);
      const body = (await response.json()) as { ok: boolean; demo: { loaded: boolean; metricsReady: boolean } | null; schedule: { lastStatus: string | null } };
      const state = `${body.demo?.loaded}/${body.demo?.metricsReady}`;
      if (seen.at(-1) !== state) seen.push(state);
      return body.demo?.metricsReady ? body : null;
    }, 240_000, { detail: () => output().slice(-3000) });
    expect(health).toMatchObject({ ok: true, warehouse: { ok: true, mode: 'embedded' }, bus: { ok: true, kind: 'in-process' }, demo: { loaded: true, metricsReady: true } });
    expect(seen.every((state) => state !== 'false/true'), `metricsReady before loaded: ${seen.join(' → ')}`).toBe(true);
    expect(output()).toMatch(/loading the demo organisation/);

    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
    const dora = (await (await fetch(`${base}/api/v1/metrics/dora?from=${from}&to=${today}`)).json()) as { deploymentFrequency: { deployments: number } };
    expect(dora.deploymentFrequency.deployments).toBeGreaterThan(20);

    const bad = await fetch(`${base}/api/v1/metrics/dora?from=2026-13-01&to=${today}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('from');

    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('Paved');

    // Webhooks stay closed until their secret is configured.
    const unsigned = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'x-github-event': 'ping' }, body: '{}' });
    expect(unsigned.status).toBe(401);

    // A command that needs the warehouse goes through the running server instead of failing on the lock.
    const cli = spawnSync(process.execPath, [CLI, 'metrics', 'dora', '--from', from, '--to', today, '--json'], { env: { ...process.env, PAVED_DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).deploymentFrequency.deployments).toBe(dora.deploymentFrequency.deployments);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  }, 300_000);

  it('--no-demo starts empty and takes a signed GitHub webhook into the warehouse', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'paved-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const secret = 'e2e-secret';
    const { child, output } = startPaved(['--no-demo'], { PAVED_DATA_DIR: dataDir, PORT: String(port), GITHUB_WEBHOOK_SECRET: secret });
    await waitFor('health', async () => ((await fetch(`${base}/api/health`)).ok ? true : null), 120_000, { detail: () => output().slice(-3000) });
    const sha = 'c0ffee0000000000000000000000000000000001';
    const payloads: [string, unknown][] = [
      ['push', { ref: 'refs/heads/main', before: '0'.repeat(40), after: sha, repository: { full_name: 'acme/e2e' }, commits: [{ id: sha, message: 'ship it', timestamp: '2026-11-02T08:00:00Z', author: { name: 'Dev', email: 'd@x', username: 'dev' } }] }],
      ['deployment_status', { deployment: { id: 77, sha, environment: 'production', created_at: '2026-11-02T09:55:00Z' }, deployment_status: { id: 1, state: 'success', updated_at: '2026-11-02T10:00:00Z' }, repository: { full_name: 'acme/e2e' } }],
    ];
    for (const [event, payload] of payloads) {
      const body = JSON.stringify(payload);
      const response = await fetch(`${base}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': `${event}-1`, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` }, body });
      expect(response.status).toBe(202);
    }
    // Run asynchronously: spawnSync would block this process's event loop for the CLI's seconds, so
    // fetch would not see the server close its idle keep-alive socket (after 5 s) and would send the
    // next request on it ("other side closed").
    const cli = spawn(process.execPath, [CLI, 'transform', 'run'], { env: { ...process.env, PAVED_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let cliOutput = '';
    cli.stdout!.on('data', (chunk: Buffer) => { cliOutput += chunk.toString(); });
    cli.stderr!.on('data', (chunk: Buffer) => { cliOutput += chunk.toString(); });
    const [status] = (await once(cli, 'exit')) as [number | null];
    expect(status, cliOutput).toBe(0);
    const dora = (await (await fetch(`${base}/api/v1/metrics/dora?from=2026-11-01&to=2026-11-08&service=acme/e2e`)).json()) as { deploymentFrequency: { deployments: number }; leadTime: { p50Hours: number } };
    expect(dora.deploymentFrequency.deployments).toBe(1);
    expect(dora.leadTime.p50Hours).toBe(2);
    expect(output()).not.toContain(secret);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  }, 200_000);
});
