import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, type BusRecord, defaultNormaliseContext, GITHUB_WEBHOOK_EVENTS, InProcessBus, WebhookReceiver } from '@paved/ingest';
import { loadConfig } from '@paved/runtime';
import { Warehouse } from '@paved/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GithubApiStandin } from '../../../ingest/test/github-api-standin.js';
import { githubFixture } from '../../../ingest/test/github-fixture.js';

/*
 * `paved connect github` as a user runs it: the CLI in its own process against the GitHub
 * stand-in, the embedded warehouse in a temporary directory. Missing permissions stop it before
 * anything is created; with enough, it creates the organisation webhook with Paved's events and a
 * secret kept 0600 in the data directory (which Paved's receiver then verifies a delivery with),
 * backfills with progress until rows are in the warehouse, and a second run updates the hook
 * instead of adding one.
 */

const BIN = join(import.meta.dirname, '..', 'bin', 'paved.mjs');
let dir: string;
let standin: GithubApiStandin;
let receiverServer: Server;
let receiverUrl: string;
const secrets: { GITHUB_WEBHOOK_SECRET?: string } = {};
const records: BusRecord[] = [];

class RecordingBus extends InProcessBus {
  override async publish(batch: BusRecord[]): Promise<void> {
    records.push(...batch);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paved-connect-cli-'));
  standin = await GithubApiStandin.start({
    fixture: githubFixture(),
    tokenProfiles: {
      'classic-read-only': { kind: 'classic', scopes: ['read:org', 'repo:status'] },
      'classic-admin': { kind: 'classic', scopes: ['repo', 'admin:org_hook'] },
    },
  });
  // Paved's receiver, with the secrets `paved start` would load from this data directory.
  const receiver = new WebhookReceiver({ bus: new RecordingBus() as Bus, secrets, context: defaultNormaliseContext });
  receiverServer = createServer((req, res) => void receiver.handle(req, res).then((handled) => { if (!handled) { res.writeHead(404); res.end(); } }));
  await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'paved.config.yaml'), ['sources:', '  github:', `    apiUrl: ${standin.url}`, '    org: acme', 'server:', `  publicUrl: ${receiverUrl}`, ''].join('\n'));
}, 60_000);

afterAll(async () => {
  await standin?.close();
  await new Promise((resolve) => receiverServer?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function paved(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PAVED_CONFIG: join(dir, 'paved.config.yaml'), PAVED_DATA_DIR: join(dir, 'data'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const secretFile = () => join(dir, 'data', 'github-webhook.secret');

describe('paved connect github (CLI, embedded warehouse)', () => {
  it('permissions missing: each is named with why and how to grant it, exit code 1, no webhook, no secret, no backfill', async () => {
    const run = await paved(['connect', 'github', '--allow-loopback'], { GITHUB_TOKEN: 'classic-read-only' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the classic token lacks 7 permissions Paved needs: nothing was created');
    expect(run.stderr).toMatch(/missing Pull requests: Read-only — needed pull requests with their reviews and commits \(lead time for changes, review time\); grant: the repo scope/);
    expect(run.stderr).toMatch(/missing Organization permissions → Webhooks: Read and write — needed to create the organisation webhook.*grant: the admin:org_hook scope.*X-OAuth-Scopes: read:org, repo:status/);
    expect(run.stderr).not.toContain('classic-read-only');
    expect(run.stderr).not.toContain('Data health');
    expect(standin.hooks).toEqual([]);
    expect(existsSync(secretFile())).toBe(false);
    expect(standin.takeRequests().filter((r) => r.method !== 'GET' || /pulls|deployments\?/.test(r.path))).toEqual([]);
  }, 60_000);

  it('a loopback URL is refused unless --allow-loopback (GitHub cannot reach it)', async () => {
    const run = await paved(['connect', 'github', '--check'], { GITHUB_TOKEN: 'classic-admin' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/127\.0\.0\.1:\d+ is a loopback address, which GitHub cannot reach: give the address GitHub can post to/);
  }, 60_000);

  it('--check only checks: every permission there, exit 0, nothing created', async () => {
    const run = await paved(['connect', 'github', '--check', '--url', 'https://paved.acme.example'], { GITHUB_TOKEN: 'classic-admin' });
    expect(run.stderr).toContain('the classic token has every permission Paved needs (webhook on the organisation acme)');
    expect(run.status).toBe(0);
    expect(standin.hooks).toEqual([]);
  }, 60_000);

  it('creates the organisation webhook (events, JSON, a 0600 secret Paved verifies with), backfills with progress until rows land, and points at Data health', async () => {
    standin.takeRequests();
    const run = await paved(['connect', 'github', '--allow-loopback'], { GITHUB_TOKEN: 'classic-admin' });
    expect(run.stderr).not.toContain('classic-admin');
    expect(run.status, run.stderr).toBe(0);
    expect(standin.hooks).toHaveLength(1);
    const hook = standin.hooks[0]!;
    expect(hook).toMatchObject({ repo: null, active: true, events: [...GITHUB_WEBHOOK_EVENTS], config: { url: `${receiverUrl}/webhooks/github`, content_type: 'json' } });
    expect(run.stderr).toContain(`webhook created on the organisation acme (#${hook.id}): 9 events → ${receiverUrl}/webhooks/github`);

    // The secret: random, only in the owner-only file and on the hook; never printed.
    const secret = readFileSync(secretFile(), 'utf8');
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(secretFile()).mode & 0o777).toBe(0o600);
    expect(hook.config.secret).toBe(secret);
    expect(run.stderr + run.stdout).not.toContain(secret);
    expect(run.stderr).toContain('note: a new webhook secret is in');

    // Progress, then the counts, the transform, and where to look.
    expect(run.stderr).toMatch(/backfill github: \d+\/\d+ \(\d+%\)/);
    expect(run.stderr).toMatch(/backfilled 3 repositories: \d+ pull requests/);
    expect(run.stderr).toMatch(/connected: 1 webhook, 3 repositories backfilled/);
    expect(run.stderr).toContain(`Data health: ${receiverUrl}/health`);

    // `paved start` on this data directory loads the stored secret; the hook's delivery is accepted with it.
    const { env } = loadConfig({ PAVED_CONFIG: join(dir, 'paved.config.yaml'), PAVED_DATA_DIR: join(dir, 'data') });
    expect(env.GITHUB_WEBHOOK_SECRET).toBe(secret);
    secrets.GITHUB_WEBHOOK_SECRET = env.GITHUB_WEBHOOK_SECRET;
    const push = { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'c'.repeat(40), repository: { full_name: 'acme/web', name: 'web' }, commits: [], pusher: { name: 'ada' } };
    expect((await standin.deliver(hook, 'push', push)).status).toBe(202);

    // Rows landed in the warehouse.
    const warehouse = await Warehouse.open({ dataDir: join(dir, 'data'), command: 'connect test' });
    try {
      const [row] = await warehouse.query('SELECT count() AS n FROM {{db}}.deployment_statuses', {}, z.object({ n: z.coerce.number() }));
      expect(row!.n).toBeGreaterThan(0);
    } finally {
      await warehouse.close();
    }
  }, 240_000);

  it('already there: a second connect updates the same hook (no duplicate) and keeps the secret', async () => {
    const before = standin.hooks[0]!;
    // Someone changed it by hand in the meantime.
    before.events = ['push'];
    before.active = false;
    const run = await paved(['connect', 'github', '--allow-loopback', '--no-backfill'], { GITHUB_TOKEN: 'classic-admin' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`webhook updated on the organisation acme (#${before.id})`);
    expect(standin.hooks).toHaveLength(1);
    expect(standin.hooks[0]).toMatchObject({ id: before.id, active: true, events: [...GITHUB_WEBHOOK_EVENTS], config: { secret: readFileSync(secretFile(), 'utf8') } });
  }, 120_000);
});
