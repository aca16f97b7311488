import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import type { SurveyHttpContext } from './http.js';
import { mailSettingsOf } from './mail.js';
import { loadSurveySecret, surveyKeys, type SurveyKeys } from './tokens.js';

const cache = new Map<string, SurveyKeys>();

/** The survey keys of this installation (SURVEY_TOKEN_SECRET, else the data directory's survey.secret), read once per process. */
export function keysOf(env: Pick<PavedEnv, 'SURVEY_TOKEN_SECRET' | 'PAVED_DATA_DIR'>): SurveyKeys {
  const dataDir = resolve(env.PAVED_DATA_DIR);
  const cacheKey = env.SURVEY_TOKEN_SECRET ? `env:${createHash('sha256').update(env.SURVEY_TOKEN_SECRET).digest('hex')}` : `file:${dataDir}`;
  let keys = cache.get(cacheKey);
  if (!keys) {
    keys = surveyKeys(loadSurveySecret(env, dataDir));
    cache.set(cacheKey, keys);
  }
  return keys;
}

/** The address a request reached Paved at (X-Forwarded-Host/Proto behind a proxy): the base of invite links unless `surveys.publicUrl` is set. */
export function requestOrigin(request: Request): string {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (!host) return new URL(request.url).origin;
  const proto = request.headers.get('x-forwarded-proto') ?? (/^(127\.0\.0\.1|localhost|\[::1\])(:|$)/.test(host) ? 'http' : new URL(request.url).protocol.replace(':', ''));
  return `${proto}://${host}`;
}

/** What the survey endpoints need for one request, from the process's warehouse and settings (the Hono routes and the dashboard's route handlers alike). */
export function surveyHttpContext(parts: { warehouse: Warehouse; config: PavedConfig; env: PavedEnv }, request: Request): SurveyHttpContext {
  const { warehouse, config, env } = parts;
  return { warehouse, config, keys: keysOf(env), origin: requestOrigin(request), ...(env.SMTP_URL ? { mail: () => mailSettingsOf(config, env) } : {}) };
}
