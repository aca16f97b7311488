import 'server-only';
import type { SurveyHttpContext, SurveyKeys } from '@paved/surveys';
import { keysOf, mailSettingsOf } from '@paved/surveys';
import { runtime } from './runtime';

/** The survey keys of this Paved (SURVEY_TOKEN_SECRET, else `survey.secret` in the data directory). */
export function surveyKeysOf(): SurveyKeys {
  return keysOf(runtime().env);
}

/** The address this request reached Paved at: the base of invite links unless `surveys.publicUrl` is set. */
function originOf(request: Request): string {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (!host) return new URL(request.url).origin;
  const proto = request.headers.get('x-forwarded-proto') ?? (/^(127\.0\.0\.1|localhost|\[::1\])(:|$)/.test(host) ? 'http' : new URL(request.url).protocol.replace(':', ''));
  return `${proto}://${host}`;
}

export function surveyContext(request: Request): SurveyHttpContext {
  const { warehouse, config, env } = runtime();
  return { warehouse, config, keys: surveyKeysOf(), origin: originOf(request), ...(env.SMTP_URL ? { mail: () => mailSettingsOf(config, env) } : {}) };
}
