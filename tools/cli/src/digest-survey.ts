import { noSurveySummary, type SurveySummaryHook } from '@paved/transform/digest/content';

/**
 * The survey section of the weekly digests, for every process that sends them. It is meant to be
 * `surveySummaryForDigest` from @paved/surveys/digest (which applies the anonymity rule); that
 * module does not exist yet, so until it does this hook answers null and digests say "no survey
 * results". Wiring it is a one-line change here.
 */
export const digestSurveySummary: SurveySummaryHook = noSurveySummary;
