/** What the browser tests share: a free port, a clean environment for `paved start`, polling, Chromium. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { freePort, waitFor } from '../../scripts/loopback.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The child's environment without anything that would configure real sources (they switch the demo off). */
export function cleanEnv(dataDir: string, configFile: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(PAVED_|GITHUB_|PAGERDUTY_|OPSGENIE_|KAFKA_|CLICKHOUSE_|OIDC_|SMTP_|SLACK_)/.test(key) && key !== 'PAVED_DASHBOARD_DIST') continue;
    env[key] = value;
  }
  return { ...env, PAVED_DATA_DIR: dataDir, PAVED_CONFIG: configFile, PORT: String(port), HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'info', ...extra } as unknown as NodeJS.ProcessEnv;
}

