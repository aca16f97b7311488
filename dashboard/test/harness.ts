/** What the browser tests share: a free port, a clean environment for `paved start`, a demo Paved to test against, polling, Chromium. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { freePort, waitFor } from '../../scripts/loopback.js';

export { freePort, waitFor };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The child's environment without anything that would configure real sources (they switch the demo off). */
export function cleanEnv(dataDir: string, configFile: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(PAVED_|GITHUB_|GITLAB_|JIRA_|PAGERDUTY_|OPSGENIE_|KAFKA_|CLICKHOUSE_|OIDC_|SMTP_|SLACK_)/.test(key) && key !== 'PAVED_DASHBOARD_DIST') continue;
    env[key] = value;
  }
  return { ...env, PAVED_DATA_DIR: dataDir, PAVED_CONFIG: configFile, PORT: String(port), HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'info', ...extra } as unknown as NodeJS.ProcessEnv;
}


export interface DemoPaved {
  /** http://127.0.0.1:<port> */
  base: string;
  /** The data directory `paved start` was given (admin.token lives there). */
  dataDir: string;
  /** What `paved start` printed so far (for failure messages). */
  output: () => string;
  stop: () => Promise<void>;
}

export interface DemoPavedOptions {
  /** The port to listen on (default: a free one), for tests that must know it first (OIDC redirect URIs). */
  port?: number;
  /** Lines of paved.config.yaml after `server: host: 127.0.0.1`. */
  config?: string[];
  /** Further environment for `paved start` (secrets the config names). */
  env?: Record<string, string>;
}

/**
 * `paved start --scale small` in a fresh data directory, as a first start does, resolved once
 * /api/health says `demo.metricsReady` (the transform after the load finished: a page opened after
 * `demo.loaded` but before it shows no data). Needs a dashboard build (PAVED_DASHBOARD_DIST picks
 * the build directory).
 */
export async function startDemoPaved(options: DemoPavedOptions = {}): Promise<DemoPaved> {
  const root = mkdtempSync(join(tmpdir(), 'paved-browser-'));
  const dataDir = join(root, 'data');
  const configFile = join(root, 'paved.config.yaml');
  writeFileSync(configFile, ['server:', '  host: 127.0.0.1', ...(options.config ?? []), ''].join('\n'));
  const build = join(ROOT, 'dashboard', process.env.PAVED_DASHBOARD_DIST || '.next', 'BUILD_ID');
  if (!existsSync(build)) throw new Error(`no dashboard build at ${dirname(build)}: run \`pnpm build\` first`);
  const port = options.port ?? await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const server = spawn(process.execPath, [join(ROOT, 'tools/cli/bin/paved.mjs'), 'start', '--scale', 'small', '--port', String(port)], {
    cwd: ROOT, env: cleanEnv(dataDir, configFile, port, options.env), stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops anything it started (a dashboard build).
    detached: true,
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (server.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => { server.once('exit', resolve); setTimeout(resolve, 10_000); });
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor('the demo organisation to load and its metrics to be computed', async () => {
      if (server.exitCode !== null) throw new Error(`paved start exited (${server.exitCode})`);
      const health = (await (await fetch(`${base}/api/health`)).json()) as { demo?: { metricsReady: boolean } | null };
      return health.demo?.metricsReady ? true : null;
    }, 210_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- paved start output ---\n${output.slice(-4000)}`);
  }
  return { base, dataDir, output: () => output, stop };
}

/**
 * Waits until the page's streamed content is in place. `load` is not enough: React reveals each
 * streamed Suspense boundary on the next animation frame or up to 300 ms later (its reveal
 * throttle), so right after `load` a page can still show the loading skeleton, with the real
 * content in a hidden <div id="S:n">, where role queries do not find it. Fails, naming it, when the
 * page shows a load or render failure instead of its content.
 */
export async function settled(page: Page, what = page.url()): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('template[id^="B:"], div[hidden][id^="S:"]'), undefined, { timeout: 20_000 });
  const failure = page.locator('.failure[role="alert"]');
  if (await failure.count()) throw new Error(`${what} shows a failure instead of its content: ${(await failure.first().innerText()).replace(/\s+/g, ' ')}`);
}

/** Opens `url`, expects 200 and waits until its content is in place (see settled). */
export async function openPage(page: Page, url: string): Promise<void> {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (response?.status() !== 200) throw new Error(`${url} answered ${response?.status()}, expected 200`);
  await settled(page, url);
}
