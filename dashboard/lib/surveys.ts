import 'server-only';
import type { SurveyHttpContext, SurveyKeys } from '@paved/surveys';
import { keysOf, surveyHttpContext } from '@paved/surveys';
import { runtime } from './runtime';

/** The survey keys of this Paved (SURVEY_TOKEN_SECRET, else `survey.secret` in the data directory). */
export function surveyKeysOf(): SurveyKeys {
  return keysOf(runtime().env);
}

/** The same context the survey routes of the front door build (tools/cli/src/survey-routes.ts). */
export function surveyContext(request: Request): SurveyHttpContext {
  return surveyHttpContext(runtime(), request);
}
