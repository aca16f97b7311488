import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dashboard');

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** The build directory next.config.mjs uses: PAVED_DASHBOARD_DIST (e.g. .next-bench) or .next. */
export function dashboardDist(): string {
  return join(DASHBOARD_DIR, process.env.PAVED_DASHBOARD_DIST || '.next');
}

export function dashboardBuilt(): boolean {
  return existsSync(join(dashboardDist(), 'BUILD_ID'));
}

/** Builds the dashboard (next build) when no build exists yet, streaming its output. */
export async function buildDashboard(log: (line: string) => void): Promise<void> {
  const require = createRequire(join(DASHBOARD_DIR, 'package.json'));
  const nextBin = join(dirname(require.resolve('next/package.json')), 'dist', 'bin', 'next');
  log('building the dashboard (first start only; about a minute)…');
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build', '--webpack'], { cwd: DASHBOARD_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    const forward = (chunk: Buffer) => chunk.toString().split('\n').filter((line) => line.trim()).forEach((line) => log(`  next: ${line.trim()}`));
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`the dashboard build failed (exit ${code}); run \`pnpm build\` to see why`))));
  });
}

/** The Next.js request handler for the built dashboard, in this process. */
export async function dashboardHandler(options: { hostname: string; port: number }): Promise<RequestHandler> {
  const require = createRequire(join(DASHBOARD_DIR, 'package.json'));
  const nextModule = require('next') as unknown;
  const createNext = (typeof nextModule === 'function' ? nextModule : (nextModule as { default: unknown }).default) as (opts: object) => NextApp;
  const app = createNext({ dev: false, dir: DASHBOARD_DIR, hostname: options.hostname, port: options.port, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  return (request, response) => handle(request, response);
}

interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}
