import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PavedEnv } from '@paved/schemas';

/*
 * Webhook secrets `paved connect` set up on a source. The environment wins; without it the secret
 * lives in a file of the data directory, readable only by Paved's user (0600, like session.secret
 * and admin.token), and every Paved process on that data directory verifies with it. Never in the
 * warehouse, never in a log. docs/configuration.md.
 */

export const WEBHOOK_SECRET_FILES = {
  GITHUB_WEBHOOK_SECRET: 'github-webhook.secret',
  PAGERDUTY_WEBHOOK_SECRET: 'pagerduty-webhook.secret',
  OPSGENIE_WEBHOOK_TOKEN: 'opsgenie-webhook.token',
} as const;
export type StoredSecretName = keyof typeof WEBHOOK_SECRET_FILES;

export function webhookSecretPath(env: Pick<PavedEnv, 'PAVED_DATA_DIR'>, name: StoredSecretName): string {
  return join(resolve(env.PAVED_DATA_DIR), WEBHOOK_SECRET_FILES[name]);
}

function readSecret(path: string): string | null {
  try {
    const value = readFileSync(path, 'utf8').trim();
    return value || null;
  } catch {
    return null;
  }
}

/** The environment with each unset webhook secret filled from its file, when `paved connect` stored one. */
export function withStoredWebhookSecrets<E extends PavedEnv>(env: E): E {
  const filled = { ...env };
  for (const name of Object.keys(WEBHOOK_SECRET_FILES) as StoredSecretName[]) {
    if (filled[name]) continue;
    const stored = readSecret(webhookSecretPath(env, name));
    if (stored) filled[name] = stored;
  }
  return filled;
}

export interface WebhookSecret {
  value: string;
  /** `environment`: set by the operator; `file`: stored by an earlier connect; `generated`: new, now in the file. */
  from: 'environment' | 'file' | 'generated';
  /** The file holding it (null when it comes from the environment). */
  file: string | null;
}

/**
 * The secret a source's webhook is configured with: the environment's, the stored one, or a new
 * random one written to the data directory (0600). `env` is updated in place, so a running
 * receiver that reads its secrets from it verifies with the new secret at once.
 */
export function ensureWebhookSecret(env: PavedEnv, name: StoredSecretName, generate: () => string = () => randomBytes(32).toString('hex')): WebhookSecret {
  const path = webhookSecretPath(env, name);
  const stored = readSecret(path);
  if (env[name] && env[name] !== stored) return { value: env[name]!, from: 'environment', file: null };
  if (stored) {
    env[name] = stored;
    return { value: stored, from: 'file', file: path };
  }
  return storeWebhookSecret(env, name, generate(), 'generated');
}

/** Keeps a secret the source chose (PagerDuty signs with one it generates) or a new one, 0600, and puts it in `env`. */
export function storeWebhookSecret(env: PavedEnv, name: StoredSecretName, value: string, from: WebhookSecret['from'] = 'generated'): WebhookSecret {
  const path = webhookSecretPath(env, name);
  mkdirSync(resolve(env.PAVED_DATA_DIR), { recursive: true, mode: 0o700 });
  writeFileSync(path, value, { mode: 0o600 });
  env[name] = value;
  return { value, from, file: path };
}
