/**
 * DNS rebinding against a real `paved start` without sign-in: a page at rebind.attacker.example
 * (resolving to 127.0.0.1) sends `Host: rebind.attacker.example:<port>` and a matching Origin.
 * Every admin action and export is refused; the same requests with a loopback Host from a Paved
 * page go through, and without any Origin they need the admin token (docs/security.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../../scripts/loopback.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
let child: ChildProcess;
let port: number;
let dataDir: string;
let output = '';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'paved-rebinding-'));
  port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env, PAVED_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PAVED_CONFIG: '', LOG_LEVEL: 'info' };
  for (const key of Object.keys(env)) if (/^(GITHUB_|KAFKA_|CLICKHOUSE_|OIDC_)|^PAVED_ADMIN_TOKEN$/.test(key)) delete env[key];
  child = spawn(process.execPath, [CLI, 'start', '--no-demo'], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await waitFor('paved start to answer', async () => ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok ? true : null), 600_000, { detail: () => output.slice(-3000) });
}, 620_000);
afterAll(() => {
  child?.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, setHost: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const ATTACKER = () => `rebind.attacker.example:${port}`;
const json = { 'content-type': 'application/json' };
const actions: [string, string, string, string][] = [
  ['recompute', 'POST', '/api/admin/transform', ''],
  ['overrides', 'POST', '/api/admin/overrides', JSON.stringify({ kind: 'repo', key: 'acme/api', service: 'evil' })],
  ['ROI', 'POST', '/api/admin/roi', JSON.stringify({ currency: 'EUR' })],
  ['dead-letter replay', 'POST', '/api/admin/dlq/replay', '{}'],
  ['digests', 'POST', '/api/admin/digest', '{}'],
  ['exports', 'GET', '/api/v1/export/deployments.csv', ''],
];

describe('paved start without sign-in, under DNS rebinding', () => {
  it.each(actions)('%s with an attacker Host and matching Origin is refused (4xx)', async (_name, method, path, body) => {
    const answer = await send(method, path, { host: ATTACKER(), origin: `http://${ATTACKER()}`, ...json }, body);
    expect(answer.status).toBe(421);
  });

  it('recompute from a Paved page (loopback Host, same Origin) goes through', async () => {
    const answer = await send('POST', '/api/admin/transform', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });
    expect(answer.status).toBe(200);
  });

  it('a state-changing request with neither Origin nor Referer is refused without the token, accepted with it', async () => {
    expect((await send('POST', '/api/admin/transform', { host: `127.0.0.1:${port}` })).status).toBe(403);
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    expect((await send('POST', '/api/admin/transform', { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('a foreign Origin on the loopback Host is refused', async () => {
    expect((await send('POST', '/api/admin/roi', { host: `localhost:${port}`, origin: 'https://evil.example', ...json }, '{"currency":"EUR"}')).status).toBe(403);
  });
});
