import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { PavedEnv } from '@paved/schemas';
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
