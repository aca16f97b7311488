/**
 * The Settings page in a real browser against `paved start --no-demo` and the GitHub stand-in:
 * a token without the permissions is told which are missing and why (nothing created); a token
 * with them creates the organisation webhook, backfills, and lands on Data health; the running
 * receiver then accepts a delivery the stand-in signs from the hook's own config (the secret was
 * put in place live). A POST from another site is refused with 403 (viewers: oidc.browser.test.ts).
 *
 * Needs Chromium and a dashboard build (PAVED_DASHBOARD_DIST). Screenshots: test-artifacts/browser/
 * and docs/img/settings.png.
 *   pnpm vitest run dashboard/test/settings.browser.test.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GithubApiStandin } from '../../ingest/test/github-api-standin.js';
import { githubFixture } from '../../ingest/test/github-fixture.js';
import { CHROMIUM, CHROMIUM_ARGS, cleanEnv, freePort, openPage, ROOT, waitFor } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const AXE = createRequire(import.meta.url).resolve('axe-core');

describe.skipIf(!existsSync(CHROMIUM))('Settings: connect GitHub in a browser', () => {
  let standin: GithubApiStandin;
  let server: ChildProcess;
  let output = '';
  let dataDir: string;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const build = join(ROOT, 'dashboard', process.env.PAVED_DASHBOARD_DIST || '.next', 'BUILD_ID');
    if (!existsSync(build)) throw new Error(`no dashboard build at ${dirname(build)}: run \`pnpm build\` first`);
    mkdirSync(ARTIFACTS, { recursive: true });
    standin = await GithubApiStandin.start({
      fixture: githubFixture(),
      tokenProfiles: {
        'classic-read-only': { kind: 'classic', scopes: ['read:org'] },
        'classic-admin': { kind: 'classic', scopes: ['repo', 'admin:org_hook'] },
      },
    });
    dataDir = mkdtempSync(join(tmpdir(), 'paved-settings-'));
    const configFile = join(dataDir, 'paved.config.yaml');
    writeFileSync(configFile, ['server:', '  host: 127.0.0.1', 'sources:', '  github:', `    apiUrl: ${standin.url}`, ''].join('\n'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(ROOT, 'tools/cli/bin/paved.mjs'), 'start', '--no-demo', '--port', String(port)], {
      cwd: ROOT, env: cleanEnv(join(dataDir, 'data'), configFile, port), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('paved start', async () => {
      if (server.exitCode !== null) throw new Error(`paved start exited (${server.exitCode}): ${output.slice(-2000)}`);
      return (await fetch(`${base}/api/health`).catch(() => null))?.ok ? true : null;
    }, 120_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => { server.once('exit', resolve); setTimeout(resolve, 10_000); });
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    await standin?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function fill(token: string) {
    await openPage(page, `${base}/settings`);
    await page.getByLabel('Organisation').fill('acme');
    await page.getByLabel("Paved's public address (GitHub posts to …/webhooks/github)").fill(base);
    await page.getByLabel('Allow a loopback address (testing)').check();
    await page.getByLabel(/^Personal access token/).fill(token);
  }

  it('is in the navigation for an admin and says where each source\'s secret comes from', async () => {
    await openPage(page, `${base}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${base}/settings`);
    await page.getByRole('heading', { name: 'Connect GitHub' }).waitFor();
    expect(await page.locator('#sources').innerText()).toMatch(/GitHub\s+not set: webhooks answer 401/);
  }, 60_000);

  it('a token without the permissions: each missing one with why and how, nothing created', async () => {
    await fill('classic-read-only');
    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    const missing = page.getByRole('region', { name: 'Missing permissions' });
    await missing.waitFor({ timeout: 30_000 });
    const text = await missing.innerText();
    expect(text).toContain('Pull requests: Read-only');
    expect(text).toMatch(/lead time for changes/);
    expect(text).toContain('the admin:org_hook scope');
    await page.getByText('the classic token lacks 7 permissions Paved needs: nothing was created').waitFor();
    expect(standin.hooks).toEqual([]);
    // The token typed in is not sent back into the page.
    expect(await page.content()).not.toContain('classic-read-only');
    await page.screenshot({ path: join(ARTIFACTS, 'settings-missing.png'), fullPage: true });
  }, 60_000);

  it('a token with them: webhook created, backfill followed live, lands on Data health; the running receiver verifies with the new secret', async () => {
    await fill('classic-admin');
    await page.getByRole('button', { name: 'Connect GitHub' }).click();
    await page.waitForURL(/\/health\?connected=github/, { timeout: 120_000 });
    expect(standin.hooks).toHaveLength(1);
    const hook = standin.hooks[0]!;
    expect(hook.config).toMatchObject({ url: `${base}/webhooks/github`, content_type: 'json' });
    const secret = readFileSync(join(dataDir, 'data', 'github-webhook.secret'), 'utf8');
    expect(hook.config.secret).toBe(secret);
    expect(output).not.toContain(secret);
    expect(output).not.toContain('classic-admin');
    const push = { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'd'.repeat(40), repository: { full_name: 'acme/web', name: 'web' }, commits: [], pusher: { name: 'ada' } };
    expect((await standin.deliver(hook, 'push', push)).status).toBe(202);

    // Back on Settings: what was done, and the secret now set from the data directory.
    await openPage(page, `${base}/settings`);
    expect(await page.locator('#sources').innerText()).toMatch(/GitHub\s+set \(data directory\)/);
    await page.getByText(/^Webhook created on/).waitFor();
    await page.getByText(/^connected: 1 webhook, 3 repositories backfilled/).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'settings-connected.png'), fullPage: true });
    copyFileSync(join(ARTIFACTS, 'settings-connected.png'), join(ROOT, 'docs', 'img', 'settings.png'));
    // The stand-in organisation's history is in January 2026.
    const dora = (await (await fetch(`${base}/api/v1/metrics/dora?from=2026-01-01&to=2026-03-01`)).json()) as { deploymentFrequency?: { deployments: number } };
    expect(dora.deploymentFrequency?.deployments ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it('`paved connect github` while paved start runs goes through it (admin token) and updates the same hook', async () => {
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'tools/cli/bin/paved.mjs'), 'connect', 'github', '--org', 'acme', '--url', base, '--allow-loopback', '--no-backfill'], {
        cwd: ROOT, env: { ...cleanEnv(join(dataDir, 'data'), join(dataDir, 'paved.config.yaml'), Number(new URL(base).port)), GITHUB_TOKEN: 'classic-admin' },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.on('close', (status) => resolve({ status, stderr }));
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/paved start \(pid \d+\) holds the warehouse: it connects GitHub/);
    expect(run.stderr).toContain(`webhook updated on the organisation acme (#${standin.hooks[0]!.id})`);
    expect(run.stderr).toContain(`Data health: ${base}/health`);
    expect(standin.hooks).toHaveLength(1);
  }, 120_000);

  it('on a phone (390×844) nothing overflows sideways, and axe-core finds no serious or critical violation', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await openPage(phone, `${base}/settings`);
    await phone.waitForTimeout(300);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(ARTIFACTS, 'settings-phone.png'), fullPage: true });
    for (const target of [phone, page]) {
      await openPage(target, `${base}/settings`);
      await target.addScriptTag({ path: AXE });
      const violations = await target.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes[0]?.target)}`);
      });
      expect(violations).toEqual([]);
    }
    await phone.close();
  }, 60_000);

  it('a POST from another site is refused with 403, and starts nothing', async () => {
    const response = await fetch(`${base}/api/admin/connect/github`, {
      method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'acme', url: 'https://evil.example', credentials: { kind: 'token', token: 'classic-admin' } }),
    });
    expect(response.status).toBe(403);
    expect(standin.hooks).toHaveLength(1);
  });
});
